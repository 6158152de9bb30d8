package io.spikestream.plasticity.optim;

import io.spikestream.network.Connectivity;
import io.spikestream.network.Network;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.SynapseLayout;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RowOptimizer}'s row loops against NEST's per-synapse arithmetic ({@link WeightOptimizer#optimize}): rows of
 * every length, weights at and beyond the bounds, signed zeros, batches, Adam with and without NEST's catch-up; and
 * the Adam step a row kernel applies in its own pass ({@link RowOptimizer#startAdam}, {@link RowOptimizer#adamSynapse},
 * {@link RowOptimizer#finishAdam}) against the same reference.
 */
class RowOptimizerTest {

    private static final int SOURCES = 24;
    private static final int TARGETS = 37;

    @Test
    void adamPerUpdate() {
        check(OptimizerSpec.adam(0.05).withAdamCatchUp(false), 11);
    }

    @Test
    void adamOneStepPerUpdateOfNestsCatchUp() {
        // NEST's catch-up with every update one step after the last: the row path, not the per-synapse catch-up
        check(OptimizerSpec.adam(0.05), 12);
    }

    @Test
    void adamWithBatches() {
        OptimizerSpec s = OptimizerSpec.adam(0.05).withAdamCatchUp(false);
        check(new OptimizerSpec(s.type(), s.eta(), 3, true, s.wMin(), s.wMax(), s.beta1(), s.beta2(), s.epsilon(),
            false), 13);
    }

    @Test
    void adamClampsAtZeroBoundsAsStdClamp() {
        // bounds at +-0.0 and weights at -0.0 / +0.0: std::clamp keeps w when !(w < lo) && !(hi < w)
        OptimizerSpec s = OptimizerSpec.adam(0.5).withAdamCatchUp(false);
        check(new OptimizerSpec(s.type(), s.eta(), 1, true, 0.0, 0.0, s.beta1(), s.beta2(), s.epsilon(), false), 14);
        check(new OptimizerSpec(s.type(), s.eta(), 1, true, -0.0, 0.25, s.beta1(), s.beta2(), s.epsilon(), false), 15);
    }

    @Test
    void gradientDescent() {
        check(OptimizerSpec.gradientDescent(0.3), 16);
        OptimizerSpec s = OptimizerSpec.gradientDescent(0.3);
        check(new OptimizerSpec(s.type(), s.eta(), 2, true, -0.0, 0.5, s.beta1(), s.beta2(), s.epsilon(), true), 17);
    }

    /**
     * Rows of every length from 0 to TARGETS, each source updated again and again with fresh gradients, by the
     * reference and the row optimizer on two copies of the same projection; weights, moments, accumulators and the
     * sources' clocks compared after every update (see {@link #same(double, double, String)}).
     */
    private static void check(OptimizerSpec spec, long seed) {
        Network net = new Network(TimeGrid.of(1.0), 1, seed);
        Population in = net.create("parrot_neuron", SOURCES);
        Population out = net.create("parrot_neuron", TARGETS);
        Projection.Part ref = plain(net, in, out);
        Projection.Part rowPart = plain(net, in, out);
        Projection.Part fusedPart = plain(net, in, out);
        long n = ref.nnz;
        SplittableRandom rnd = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment grad = arena.allocate(n * Double.BYTES, 64);
            State sRef = new State(arena, n);
            State sRow = new State(arena, n);
            State sFused = new State(arena, n);
            for (long i = 0; i < n; i++) {
                double w = edgy(rnd, spec);
                ref.setWeight(i, w);
                rowPart.setWeight(i, w);
                fusedPart.setWeight(i, w);
            }
            SourceClocks clocksRow = new SourceClocks(SOURCES, spec.eta());
            SourceClocks clocksFused = new SourceClocks(SOURCES, spec.eta());
            RowOptimizer.AdamStep step = new RowOptimizer.AdamStep();
            int fusedRows = 0;
            OptimizerClock[] clocksRef = new OptimizerClock[SOURCES];
            long[] idx = new long[SOURCES];
            for (int s = 0; s < SOURCES; s++) {
                clocksRef[s] = new OptimizerClock();
                clocksRef[s].set(1, 1.0, 1.0, 0, spec.eta());
            }
            RowOptimizer row = new RowOptimizer(spec);
            RowOptimizer fused = new RowOptimizer(spec);
            double[] opt = new double[3];
            OptimizerClock c = new OptimizerClock();
            for (int round = 0; round < 30; round++) {
                for (int src = 0; src < SOURCES; src++) {
                    // a row of the source's synapses [i0, i0 + len): every length from 0 to TARGETS occurs
                    long i0 = ref.rowStart(src) + (src + round) % 3;
                    long len = Math.min((src * 7L + round) % (TARGETS + 1), ref.rowEnd(src) - i0);
                    long i1 = i0 + len;
                    // the next update index: with NEST's catch-up, exactly one optimization step later
                    idx[src] += spec.adamCatchUp() ? spec.batchSize() : 1 + rnd.nextInt(5);
                    for (long i = i0; i < i1; i++) {
                        grad.setAtIndex(SynapseLayout.STATE, i, edgyGradient(rnd));
                    }
                    double eta = round % 4 == 3 ? spec.eta() * 0.5 : spec.eta();
                    OptimizerClock start = clocksRef[src];
                    for (long i = i0; i < i1; i++) {
                        c.copyFrom(start);
                        opt[0] = sRef.acc.getAtIndex(SynapseLayout.STATE, i);
                        opt[1] = sRef.m.getAtIndex(SynapseLayout.STATE, i);
                        opt[2] = sRef.v.getAtIndex(SynapseLayout.STATE, i);
                        ref.setWeight(i, WeightOptimizer.optimize(spec, eta, c, idx[src],
                            grad.getAtIndex(SynapseLayout.STATE, i), ref.weight(i), opt));
                        sRef.acc.setAtIndex(SynapseLayout.STATE, i, opt[0]);
                        sRef.m.setAtIndex(SynapseLayout.STATE, i, opt[1]);
                        sRef.v.setAtIndex(SynapseLayout.STATE, i, opt[2]);
                    }
                    if (i1 > i0) {
                        start.copyFrom(c);
                    } else {
                        continue; // an empty row: the rules never optimize one
                    }
                    row.apply(clocksRow, src, rowPart, i0, i1, idx[src], grad, sRow.accOrNull(spec),
                        sRow.m, sRow.v, eta);
                    same(ref, sRef, rowPart, sRow, spec, "row vs NEST's per-synapse", round, src);
                    // the same update as a kernel applies it in its own pass (HotRows.closeOpenAdam) where it can
                    if (fused.startAdam(clocksFused, src, idx[src], sFused.accOrNull(spec) != null, step)) {
                        for (long i = i0; i < i1; i++) {
                            RowOptimizer.adamSynapse(i, grad.getAtIndex(SynapseLayout.STATE, i), sFused.m, sFused.v,
                                fusedPart, step.b1, step.oneMinusB1, step.b2, step.oneMinusB2, step.alpha, step.eps,
                                step.lo, step.hi);
                        }
                        fused.finishAdam(clocksFused, src, step, eta);
                        fusedRows++;
                    } else {
                        fused.apply(clocksFused, src, fusedPart, i0, i1, idx[src], grad, sFused.accOrNull(spec),
                            sFused.m, sFused.v, eta);
                    }
                    same(ref, sRef, fusedPart, sFused, spec, "fused Adam step vs NEST's per-synapse", round, src);
                    assertClock(start, clocksFused, src);
                    // the clock the row optimizer stored for the source is the reference's
                    assertClock(start, clocksRow, src);
                }
            }
            // plain Adam steps take the fused path (every update with batch_size 1), the others never do
            boolean plainAdam = spec.type() == OptimizerSpec.Type.ADAM && spec.batchSize() == 1;
            assertEquals(plainAdam, fusedRows > 0, "rows through the fused Adam step: " + fusedRows);
        }
    }

    private static void assertClock(OptimizerClock expected, SourceClocks clocks, int src) {
        OptimizerClock stored = new OptimizerClock();
        clocks.load(src, stored);
        assertEquals(expected.k, stored.k);
        assertEquals(expected.nOptimize, stored.nOptimize);
        assertEquals(Double.doubleToRawLongBits(expected.b1pow), Double.doubleToRawLongBits(stored.b1pow));
        assertEquals(Double.doubleToRawLongBits(expected.b2pow), Double.doubleToRawLongBits(stored.b2pow));
        assertEquals(Double.doubleToRawLongBits(expected.etaCurrent), Double.doubleToRawLongBits(stored.etaCurrent));
    }

    /** Per-synapse optimizer columns of one copy. */
    private record State(MemorySegment acc, MemorySegment m, MemorySegment v) {
        State(Arena arena, long n) {
            this(arena.allocate(n * Double.BYTES, 64), arena.allocate(n * Double.BYTES, 64),
                arena.allocate(n * Double.BYTES, 64));
        }

        /** The rules pass no accumulator column with batch_size 1. */
        MemorySegment accOrNull(OptimizerSpec spec) {
            return spec.batchSize() == 1 ? null : acc;
        }
    }

    private static Projection.Part plain(Network net, Population in, Population out) {
        return net.connect(in, out, Connectivity.allToAll(), SynapseSpec.staticSynapse().weight(0.0)).part(0);
    }

    /**
     * Compares the weights and optimizer columns of two copies as values (-0.0 equals 0.0; NaN equals NaN). The
     * reference adds a gradient to an accumulator that starts at +0.0 (NEST's sum_gradients), which turns a gradient
     * of -0.0 into +0.0; the row optimizer uses the gradient itself with batch_size 1, so the two may differ in the
     * sign of a zero, and only there.
     */
    private static void same(Projection.Part a, State sa, Projection.Part b, State sb, OptimizerSpec spec,
                             String what, int round, int src) {
        for (long i = 0; i < a.nnz; i++) {
            String where = what + ", round " + round + " source " + src + " synapse " + i;
            same(a.weight(i), b.weight(i), where + ": weight");
            if (spec.type() == OptimizerSpec.Type.ADAM) {
                same(sa.m.getAtIndex(SynapseLayout.STATE, i), sb.m.getAtIndex(SynapseLayout.STATE, i), where + ": m");
                same(sa.v.getAtIndex(SynapseLayout.STATE, i), sb.v.getAtIndex(SynapseLayout.STATE, i), where + ": v");
            }
            if (spec.batchSize() > 1) {
                same(sa.acc.getAtIndex(SynapseLayout.STATE, i), sb.acc.getAtIndex(SynapseLayout.STATE, i),
                    where + ": acc");
            }
        }
    }

    private static void same(double expected, double got, String where) {
        assertTrue(expected == got || (Double.isNaN(expected) && Double.isNaN(got)), () -> where + " " + expected
            + " vs " + got);
    }

    /** A weight: mostly inside the bounds, some at them, some at signed zeros. */
    private static double edgy(SplittableRandom rnd, OptimizerSpec spec) {
        return switch (rnd.nextInt(8)) {
            case 0 -> spec.wMin();
            case 1 -> spec.wMax();
            case 2 -> -0.0;
            case 3 -> 0.0;
            default -> rnd.nextDouble(-1.0, 1.0);
        };
    }

    /** A gradient: mostly small, some zeros of both signs, some large enough to push a weight past a bound. */
    private static double edgyGradient(SplittableRandom rnd) {
        return switch (rnd.nextInt(10)) {
            case 0 -> 0.0;
            case 1 -> -0.0;
            case 2 -> rnd.nextDouble(-1e4, 1e4);
            default -> rnd.nextGaussian() * 0.1;
        };
    }
}
