package io.spikestream.plasticity.bsshslm;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;
import io.spikestream.plasticity.StepArchive;

import java.util.Arrays;

/**
 * The archive of one postsynaptic neuron of the time-driven e-prop (spec §5.6): one entry per step with up to
 * two values (recurrent: surrogate gradient and learning signal; readout: error), the per-interval firing-rate
 * regularisation values, and the sorted "update markers" (the interval start, plus the model's shift, each
 * incoming synapse still has to integrate, with a count) that decide which whole intervals may be erased.
 *
 * <p>Storage and markers: {@link StepArchive} (shared with the event-driven rule's {@code NeuronHistory}); here the
 * time-driven retention policy, the rate entries and the checkpoint record. Not threadsafe: owned by the worker that
 * owns the neuron.
 */
final class IntervalArchive extends StepArchive {

    // firing-rate regularisation per interval, ascending time, entries [0, frCount)
    private long[] frT;
    private double[] frV;
    private int frCount;
    private boolean[] keep = new boolean[8];

    IntervalArchive(int fields, int initialCapacity, boolean withRates) {
        super(fields, initialCapacity);
        if (withRates) {
            frT = new long[4];
            frV = new double[4];
        }
    }

    /** Checkpoint: every field exactly as held (ring layout, erased flags, markers, rates), so slots stay the same. */
    void writeState(StateWriter out) {
        out.putLong(base);
        out.putInt(start);
        out.putInt(len);
        out.putInt(retained);
        out.putDoubles(values);
        out.putBooleans(gone);
        out.putInt(markers);
        out.putLongs(markerT);
        out.putInts(markerCount);
        out.putInt(frCount);
        if (frT != null) {
            out.putLongs(frT);
            out.putDoubles(frV);
        }
        out.putBooleans(keep);
    }

    void readState(StateReader in, String what) throws CheckpointException {
        long b = in.getLong();
        int s = in.getInt();
        int l = in.getInt();
        int r = in.getInt();
        double[] v = in.getDoubles(what + " values");
        boolean[] g = in.getBooleans(what + " erased flags");
        int m = in.getInt();
        long[] mt = in.getLongs(what + " marker times");
        int[] mc = in.getInts(what + " marker counts");
        int fc = in.getInt();
        long[] ft = frT == null ? null : in.getLongs(what + " rate times");
        double[] fv = frT == null ? null : in.getDoubles(what + " rate values");
        boolean[] k = in.getBooleans(what + " keep flags");
        if (v.length != g.length * fields || mt.length != mc.length || m > mt.length
            || (ft != null && (ft.length != fv.length || fc > ft.length)) || l > g.length) {
            throw new CheckpointException(CheckpointException.Kind.INCOMPATIBLE_SHAPE, what + ": inconsistent sizes");
        }
        base = b;
        start = s;
        len = l;
        retained = r;
        values = v;
        gone = g;
        markers = m;
        markerT = mt;
        markerCount = mc;
        frCount = fc;
        if (ft != null) {
            frT = ft;
            frV = fv;
        }
        keep = k;
    }

    // ------------------------------------------------------------------ update markers

    /** One more synapse will integrate from {@code t} on (NEST: initialize_update_history / write_update). */
    void addMarker(long t) {
        int i = markerIndex(t);
        if (i < markers && markerT[i] == t) {
            markerCount[i]++;
            return;
        }
        insertMarker(i, t);
    }

    /** One synapse no longer needs {@code t}; the marker goes when its count reaches 0. */
    void releaseMarker(long t) {
        int i = markerIndex(t);
        if (i < markers && markerT[i] == t) {
            if (--markerCount[i] == 0) {
                removeMarker(i);
            }
        }
    }

    /** NEST's write_update_to_history with the model's shift already added to both times. */
    void writeUpdate(long previousShifted, long currentShifted, boolean isFlush, boolean previousWasFlush) {
        if (!isFlush) {
            addMarker(currentShifted);
        }
        if (!previousWasFlush) {
            releaseMarker(previousShifted);
        }
    }

    /**
     * The clean-up of the first step of an interval (spec §5.6): whole intervals no marker points to are erased,
     * then everything before the first marker.
     */
    void cleanUp(long interval) {
        if (retained == 0 || markers == 0) {
            return;
        }
        int m = 0;
        long last = markerT[markers - 1];
        for (long t = markerT[0]; t <= last && m < markers; t += interval) {
            if (markerT[m] == t) {
                m++;
            } else {
                eraseRange(t, t + interval);
            }
        }
        eraseRange(Long.MIN_VALUE, markerT[0]);
    }

    // ------------------------------------------------------------------ firing-rate regularisation per interval

    void appendRate(long t, double fr) {
        if (frCount == frT.length) {
            frT = Arrays.copyOf(frT, frCount * 2);
            frV = Arrays.copyOf(frV, frCount * 2);
        }
        frT[frCount] = t;
        frV[frCount] = fr;
        frCount++;
    }

    /** The rate term of the first interval entry with time >= key (NEST's lower_bound lookup). */
    double rateAt(long key, int neuronGlobalId) {
        int i = rateLowerBound(key);
        if (i == frCount) {
            throw new IllegalStateException("no firing-rate regularisation entry at or after t=" + key + " in neuron "
                + neuronGlobalId);
        }
        return frV[i];
    }

    private int rateLowerBound(long key) {
        int lo = 0;
        int hi = frCount;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (frT[mid] < key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * Drops rate entries no synapse can ask for any more (called at interval starts, {@code now} = this step). A
     * synapse with pending eligibility holds a marker m and looks up the first entry at or after m + U (m itself
     * in a corner case); markers created later lie at or after {@code now}. So an entry is kept if it answers
     * such a lookup for a current marker or lies at or after {@code now}; dropping the others changes no lookup.
     * NEST keeps them all (its pruning never fires); this bounds the memory on an unbounded stream, e.g. when a
     * source that never spiked pins a marker at the first interval forever.
     */
    void pruneRates(long now, long interval) {
        int future = rateLowerBound(now);
        if (future == 0) {
            return;
        }
        if (keep.length < future) {
            keep = new boolean[Math.max(future, keep.length * 2)];
        }
        Arrays.fill(keep, 0, future, false);
        for (int q = 0; q < markers; q++) {
            int i1 = rateLowerBound(markerT[q]);
            int i2 = rateLowerBound(markerT[q] + interval);
            if (i1 < future) {
                keep[i1] = true;
            }
            if (i2 < future) {
                keep[i2] = true;
            }
        }
        int kept = 0;
        for (int i = 0; i < frCount; i++) {
            if (i >= future || keep[i]) {
                frT[kept] = frT[i];
                frV[kept] = frV[i];
                kept++;
            }
        }
        frCount = kept;
    }

    int rateEntries() {
        return frCount;
    }
}
