package io.spikestream.ingest.format;

import java.io.Closeable;
import java.io.IOException;

/**
 * A streaming decoder of one recording: constant memory whatever the file size. Not threadsafe.
 */
public interface EventReader extends Closeable {

    EventFormat format();

    /** Sensor geometry from the header, or the format's fixed geometry (N-MNIST: 34x34). */
    SensorGeometry geometry();

    /**
     * Clears {@code batch} and fills it with up to {@code batch.capacity()} events in file order.
     * Returns the number of events read, or -1 at the end of the recording.
     *
     * @throws DecodeException for corrupt or truncated input, naming the source and byte offset
     */
    int read(EventBatch batch) throws IOException;

    /**
     * Events skipped so far because they lay outside the sensor geometry; always 0 in strict mode (the default),
     * where such an event is a {@link DecodeException} instead. See {@link DecodeOptions#lenient()}.
     */
    default long skippedEvents() {
        return 0;
    }
}
