package io.spikestream.ingest.format;

/**
 * A reusable batch of DVS events as structure-of-arrays: {@code x[i], y[i], polarity[i]} (1 = ON, brightness
 * increase; 0 = OFF) and {@code timestampUs[i]} (microseconds, monotone within a recording after overflow
 * handling). Decoders fill it from index 0; {@link #size} says how many entries are valid.
 * Not threadsafe; allocate once, reuse for every read.
 */
public final class EventBatch {

    public final int[] x;
    public final int[] y;
    public final byte[] polarity;
    public final long[] timestampUs;
    public int size;

    public EventBatch(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        x = new int[capacity];
        y = new int[capacity];
        polarity = new byte[capacity];
        timestampUs = new long[capacity];
    }

    public int capacity() {
        return x.length;
    }

    public void clear() {
        size = 0;
    }

    /** Appends one event; the caller checks {@code size < capacity()}. */
    public void add(int ex, int ey, int p, long tUs) {
        int i = size++;
        x[i] = ex;
        y[i] = ey;
        polarity[i] = (byte) p;
        timestampUs[i] = tUs;
    }

    public boolean isFull() {
        return size == x.length;
    }
}
