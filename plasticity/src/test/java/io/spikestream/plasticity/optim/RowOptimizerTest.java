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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RowOptimizer}'s scalar loops against NEST's per-synapse arithmetic ({@link WeightOptimizer#optimize}), and
 * its SIMD loops ({@link VectorRows}, when the JVM has {@code jdk.incubator.vector}: the build's usual test run)
 * against its scalar loops, bit for bit. The build also runs this class in a JVM without the module (surefire execution
 * {@code without-vector-module}), where the optimizer must fall back to the scalar loops without loading VectorRows.
 */
class RowOptimizerTest {

    private static final int SOURCES = 24;
    private static final int TARGETS = 37;

    @Test
    void theVectorModuleIsUsedExactlyWhenTheJvmHasIt() {
        String expected = System.getProperty("spikestream.expectVector");
        assertTrue(expected != null, "the build states whether this JVM has jdk.incubator.vector");
        assertEquals(Boolean.parseBoolean(expected), RowOptimizer.VECTOR_AVAILABLE);
        assertEquals(RowOptimizer.VECTOR_AVAILABLE, new RowOptimizer(OptimizerSpec.adam(0.01)).vectorized());
        if (!RowOptimizer.VECTOR_AVAILABLE) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new RowOptimizer(OptimizerSpec.adam(0.01), true));
            assertTrue(e.getMessage().contains("jdk.incubator.vector"), e.getMessage());
        }
    }

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
     * Rows of every length from 0 to TARGETS (whole vectors and tails), each source updated again and again with
     * fresh gradients, by the reference, the scalar loops and (with the module) the SIMD loops on three copies of the
     * same projection; compared after every update (see {@link #same(double, double, boolean, String)}).
     */
    private static void check(OptimizerSpec spec, long seed) {
        Network net = new Network(TimeGrid.of(1.0), 1, seed);
        Population in = net.create("parrot_neuron", SOURCES);
        Population out = net.create("parrot_neuron", TARGETS);
        Projection.Part ref = plain(net, in, out);
        Projection.Part scalar = plain(net, in, out);
        Projection.Part vector = plain(net, in, out);
        long n = ref.nnz;
        SplittableRandom rnd = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment grad = arena.allocate(n * Double.BYTES, 64);
            State sRef = new State(arena, n);
            State sScalar = new State(arena, n);
            State sVector = new State(arena, n);
            for (long i = 0; i < n; i++) {
                double w = edgy(rnd, spec);
                ref.setWeight(i, w);
                scalar.setWeight(i, w);
                vector.setWeight(i, w);
            }
            SourceClocks clocksScalar = new SourceClocks(SOURCES, spec.eta());
            SourceClocks clocksVector = new SourceClocks(SOURCES, spec.eta());
            OptimizerClock[] clocksRef = new OptimizerClock[SOURCES];
            long[] idx = new long[SOURCES];
            for (int s = 0; s < SOURCES; s++) {
                clocksRef[s] = new OptimizerClock();
                clocksRef[s].set(1, 1.0, 1.0, 0, spec.eta());
            }
            RowOptimizer rowScalar = new RowOptimizer(spec, false);
            RowOptimizer rowVector = RowOptimizer.VECTOR_AVAILABLE ? new RowOptimizer(spec, true) : null;
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
                    rowScalar.apply(clocksScalar, src, scalar, i0, i1, idx[src], grad, sScalar.accOrNull(spec),
                        sScalar.m, sScalar.v, eta);
                    same(ref, sRef, scalar, sScalar, spec, false, "scalar row vs NEST's per-synapse", round, src);
                    if (rowVector != null) {
                        rowVector.apply(clocksVector, src, vector, i0, i1, idx[src], grad, sVector.accOrNull(spec),
                            sVector.m, sVector.v, eta);
                        same(scalar, sScalar, vector, sVector, spec, true, "vector row vs scalar row", round, src);
                    }
                }
            }
        }
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
     * Compares the weights and optimizer columns of two copies: as raw bits, or ({@code bits} false) as values,
     * where -0.0 equals 0.0. The reference adds a gradient to an accumulator that starts at +0.0 (NEST's
     * sum_gradients), which turns a gradient of -0.0 into +0.0; the row optimizer uses the gradient itself with
     * batch_size 1, so the two may differ in the sign of a zero, and only there.
     */
    private static void same(Projection.Part a, State sa, Projection.Part b, State sb, OptimizerSpec spec,
                             boolean bits, String what, int round, int src) {
        for (long i = 0; i < a.nnz; i++) {
            String where = what + ", round " + round + " source " + src + " synapse " + i;
            same(a.weight(i), b.weight(i), bits, where + ": weight");
            if (spec.type() == OptimizerSpec.Type.ADAM) {
                same(sa.m.getAtIndex(SynapseLayout.STATE, i), sb.m.getAtIndex(SynapseLayout.STATE, i), bits, where + ": m");
                same(sa.v.getAtIndex(SynapseLayout.STATE, i), sb.v.getAtIndex(SynapseLayout.STATE, i), bits, where + ": v");
            }
            if (spec.batchSize() > 1) {
                same(sa.acc.getAtIndex(SynapseLayout.STATE, i), sb.acc.getAtIndex(SynapseLayout.STATE, i), bits,
                    where + ": acc");
            }
        }
    }

    private static void same(double expected, double got, boolean bits, String where) {
        if (bits) {
            assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(got),
                () -> where + " " + expected + " vs " + got + " (bits)");
        } else {
            assertTrue(expected == got || (Double.isNaN(expected) && Double.isNaN(got)),
                () -> where + " " + expected + " vs " + got);
        }
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
