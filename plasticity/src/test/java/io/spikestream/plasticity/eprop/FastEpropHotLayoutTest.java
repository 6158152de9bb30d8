package io.spikestream.plasticity.eprop;

import io.spikestream.network.InputDrive;
import io.spikestream.network.Network;
import io.spikestream.network.PoissonDrive;
import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.plasticity.optim.OptimizerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hot layout of the compact {@link FastEpropRule} ({@link HotHistory}, {@link HotRows}: kappa == kappa_reg) against
 * the NEST-exact rule, over the window shapes it treats apart: windows closed at their cutoff (internal flushes),
 * windows that did not integrate (long silent gaps), second events at the same stamp (spikes of multiplicity > 1
 * from the parrot inputs), windows on either block grid (a short membrane time constant makes blocks of 32 steps, so
 * windows are capped at 16 and half of them use the offset grid), and thread counts.
 */
class FastEpropHotLayoutTest {

    /** Poisson inputs silent in [gapFrom, gapTo) ms: every source's window reaches its cutoff and stops integrating. */
    private static InputDrive gapped(PoissonDrive poisson, long gapFrom, long gapTo) {
        return (t, local, mult) -> {
            int n = poisson.spikesAt(t, local, mult);
            return t >= gapFrom && t < gapTo ? 0 : n;
        };
    }

    private static TestNetworks network(boolean fast, int threads, double tauM, double cutoff) {
        OptimizerSpec spec = OptimizerSpec.fromMap(Map.of("type", "gradient_descent", "eta", 1e-7,
            "optimize_each_step", false));
        Map<String, Object> params = new HashMap<>(Map.of("c_reg", 0.5, "eprop_isi_trace_cutoff", cutoff,
            "tau_m", tauM));
        TestNetworks n = new TestNetworks(11, threads, spec, 2, false, params, fast);
        n.in.setDrive(gapped(new PoissonDrive(20, 50.0, 1.0, 12), 250, 600));
        if (fast) {
            n.fast.setCompactLayout(true);
        }
        return n;
    }

    @ParameterizedTest(name = "tau_m={0} cutoff={1} threads={2}")
    @CsvSource({
        "20, 50, 1",
        "20, 50, 2",
        "20, 1000, 2",
        "5, 50, 1",
        "5, 12, 2",
    })
    void agreesWithTheExactRule(double tauM, double cutoff, int threads) {
        TestNetworks exact = network(false, 1, tauM, cutoff);
        TestNetworks fast = network(true, threads, tauM, cutoff);
        try (Network a = exact.net; Network b = fast.net) {
            double[] w0 = exact.weights();
            a.simulate(900.0);
            b.simulate(900.0);
            assertTrue(fast.fast.compactLayout());
            assertTrue(fast.fast.checkpointShape().contains(" hot lines=2 "), fast.fast.checkpointShape());
            double[] we = exact.weights();
            double[] wf = fast.weights();
            double maxDiff = 0;
            double maxChange = 0;
            for (int i = 0; i < we.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(we[i] - wf[i]));
                maxChange = Math.max(maxChange, Math.abs(we[i] - w0[i]));
            }
            assertTrue(maxChange > 1e-6, "weights must have learned, max change " + maxChange);
            // measured: about 1e-13 of the change (the gather layout's agreement)
            assertTrue(maxDiff < 1e-9 * maxChange,
                "max |w_fast - w_exact| = " + maxDiff + " for a change of " + maxChange);
        }
    }

    @Test
    void oneAndTwoThreadsGiveTheSameWeightsBitForBit() {
        TestNetworks one = network(true, 1, 5, 50);
        TestNetworks two = network(true, 2, 5, 50);
        try (Network a = one.net; Network b = two.net) {
            a.simulate(700.0);
            b.simulate(700.0);
            assertArrayEquals(one.weights(), two.weights());
        }
    }

    @Test
    void everyWindowFitsOneBlockOfOneGrid() {
        // B = 32 at tau_m = 5 ms (kappa 0.97): windows of up to 16 steps; each must lie, with the step before it (or
        // starting at its block's start), inside one block of the grid it gets
        try (Arena arena = Arena.ofConfined()) {
            HotHistory h = new HotHistory(1, 50, Math.exp(-1.0 / 5.0), 0.97, arena);
            assertEquals(32, h.block);
            assertEquals(16, h.longestWindow);
            int[] used = new int[2];
            for (long t0 = 0; t0 < 200; t0++) {
                for (int w = 1; w <= h.longestWindow; w++) {
                    int g = h.gridFor(t0, w);
                    used[g]++;
                    long b = h.blockStart(g, t0);
                    assertTrue(b <= t0 && t0 + w - 1 < b + h.block,
                        "t0=" + t0 + " w=" + w + " grid " + g + " block " + b);
                }
            }
            assertTrue(used[0] > 0 && used[1] > 0, "both grids in use: " + used[0] + ", " + used[1]);
        }
    }

    @Test
    void checkpointsOfTheOtherLayoutAreRefusedNamingTheShape(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("classic.ckpt");
        TestNetworks classic = network(true, 1, 20, 50);
        classic.fast.setCompactLayout(false);
        try (Network n = classic.net) {
            n.simulate(50.0);
            n.writeCheckpoint(file);
        }
        TestNetworks hot = network(true, 1, 20, 50);
        try (Network n = hot.net) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> n.restoreCheckpoint(file));
            assertTrue(e.getMessage().contains("FastEpropRule"), e.getMessage());
        }
    }

    /**
     * A recorded Poisson stretch, silent in [gapFrom, gapTo); a pure function of the step, so a network that skips steps
     * sees the same spikes as one that steps through them. Until {@code resumed} is set it is silent from gapFrom on and
     * says so ({@link InputDrive#silentFrom}), as a live stream's input does before its next event arrives.
     */
    private static final class RecordedGap implements InputDrive {
        final int[][] local;
        final int[][] mult;
        final long gapFrom;
        final long gapTo;
        boolean resumed = true;

        RecordedGap(int neurons, long steps, long gapFrom, long gapTo) {
            PoissonDrive poisson = new PoissonDrive(neurons, 50.0, 1.0, 12);
            local = new int[(int) steps][];
            mult = new int[(int) steps][];
            int[] l = new int[neurons];
            int[] m = new int[neurons];
            for (int t = 0; t < steps; t++) {
                int n = poisson.spikesAt(t, l, m);
                local[t] = java.util.Arrays.copyOf(l, n);
                mult[t] = java.util.Arrays.copyOf(m, n);
            }
            this.gapFrom = gapFrom;
            this.gapTo = gapTo;
        }

        @Override
        public int spikesAt(long t, int[] l, int[] m) {
            if ((t >= gapFrom && t < gapTo) || (!resumed && t >= gapFrom) || t >= local.length) {
                return 0;
            }
            System.arraycopy(local[(int) t], 0, l, 0, local[(int) t].length);
            System.arraycopy(mult[(int) t], 0, m, 0, mult[(int) t].length);
            return local[(int) t].length;
        }

        @Override
        public boolean silentFrom(long step) {
            return !resumed && step >= gapFrom;
        }
    }

    /**
     * As {@link #network} with a threshold that lets activity die out once the input stops and finite cutoffs for the
     * readouts too (with NEST's default, an unbounded cutoff, a readout synapse's window never stops integrating and no
     * stretch can be skipped).
     */
    private static TestNetworks quietable() {
        OptimizerSpec spec = OptimizerSpec.fromMap(Map.of("type", "gradient_descent", "eta", 1e-5,
            "optimize_each_step", false));
        return new TestNetworks(11, 2, spec, 2, false, Map.of("c_reg", 0.5, "eprop_isi_trace_cutoff", 50.0, "V_th", 0.08),
            true, Map.of("eprop_isi_trace_cutoff", 50.0));
    }

    /**
     * {@link Network#skipQuiet} over a long input gap (as the continuous-time learner does on a quiet sensor) gives the
     * weights of stepping through it, bit for bit, in the hot layout and in the classic one: the skip ends
     * {@link Network#quietResumeSteps} before the next input spike, after which every history entry a window can read
     * has been rewritten.
     */
    @ParameterizedTest(name = "compact={0}")
    @CsvSource({"true", "false"})
    void skippingAQuietStretchGivesTheWeightsOfSteppingThroughIt(boolean compact) {
        long gapFrom = 250;
        // long enough for the quiet resume of either layout (about 1.2 s hot, 1.8 s classic at tau_m = 20 ms)
        long gapTo = 6000;
        long end = 6300;
        TestNetworks stepped = quietable();
        TestNetworks skipped = quietable();
        stepped.fast.setCompactLayout(compact);
        skipped.fast.setCompactLayout(compact);
        RecordedGap a = new RecordedGap(20, end, gapFrom, gapTo);
        RecordedGap b = new RecordedGap(20, end, gapFrom, gapTo);
        b.resumed = false;
        stepped.in.setDrive(a);
        skipped.in.setDrive(b);
        try (Network x = stepped.net; Network y = skipped.net) {
            double[] w0 = stepped.weights();
            x.simulateSteps(end);
            y.simulateSteps(gapFrom);
            long limit = gapTo - y.quietResumeSteps() - 1;
            while (!y.canSkipQuiet() && y.currentStep() < limit) {
                y.simulateSteps(1);
            }
            assertTrue(y.canSkipQuiet(), "quiet before step " + limit + ", at " + y.currentStep());
            long skippedSteps = limit - y.currentStep();
            assertTrue(skippedSteps > 1000, "a long stretch skipped: " + skippedSteps + " steps");
            y.skipQuiet(skippedSteps);
            b.resumed = true;
            y.simulateSteps(end - y.currentStep());
            assertEquals(compact, skipped.fast.checkpointShape().contains(" hot lines=2 "));
            double[] w = stepped.weights();
            assertTrue(!java.util.Arrays.equals(w0, w), "weights must have learned");
            assertTrue(x.spikeCount(stepped.rec) > 0 && x.spikeCount(stepped.rec) == y.spikeCount(skipped.rec));
            assertArrayEquals(w, skipped.weights());
        }
    }
}
