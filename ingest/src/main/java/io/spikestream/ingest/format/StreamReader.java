package io.spikestream.ingest.format;

import java.io.IOException;

/**
 * Common state of the byte-stream decoders: the source, the sensor geometry, the strict/lenient policy for events
 * outside that geometry and the count of events skipped under the lenient policy. Not threadsafe.
 */
abstract class StreamReader implements EventReader {

    final ByteSource src;
    final SensorGeometry geometry;
    final boolean lenient;
    long skipped;

    StreamReader(ByteSource src, SensorGeometry geometry, DecodeOptions options) {
        this.src = src;
        this.geometry = geometry;
        this.lenient = options.lenient();
    }

    @Override
    public final SensorGeometry geometry() {
        return geometry;
    }

    @Override
    public final long skippedEvents() {
        return skipped;
    }

    final DecodeException error(long offset, String message) {
        return new DecodeException(src.name, offset, message);
    }

    /**
     * An event at ({@code x}, {@code y}) lies outside the geometry: an error in strict mode, counted and dropped
     * in lenient mode. Kept out of the hot loops so they stay small.
     */
    final void outside(long offset, int x, int y) throws DecodeException {
        if (!lenient) {
            throw error(offset, "event at (" + x + ", " + y + ") outside the " + geometry + " sensor");
        }
        skipped++;
    }

    @Override
    public void close() throws IOException {
        src.close();
    }
}
