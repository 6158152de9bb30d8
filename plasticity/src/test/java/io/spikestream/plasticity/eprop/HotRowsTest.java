package io.spikestream.plasticity.eprop;

import io.spikestream.network.Connectivity;
import io.spikestream.network.Network;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.SynapseLayout;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.plasticity.optim.OptimizerSpec;
import io.spikestream.plasticity.optim.RowOptimizer;
import io.spikestream.plasticity.optim.SourceClocks;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link HotRows#closeOpenAdam} (a spike's closing pass with its Adam step in it) against the two passes it replaces,
 * {@link HotRows#closeOpen} and then {@link RowOptimizer#apply}: the traces, gradients, moments and weights bit for
 * bit, over random histories, window constants of every kind, weights at the bounds and signed zeros.
 */
class HotRowsTest {

    private static final int SOURCES = 16;
    private static final int TARGETS = 29;

    @Test
    void theFusedAdamPassIsTheTwoPassesBitForBit() {
        OptimizerSpec spec = OptimizerSpec.adam(0.05).withAdamCatchUp(false);
        Network net = new Network(TimeGrid.of(1.0), 1, 5);
        Population in = net.create("parrot_neuron", SOURCES);
        Population out = net.create("parrot_neuron", TARGETS);
        Projection.Part twoPass = plain(net, in, out);
        Projection.Part fused = plain(net, in, out);
        long n = twoPass.nnz;
        SplittableRandom rnd = new SplittableRandom(17);
        try (Arena arena = Arena.ofConfined()) {
            HotHistory h = new HotHistory(TARGETS, 100, Math.exp(-1.0 / 20), 0.95, arena);
            Columns a = new Columns(arena, n);
            Columns b = new Columns(arena, n);
            for (long i = 0; i < n; i++) {
                double w = rnd.nextInt(6) == 0 ? spec.wMax() : rnd.nextInt(7) == 0 ? -0.0 : rnd.nextGaussian();
                twoPass.setWeight(i, w);
                fused.setWeight(i, w);
                double e = edgy(rnd);
                double g = edgy(rnd);
                a.set(i, e, g);
                b.set(i, e, g);
            }
            SourceClocks clocksA = new SourceClocks(SOURCES, spec.eta());
            SourceClocks clocksB = new SourceClocks(SOURCES, spec.eta());
            RowOptimizer optA = new RowOptimizer(spec);
            RowOptimizer optB = new RowOptimizer(spec);
            RowOptimizer.AdamStep step = new RowOptimizer.AdamStep();
            MemorySegment closed = arena.allocate(SynapseLayout.STATE, TARGETS);
            HotRows.Window rw = new HotRows.Window();
            long idx = 0;
            for (int round = 0; round < 40; round++) {
                for (long v = 0; v < h.ring.byteSize() / Double.BYTES; v++) {
                    h.ring.setAtIndex(HotHistory.DBL, v, edgy(rnd));
                }
                idx += 1 + rnd.nextInt(3);
                for (int src = 0; src < SOURCES; src++) {
                    randomWindow(rnd, rw);
                    long i0 = twoPass.rowStart(src);
                    long i1 = twoPass.rowEnd(src);
                    double eta = round % 5 == 4 ? spec.eta() * 0.5 : spec.eta();
                    HotRows.closeOpen(a.eb, a.gs, closed, twoPass, h, i0, i1, rw);
                    optA.apply(clocksA, src, twoPass, i0, i1, idx, closed, i0, null, a.m, a.v, eta);
                    assertTrue(optB.startAdam(clocksB, src, idx, false, step), "a new update index is a plain step");
                    HotRows.closeOpenAdam(b.eb, b.gs, fused, h, i0, i1, rw, b.m, b.v, step);
                    optB.finishAdam(clocksB, src, step, eta);
                    for (long i = i0; i < i1; i++) {
                        String where = "round " + round + " source " + src + " synapse " + i;
                        bits(a.eb, b.eb, i, where + ": trace");
                        bits(a.gs, b.gs, i, where + ": gradient");
                        bits(a.m, b.m, i, where + ": m");
                        bits(a.v, b.v, i, where + ": v");
                        assertEquals(Double.doubleToRawLongBits(twoPass.weight(i)),
                            Double.doubleToRawLongBits(fused.weight(i)), where + ": weight");
                    }
                }
            }
            // the same update index again is no optimization step: the kernel is not offered one
            assertFalse(optB.startAdam(clocksB, 0, idx, false, step));
            // a batch accumulator or gradient descent: the two passes
            assertFalse(optB.startAdam(clocksB, 0, idx + 1, true, step));
            assertFalse(new RowOptimizer(OptimizerSpec.gradientDescent(0.1)).startAdam(clocksB, 0, idx + 1, false, step));
        }
    }

    /** Constants of every kind a spike's window gets: integrating or not, from a block start or not, decays. */
    private static void randomWindow(SplittableRandom rnd, HotRows.Window rw) {
        boolean integrated = rnd.nextInt(4) != 0;
        rw.undo = false;
        rw.beta = integrated ? rnd.nextGaussian() : 0.0;
        rw.closeTerms = integrated ? 1.0 : 0.0;
        rw.kEnd = integrated ? rnd.nextDouble(0.1, 1.0) : 1.0;
        rw.decK = rnd.nextBoolean() ? rnd.nextDouble(0.01, 1.0) : 1.0;
        int closeGrid = rnd.nextInt(2);
        rw.offT1 = HotHistory.line(closeGrid);
        rw.offT1S = HotHistory.at(closeGrid, HotHistory.S, rnd.nextInt(2));
        boolean opens = rnd.nextInt(5) != 0;
        rw.kapO = opens ? 0.95 : 1.0;
        rw.aN = opens ? rnd.nextGaussian() : 0.0;
        rw.kinvN = opens ? rnd.nextDouble(1.0, 3.0) : 1.0;
        rw.betaN = opens ? rnd.nextGaussian() : 0.0;
        rw.startTerms = opens && rnd.nextBoolean() ? 1.0 : 0.0;
        int grid = rnd.nextInt(2);
        int t0 = rnd.nextInt(2);
        rw.offPsi = HotHistory.at(grid, HotHistory.PSI, t0);
        rw.offS0 = HotHistory.at(grid, HotHistory.S, t0);
        rw.offM = HotHistory.line(grid);
        rw.keep = 0.0;
    }

    /** Mostly ordinary values, some zeros of both signs. */
    private static double edgy(SplittableRandom rnd) {
        return switch (rnd.nextInt(12)) {
            case 0 -> 0.0;
            case 1 -> -0.0;
            default -> rnd.nextGaussian() * 0.3;
        };
    }

    private static void bits(MemorySegment x, MemorySegment y, long i, String where) {
        assertEquals(Double.doubleToRawLongBits(x.getAtIndex(SynapseLayout.STATE, i)),
            Double.doubleToRawLongBits(y.getAtIndex(SynapseLayout.STATE, i)), where);
    }

    /** The per-synapse columns of one copy: trace, gradient, Adam's moments. */
    private record Columns(MemorySegment eb, MemorySegment gs, MemorySegment m, MemorySegment v) {
        Columns(Arena arena, long n) {
            this(arena.allocate(SynapseLayout.STATE, n), arena.allocate(SynapseLayout.STATE, n),
                arena.allocate(SynapseLayout.STATE, n), arena.allocate(SynapseLayout.STATE, n));
        }

        void set(long i, double e, double g) {
            eb.setAtIndex(SynapseLayout.STATE, i, e);
            gs.setAtIndex(SynapseLayout.STATE, i, g);
        }
    }

    private static Projection.Part plain(Network net, Population in, Population out) {
        return net.connect(in, out, Connectivity.allToAll(), SynapseSpec.staticSynapse().weight(0.0))
            .part(0);
    }
}
