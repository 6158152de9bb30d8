package io.spikestream.ingest.kafka;

import io.spikestream.schemas.DeadLetterReason;

/** Thrown by a {@link RecordDecoder} for a value it cannot accept; the source dead-letters the record. */
public final class RejectedRecordException extends Exception {

    private final DeadLetterReason reason;

    public RejectedRecordException(DeadLetterReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public DeadLetterReason reason() {
        return reason;
    }
}
