package io.spikestream.plasticity.optim;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.util.Arrays;

/**
 * The optimizer clocks of every source of one projection part ({@link OptimizerClock} per source, stored as
 * structure of arrays): all synapses leaving one source see the same update indices, so the clock is kept once
 * per source instead of once per synapse. Shared by the event-driven e-prop rules.
 */
public final class SourceClocks {

    private final long[] k;
    private final double[] b1pow;
    private final double[] b2pow;
    private final long[] nOptimize;
    private final double[] eta;

    /** Clocks of {@code sources} sources at their start: step 1, powers 1, no updates, learning rate {@code eta}. */
    public SourceClocks(int sources, double eta) {
        k = new long[sources];
        Arrays.fill(k, 1L);
        b1pow = new double[sources];
        Arrays.fill(b1pow, 1.0);
        b2pow = new double[sources];
        Arrays.fill(b2pow, 1.0);
        nOptimize = new long[sources];
        this.eta = new double[sources];
        Arrays.fill(this.eta, eta);
    }

    public void load(int src, OptimizerClock c) {
        c.set(k[src], b1pow[src], b2pow[src], nOptimize[src], eta[src]);
    }

    public void store(int src, OptimizerClock c) {
        k[src] = c.k;
        b1pow[src] = c.b1pow;
        b2pow[src] = c.b2pow;
        nOptimize[src] = c.nOptimize;
        eta[src] = c.etaCurrent;
    }

    /** Heap bytes of the clocks. */
    public long bytes() {
        return (long) k.length * 5 * Long.BYTES;
    }

    /** Checkpoint layout: steps, beta_1 powers, beta_2 powers, update counts, learning rates in force. */
    public void write(StateWriter out) {
        out.putLongs(k);
        out.putDoubles(b1pow);
        out.putDoubles(b2pow);
        out.putLongs(nOptimize);
        out.putDoubles(eta);
    }

    public void read(StateReader in) throws CheckpointException {
        in.readLongs(k, "optimizer steps");
        in.readDoubles(b1pow, "beta_1 powers");
        in.readDoubles(b2pow, "beta_2 powers");
        in.readLongs(nOptimize, "optimizer update counts");
        in.readDoubles(eta, "learning rates in force");
    }
}
