package io.spikestream.nir;

/** A NIR file or graph spikestream cannot read, write or map; the message names what and where. */
public final class NirException extends RuntimeException {

    public NirException(String message) {
        super(message);
    }

    public NirException(String message, Throwable cause) {
        super(message, cause);
    }
}
