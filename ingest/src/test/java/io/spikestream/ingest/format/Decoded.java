package io.spikestream.ingest.format;

import java.io.IOException;
import java.util.Arrays;

/** Test helper: every event of a reader, drained into growable arrays, plus the reader's metadata. */
final class Decoded {

    int size;
    int[] x = new int[1024];
    int[] y = new int[1024];
    byte[] p = new byte[1024];
    long[] t = new long[1024];
    int batches;
    EventFormat format;
    SensorGeometry geometry;
    long skipped;

    static Decoded drain(EventReader reader, int capacity) throws IOException {
        Decoded d = new Decoded();
        d.format = reader.format();
        d.geometry = reader.geometry();
        EventBatch batch = new EventBatch(capacity);
        int n;
        while ((n = reader.read(batch)) >= 0) {
            if (n != batch.size || n == 0 || n > capacity) {
                throw new AssertionError("read returned " + n + " with batch.size " + batch.size);
            }
            d.batches++;
            d.append(batch);
        }
        if (reader.read(batch) != -1) {
            throw new AssertionError("read after the end must keep returning -1");
        }
        d.skipped = reader.skippedEvents();
        return d;
    }

    static Decoded drain(EventReader reader) throws IOException {
        try (reader) {
            return drain(reader, 4096);
        }
    }

    void append(EventBatch b) {
        if (size + b.size > x.length) {
            int cap = Math.max(x.length * 2, size + b.size);
            x = Arrays.copyOf(x, cap);
            y = Arrays.copyOf(y, cap);
            p = Arrays.copyOf(p, cap);
            t = Arrays.copyOf(t, cap);
        }
        System.arraycopy(b.x, 0, x, size, b.size);
        System.arraycopy(b.y, 0, y, size, b.size);
        System.arraycopy(b.polarity, 0, p, size, b.size);
        System.arraycopy(b.timestampUs, 0, t, size, b.size);
        size += b.size;
    }

    long on() {
        long on = 0;
        for (int i = 0; i < size; i++) {
            on += p[i];
        }
        return on;
    }

    boolean monotone() {
        for (int i = 1; i < size; i++) {
            if (t[i] < t[i - 1]) {
                return false;
            }
        }
        return true;
    }

    void assertSameEvents(Decoded o) {
        if (size != o.size) {
            throw new AssertionError("sizes differ: " + size + " vs " + o.size);
        }
        for (int i = 0; i < size; i++) {
            if (x[i] != o.x[i] || y[i] != o.y[i] || p[i] != o.p[i] || t[i] != o.t[i]) {
                throw new AssertionError("event " + i + " differs: (" + x[i] + "," + y[i] + "," + p[i] + "," + t[i]
                    + ") vs (" + o.x[i] + "," + o.y[i] + "," + o.p[i] + "," + o.t[i] + ")");
            }
        }
    }
}
