package io.spikestream.plasticity;

import java.util.Arrays;

/**
 * The per-neuron archive both NEST-exact e-prop rules keep (event-driven {@code eprop.NeuronHistory}, spec §2;
 * time-driven {@code bsshslm.IntervalArchive}, spec §5.6): one entry per loop step with a few values, in a growable
 * power-of-two ring of consecutive times {@code base .. base+len-1}; entries erased in the middle are flagged per
 * slot, an erased prefix frees its slots at once; plus the sorted "update markers" (a time each incoming synapse
 * still needs, with a count) from which each rule's own retention policy decides what may be erased. The two rules
 * differ only in that policy and in their checkpoint records, which stay in the subclasses.
 *
 * <p>Slots are physical ring indices ({@link #slot}); values are {@code values[slot * fields + field]}. Not
 * threadsafe: owned by the worker that owns the neuron.
 */
public abstract class StepArchive {

    protected final int fields;
    /** Time of the logical first slot. */
    protected long base;
    /** Physical index of the logical first slot. */
    protected int start;
    /** Slots in use (retained or erased in the middle). */
    protected int len;
    protected double[] values;
    protected boolean[] gone;
    protected int retained;

    protected long[] markerT = new long[4];
    protected int[] markerCount = new int[4];
    protected int markers;

    protected StepArchive(int fields, int initialCapacity) {
        this.fields = fields;
        int cap = Math.max(8, Integer.highestOneBit(Math.max(1, initialCapacity - 1)) << 1);
        values = new double[cap * fields];
        gone = new boolean[cap];
    }

    /** Entries retained (not erased). */
    public int retained() {
        return retained;
    }

    /** Slots physically held (retained or erased in the middle): the memory this archive uses. */
    public int physicalLength() {
        return len;
    }

    /** Appends the entry for time t (the step after the last entry, or any time for the first entry). */
    public void append(long t) {
        if (len == 0) {
            base = t;
            start = 0;
        } else if (t != base + len) {
            throw new IllegalStateException("e-prop history must grow by one step: last " + (base + len - 1) + ", got " + t);
        }
        if (len == gone.length) {
            grow();
        }
        int phys = (start + len) & (gone.length - 1);
        gone[phys] = false;
        Arrays.fill(values, phys * fields, phys * fields + fields, 0.0);
        len++;
        retained++;
    }

    private void grow() {
        int cap = gone.length;
        double[] nv = new double[cap * 2 * fields];
        boolean[] ng = new boolean[cap * 2];
        for (int i = 0; i < len; i++) {
            int p = (start + i) & (cap - 1);
            System.arraycopy(values, p * fields, nv, i * fields, fields);
            ng[i] = gone[p];
        }
        values = nv;
        gone = ng;
        start = 0;
    }

    /** Physical slot of time t if it is retained, else -1. */
    public int slot(long t) {
        long i = t - base;
        if (len == 0 || i < 0 || i >= len) {
            return -1;
        }
        int p = (int) ((start + i) & (gone.length - 1));
        return gone[p] ? -1 : p;
    }

    /** Physical slot of time t, which a synapse is about to read: a missing entry is a bug (NEST throws too). */
    public int require(long t, int neuronGlobalId) {
        int p = slot(t);
        if (p < 0) {
            throw new IllegalStateException("expected an e-prop history entry at t=" + t + " in neuron " + neuronGlobalId
                + " (retained " + (len == 0 ? "none" : "times " + base + ".." + (base + len - 1)) + ")");
        }
        return p;
    }

    public double get(int phys, int field) {
        return values[phys * fields + field];
    }

    public void set(int phys, int field, double v) {
        values[phys * fields + field] = v;
    }

    public void add(int phys, int field, double v) {
        values[phys * fields + field] += v;
    }

    /** Physical slot of the retained entry with the smallest time >= t, or -1. */
    public int lowerBound(long t) {
        if (len == 0) {
            return -1;
        }
        for (long i = Math.max(0, t - base); i < len; i++) {
            int p = (int) ((start + i) & (gone.length - 1));
            if (!gone[p]) {
                return p;
            }
        }
        return -1;
    }

    /** Erases the retained entries with times in [b, e). */
    public void eraseRange(long b, long e) {
        long from = Math.max(b, base);
        long to = Math.min(e, base + len);
        for (long t = from; t < to; t++) {
            int p = (int) ((start + (t - base)) & (gone.length - 1));
            if (!gone[p]) {
                gone[p] = true;
                retained--;
            }
        }
        // a fully erased prefix frees its slots at once
        while (len > 0 && gone[start]) {
            start = (start + 1) & (gone.length - 1);
            base++;
            len--;
        }
    }

    // ------------------------------------------------------------------ update markers (sorted by time)

    /** Index of the first marker with time >= t (binary search). */
    protected final int markerIndex(long t) {
        int lo = 0;
        int hi = markers;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (markerT[mid] < t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** A new marker at time t with count 1, at index i (= {@link #markerIndex}(t)). */
    protected final void insertMarker(int i, long t) {
        if (markers == markerT.length) {
            markerT = Arrays.copyOf(markerT, markers * 2);
            markerCount = Arrays.copyOf(markerCount, markers * 2);
        }
        System.arraycopy(markerT, i, markerT, i + 1, markers - i);
        System.arraycopy(markerCount, i, markerCount, i + 1, markers - i);
        markerT[i] = t;
        markerCount[i] = 1;
        markers++;
    }

    protected final void removeMarker(int i) {
        System.arraycopy(markerT, i + 1, markerT, i, markers - i - 1);
        System.arraycopy(markerCount, i + 1, markerCount, i, markers - i - 1);
        markers--;
    }

    /** Update markers held. */
    public int markers() {
        return markers;
    }
}
