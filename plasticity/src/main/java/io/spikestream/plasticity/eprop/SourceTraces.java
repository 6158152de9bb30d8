package io.spikestream.plasticity.eprop;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;
import io.spikestream.plasticity.optim.SourceClocks;

/**
 * The per-source state both event-driven e-prop rules keep for one projection part ({@link EpropState.PartState},
 * {@link FastEpropState.Part}): each source's previous event and whether it was an internal flush, its presynaptic
 * trace zbar with the one-step buffer, the cutoff counter, NEST's pending decays, and the optimizer clocks. The
 * arrays are fields of the subclasses' objects (no extra indirection on the per-event path); this class allocates
 * them and writes and reads them in the checkpoint layout both rules share.
 */
abstract class SourceTraces {
    long[] prev;
    boolean[] prevFlush;
    double[] zbar;
    double[] zbuf;
    long[] rem;
    long[] dec;
    /** The optimizer clock of each source (shared with the other event-driven rules). */
    SourceClocks clocks;

    /** Every source silent so far: no previous event, no trace, clocks at their start with learning rate eta. */
    void allocateSources(int sources, double eta) {
        prev = new long[sources];
        prevFlush = new boolean[sources];
        zbar = new double[sources];
        zbuf = new double[sources];
        rem = new long[sources];
        dec = new long[sources];
        clocks = new SourceClocks(sources, eta);
    }

    /** Heap bytes of this per-source state: the arrays above and the clocks. */
    long sourceTraceBytes() {
        long n = prev.length;
        return n * (Long.BYTES * 3 + Double.BYTES * 2 + 1) + clocks.bytes();
    }

    /** Checkpoint layout: previous stamps, flush flags, zbar, its buffer, cutoff counters, pending decays, clocks. */
    void writeSources(StateWriter out) {
        out.putLongs(prev);
        out.putBooleans(prevFlush);
        out.putDoubles(zbar);
        out.putDoubles(zbuf);
        out.putLongs(rem);
        out.putLongs(dec);
        clocks.write(out);
    }

    void readSources(StateReader in) throws CheckpointException {
        in.readLongs(prev, "previous stamps");
        in.readBooleans(prevFlush, "previous flush flags");
        in.readDoubles(zbar, "zbar");
        in.readDoubles(zbuf, "zbar buffer");
        in.readLongs(rem, "cutoff remainders");
        in.readLongs(dec, "pending decays");
        clocks.read(in);
    }
}
