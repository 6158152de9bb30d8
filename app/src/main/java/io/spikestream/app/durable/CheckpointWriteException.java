package io.spikestream.app.durable;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A model's checkpoint could not be written (a full or read-only disk, a file system error). The learner itself did
 * nothing wrong, but its records can no longer be made durable, so the pipeline stops: {@code learn} and {@code run}
 * exit with {@link io.spikestream.app.ExitCodes#LEARNER_FAILED}, and {@code checkpoint_failures_total} counts it.
 */
public final class CheckpointWriteException extends UncheckedIOException {

    public CheckpointWriteException(String message, IOException cause) {
        super(message, cause);
    }
}
