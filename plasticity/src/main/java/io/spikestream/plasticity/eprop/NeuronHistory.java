package io.spikestream.plasticity.eprop;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;
import io.spikestream.plasticity.StepArchive;

import java.util.Arrays;

/**
 * The e-prop archive of one postsynaptic neuron, with NEST's exact retention policy (spec §2): one entry
 * per loop step with up to three values (recurrent: surrogate gradient psi, learning signal L, rate
 * regularisation fr; readout: error), plus the sorted list of "update markers" (the stamp of the last event
 * each incoming synapse has seen, with a count) that decides what may be erased.
 *
 * <p>Storage and markers: {@link StepArchive} (shared with the time-driven rule's {@code IntervalArchive}): entries
 * of consecutive times in a growable ring; NEST may erase a range in the middle, which is recorded as a per-entry
 * "gone" flag, while erasing from the front frees the slots. Here NEST's event-driven retention policy and the
 * checkpoint record. So memory is proportional to (now - oldest retained entry); the engine bounds that with flush
 * events (spec §2.4). Not threadsafe: owned by the worker that owns the neuron.
 */
final class NeuronHistory extends StepArchive {

    NeuronHistory(int fields, int initialCapacity) {
        super(fields, initialCapacity);
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
}
