package io.spikestream.schemas;

/**
 * A value that is not a readable spikestream record: it names what was wrong ({@link Kind}) and, for unknown
 * schemas, the fingerprint found. Checked, so that every reader of Kafka values decides what to do with bad
 * input (the reactive source routes it to the dead-letter topic) instead of crashing.
 */
public final class RecordDecodeException extends Exception {

    /** Why a value could not be decoded. */
    public enum Kind {
        /** Too short, or does not start with the single-object marker {@code C3 01}. */
        BAD_HEADER,
        /** The 8-byte schema fingerprint is not one of the schemas this build knows (current or historical). */
        UNKNOWN_SCHEMA,
        /** The fingerprint is known but belongs to another record type than the one expected. */
        WRONG_TYPE,
        /** The header is fine but the Avro body does not decode against the writer's schema. */
        MALFORMED_BODY
    }

    private final Kind kind;
    private final long fingerprint;
    private final String detail;

    public RecordDecodeException(Kind kind, long fingerprint, String detail, Throwable cause) {
        super(kind + ": " + detail, cause);
        this.kind = kind;
        this.fingerprint = fingerprint;
        this.detail = detail;
    }

    /** The message without the kind prefix. */
    public String detail() {
        return detail;
    }

    public Kind kind() {
        return kind;
    }

    /** The fingerprint in the header, or 0 when the header itself was bad. */
    public long fingerprint() {
        return fingerprint;
    }
}
