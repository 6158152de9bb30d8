package io.spikestream.ingest.format;

import java.io.IOException;

/**
 * The one exception a decoder throws for bad input (corrupt, truncated, out-of-geometry data): it names the
 * source and the byte offset where decoding failed.
 */
public class DecodeException extends IOException {

    private final String source;
    private final long offset;

    public DecodeException(String source, long offset, String message) {
        super(source + " @ byte " + offset + ": " + message);
        this.source = source;
        this.offset = offset;
    }

    public DecodeException(String source, long offset, String message, Throwable cause) {
        super(source + " @ byte " + offset + ": " + message, cause);
        this.source = source;
        this.offset = offset;
    }

    public String source() {
        return source;
    }

    public long offset() {
        return offset;
    }
}
