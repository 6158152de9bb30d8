package io.spikestream.plasticity.eprop;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.util.Arrays;

/**
 * The e-prop archive of one postsynaptic neuron, with NEST's exact retention policy (spec §2): one entry
 * per loop step with up to three values (recurrent: surrogate gradient psi, learning signal L, rate
 * regularisation fr; readout: error), plus the sorted list of "update markers" (the stamp of the last event
 * each incoming synapse has seen, with a count) that decides what may be erased.
 *
 * <p>Storage: entries of consecutive times {@code base .. base+len-1} in a growable ring; NEST may erase a
 * range in the middle, which is recorded as a per-entry "gone" flag, while erasing from the front frees the
 * slots. So memory is proportional to (now - oldest retained entry); the engine bounds that with flush
 * events (spec §2.4). Not threadsafe: owned by the worker that owns the neuron.
 */
final class NeuronHistory {

    private final int fields;
    private long base;        // time of the logical first slot
    private int start;        // physical index of the logical first slot
    private int len;          // slots in use (retained or gone)
    private double[] values;  // values[phys * fields + f]
    private boolean[] gone;
    private int retained;

    private long[] markerT = new long[4];
    private int[] markerCount = new int[4];
    private int markers;

    NeuronHistory(int fields, int initialCapacity) {
        this.fields = fields;
        int cap = Math.max(8, Integer.highestOneBit(Math.max(1, initialCapacity - 1)) << 1);
        values = new double[cap * fields];
        gone = new boolean[cap];
    }

    int retained() {
        return retained;
    }

    /** Appends the entry for time t (= the next time after the last entry, or the first entry). */
    void append(long t) {
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
    int slot(long t) {
        long i = t - base;
        if (len == 0 || i < 0 || i >= len) {
            return -1;
        }
        int p = (int) ((start + i) & (gone.length - 1));
        return gone[p] ? -1 : p;
    }

    /** Physical slot of time t, which a synapse is about to read: a missing entry is a bug (NEST throws too). */
    int require(long t, int neuronGlobalId) {
        int p = slot(t);
        if (p < 0) {
            throw new IllegalStateException("expected an e-prop history entry at t=" + t + " in neuron " + neuronGlobalId
                + " (retained " + (len == 0 ? "none" : "times " + base + ".." + (base + len - 1)) + ")");
        }
        return p;
    }

    double get(int phys, int field) {
        return values[phys * fields + field];
    }

    void set(int phys, int field, double v) {
        values[phys * fields + field] = v;
    }

    void add(int phys, int field, double v) {
        values[phys * fields + field] += v;
    }

    /** The retained entry with the smallest time >= t, or -1. */
    int lowerBound(long t) {
        if (len == 0) {
            return -1;
        }
        long i = Math.max(0, t - base);
        for (; i < len; i++) {
            int p = (int) ((start + i) & (gone.length - 1));
            if (!gone[p]) {
                return p;
            }
        }
        return -1;
    }

    double[] rawValues() {
        return values;
    }

    int mask() {
        return gone.length - 1;
    }

    int startSlot() {
        return start;
    }

    long base() {
        return base;
    }

    // ------------------------------------------------------------------ NEST's clean-up (spec §2.3)

    /**
     * Called by every incoming synapse after it consumed the window of an event with stamp {@code s}, previous
     * event stamp {@code p} (0 = none), with the neuron's cutoff {@code c} in steps (NEVER = infinite).
     */
    void cleanUp(long s, long p, long c) {
        int i = markerIndex(s);
        if (i < markers && markerT[i] == s) {
            markerCount[i]++;
        } else {
            insertMarker(i, s);
        }
        if (p > 0) {
            int j = markerIndex(p);
            if (j < markers && markerT[j] == p) {
                if (markerCount[j] > 0) {
                    markerCount[j]--;
                }
                if (markerCount[j] == 0) {
                    removeMarker(j);
                }
            }
            if (c != Long.MAX_VALUE) {
                eraseConsumedWindow(p, c);
            }
        }
        if (markers == 0 || retained == 0) {
            return;
        }
        long keep = markerT[0] - 1;
        int pk = slot(keep);
        if (pk >= 0 && firstRetainedTime() != keep) {
            dropBefore(keep);
        }
    }

    private void eraseConsumedWindow(long p, long c) {
        long candBegin = p - 1;
        long candEnd = candBegin + c;
        long b = candBegin;
        long e = candEnd;
        long searchBegin = Math.max(0L, candBegin - c);
        long searchEnd = candEnd;
        for (int m = markerIndex(searchBegin); m < markers && markerT[m] <= searchEnd && b < e; m++) {
            long reqBegin = markerT[m] - 1;
            long reqEnd = reqBegin + c;
            if (reqBegin >= candBegin && reqBegin <= candEnd) {
                e = Math.min(e, reqBegin);
            }
            if (reqEnd >= candBegin && reqEnd <= candEnd) {
                b = Math.max(b, reqEnd);
            }
        }
        if (b < e) {
            eraseRange(b, e);
        }
    }

    /** Erases the retained entries with times in [b, e). */
    void eraseRange(long b, long e) {
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

    private long firstRetainedTime() {
        int p = lowerBound(base);
        return p < 0 ? Long.MIN_VALUE : base + ((p - start) & (gone.length - 1));
    }

    private void dropBefore(long keep) {
        while (len > 0 && base < keep) {
            if (!gone[start]) {
                retained--;
            }
            start = (start + 1) & (gone.length - 1);
            base++;
            len--;
        }
    }

    private int markerIndex(long t) {
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

    private void insertMarker(int i, long t) {
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

    private void removeMarker(int i) {
        System.arraycopy(markerT, i + 1, markerT, i, markers - i - 1);
        System.arraycopy(markerCount, i + 1, markerCount, i, markers - i - 1);
        markers--;
    }

    // ------------------------------------------------------------------ checkpoints

    /** The archive exactly as it is: ring (with its capacity and erased entries) and update markers. */
    void writeState(StateWriter out) {
        out.putInt(fields);
        out.putLong(base);
        out.putInt(start);
        out.putInt(len);
        out.putInt(retained);
        out.putDoubles(values);
        out.putBooleans(gone);
        out.putLongs(markerT, 0, markers);
        out.putInts(markerCount, 0, markers);
    }

    void readState(StateReader in, int neuron) throws CheckpointException {
        int f = in.getInt();
        if (f != fields) {
            throw new CheckpointException(CheckpointException.Kind.INCOMPATIBLE_SHAPE, "e-prop history of neuron " + neuron
                + " has " + f + " fields in the checkpoint, " + fields + " here");
        }
        long b = in.getLong();
        int st = in.getInt();
        int l = in.getInt();
        int ret = in.getInt();
        double[] v = in.getDoubles("history values of neuron " + neuron);
        boolean[] g = in.getBooleans("history flags of neuron " + neuron);
        long[] mt = in.getLongs("history markers of neuron " + neuron);
        int[] mc = in.getInts("history marker counts of neuron " + neuron);
        int cap = g.length;
        if (cap < 8 || Integer.bitCount(cap) != 1 || v.length != cap * fields || st < 0 || st >= cap || l < 0 || l > cap
            || ret < 0 || ret > l || mt.length != mc.length) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, "inconsistent e-prop history of neuron " + neuron);
        }
        base = b;
        start = st;
        len = l;
        retained = ret;
        values = v;
        gone = g;
        markers = mt.length;
        markerT = Arrays.copyOf(mt, Math.max(4, mt.length));
        markerCount = Arrays.copyOf(mc, Math.max(4, mc.length));
    }

    int markerCount() {
        return markers;
    }

    /** Slots physically held (retained or erased in the middle): the memory this history uses. */
    int physicalLength() {
        return len;
    }
}
