package io.spikestream.app.pipeline;

/**
 * The pipeline stopped while learning, not while starting or recovering: a record the learner could not apply
 * ({@code processing.on_error=fail}) or a checkpoint that could not be written. {@code learn} and {@code run} exit
 * with {@link io.spikestream.app.ExitCodes#LEARNER_FAILED} on it, apart from refused recoveries.
 */
public final class LearnerFailure extends RuntimeException {

    public LearnerFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
