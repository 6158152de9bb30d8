package io.spikestream.network;

import java.util.Arrays;

/**
 * The events (spikes and flush events) that one worker's share of one population emitted in one loop step,
 * in ascending neuron order. Preallocated and reused every step; grows only when a step emits more events
 * than ever before. Not threadsafe: owned by one worker.
 */
public final class StepEvents {

    int count;
    int[] local;
    int[] mult;
    boolean[] flush;

    public StepEvents(int capacity) {
        int c = Math.max(4, capacity);
        local = new int[c];
        mult = new int[c];
        flush = new boolean[c];
    }

    public void clear() {
        count = 0;
    }

    /** A spike of {@code multiplicity} >= 1 from local neuron {@code n}. */
    public void spike(int n, int multiplicity) {
        add(n, multiplicity, false);
    }

    /** A flush event (no transmission; lets plastic synapses catch up, see {@code FlushEvents}). */
    public void flushEvent(int n) {
        add(n, 0, true);
    }

    private void add(int n, int m, boolean f) {
        if (count == local.length) {
            int c = local.length * 2;
            local = Arrays.copyOf(local, c);
            mult = Arrays.copyOf(mult, c);
            flush = Arrays.copyOf(flush, c);
        }
        local[count] = n;
        mult[count] = m;
        flush[count] = f;
        count++;
    }

    public int count() {
        return count;
    }
}
