package io.spikestream.schemas;

/**
 * A {@link DvsEventBatch} that decoded as Avro but whose packed arrays are inconsistent or hold an event outside
 * the declared sensor geometry. Names the sensor, the batch sequence and, where it applies, the event index.
 */
public final class InvalidEventBatchException extends Exception {

    private final DeadLetterReason reason;
    private final int eventIndex;

    public InvalidEventBatchException(DeadLetterReason reason, int eventIndex, String message) {
        super(message);
        this.reason = reason;
        this.eventIndex = eventIndex;
    }

    /** {@code OUT_OF_GEOMETRY} or {@code INVALID_CONTENT}. */
    public DeadLetterReason reason() {
        return reason;
    }

    /** Index of the offending event within the batch, or -1 when the batch as a whole is inconsistent. */
    public int eventIndex() {
        return eventIndex;
    }
}
