package io.spikestream.plasticity.optim;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

/**
 * The optimizer clocks of every source of one projection part ({@link OptimizerClock} per source): all synapses
 * leaving one source see the same update indices, so the clock is kept once per source instead of once per synapse.
 * Shared by the event-driven e-prop rules.
 *
 * <p>One record of five longs per source (step, the two powers and the learning rate as their raw IEEE bits, update
 * count), side by side: a row loads and stores its source's clock once per synaptic event, at a source that is random
 * from one event to the next, and five separate arrays made that five cache misses where one record makes one or two
 * (the profile of the benchmark network at K = 100 had ~4.5 % of its samples on that load). The bits are the
 * doubles' own ({@link Double#doubleToRawLongBits}), so nothing rounds; checkpoints keep the five-array layout.
 */
public final class SourceClocks {

    private static final int K = 0;
    private static final int B1POW = 1;
    private static final int B2POW = 2;
    private static final int N_OPTIMIZE = 3;
    private static final int ETA = 4;
    private static final int FIELDS = 5;

    private final int sources;
    private final long[] rec;

    /** Clocks of {@code sources} sources at their start: step 1, powers 1, no updates, learning rate {@code eta}. */
    public SourceClocks(int sources, double eta) {
        this.sources = sources;
        rec = new long[Math.multiplyExact(sources, FIELDS)];
        final long one = Double.doubleToRawLongBits(1.0);
        final long etaBits = Double.doubleToRawLongBits(eta);
        for (int o = 0; o < rec.length; o += FIELDS) {
            rec[o + K] = 1L;
            rec[o + B1POW] = one;
            rec[o + B2POW] = one;
            rec[o + ETA] = etaBits;
        }
    }

    public void load(int src, OptimizerClock c) {
        final int o = src * FIELDS;
        c.set(rec[o + K], Double.longBitsToDouble(rec[o + B1POW]), Double.longBitsToDouble(rec[o + B2POW]),
            rec[o + N_OPTIMIZE], Double.longBitsToDouble(rec[o + ETA]));
    }

    public void store(int src, OptimizerClock c) {
        final int o = src * FIELDS;
        rec[o + K] = c.k;
        rec[o + B1POW] = Double.doubleToRawLongBits(c.b1pow);
        rec[o + B2POW] = Double.doubleToRawLongBits(c.b2pow);
        rec[o + N_OPTIMIZE] = c.nOptimize;
        rec[o + ETA] = Double.doubleToRawLongBits(c.etaCurrent);
    }

    /** Heap bytes of the clocks. */
    public long bytes() {
        return (long) rec.length * Long.BYTES;
    }

    /** Checkpoint layout: steps, beta_1 powers, beta_2 powers, update counts, learning rates in force. */
    public void write(StateWriter out) {
        out.putLongs(field(K));
        out.putDoubles(doubles(field(B1POW)));
        out.putDoubles(doubles(field(B2POW)));
        out.putLongs(field(N_OPTIMIZE));
        out.putDoubles(doubles(field(ETA)));
    }

    public void read(StateReader in) throws CheckpointException {
        long[] k = new long[sources];
        double[] b1pow = new double[sources];
        double[] b2pow = new double[sources];
        long[] nOptimize = new long[sources];
        double[] eta = new double[sources];
        in.readLongs(k, "optimizer steps");
        in.readDoubles(b1pow, "beta_1 powers");
        in.readDoubles(b2pow, "beta_2 powers");
        in.readLongs(nOptimize, "optimizer update counts");
        in.readDoubles(eta, "learning rates in force");
        setField(K, k);
        setField(B1POW, bits(b1pow));
        setField(B2POW, bits(b2pow));
        setField(N_OPTIMIZE, nOptimize);
        setField(ETA, bits(eta));
    }

    private long[] field(int f) {
        long[] a = new long[sources];
        for (int s = 0; s < sources; s++) {
            a[s] = rec[s * FIELDS + f];
        }
        return a;
    }

    private void setField(int f, long[] a) {
        for (int s = 0; s < sources; s++) {
            rec[s * FIELDS + f] = a[s];
        }
    }

    private static double[] doubles(long[] bits) {
        double[] d = new double[bits.length];
        for (int i = 0; i < bits.length; i++) {
            d[i] = Double.longBitsToDouble(bits[i]);
        }
        return d;
    }

    private static long[] bits(double[] d) {
        long[] b = new long[d.length];
        for (int i = 0; i < d.length; i++) {
            b[i] = Double.doubleToRawLongBits(d[i]);
        }
        return b;
    }
}
