package io.spikestream.plasticity.eprop;

import io.spikestream.network.Network;
import io.spikestream.network.SpikeRecorder;
import io.spikestream.plasticity.optim.OptimizerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layouts against the NEST-exact rule (compact: the hot history when kappa == kappa_reg, the general prefix-sum
 * ring otherwise; classic: the prefix-sum ring; all with firing-rate regularisation on and 1 or 2 threads), what each
 * costs per synapse, and the ring sizing that keeps large networks within their memory budget.
 */
class FastEpropLayoutTest {

    @ParameterizedTest(name = "kappa={0} kappa_reg={1} threads={2} compact={3}")
    @CsvSource({
        "0.95, 0.95, 1, true",
        "0.95, 0.95, 2, true",
        "0.95, 0.8, 1, true",
        "0.9, 0.97, 2, true",
        "0.95, 0.95, 2, false",
    })
    void bothLayoutsAgreeWithTheExactRule(double kappa, double kappaReg, int threads, boolean compact) {
        OptimizerSpec spec = OptimizerSpec.fromMap(Map.of("type", "gradient_descent", "eta", 1e-7,
            "optimize_each_step", false));
        Map<String, Object> params = Map.of("c_reg", 0.5, "eprop_isi_trace_cutoff", 30.0, "kappa", kappa,
            "kappa_reg", kappaReg);
        TestNetworks exact = new TestNetworks(5, 1, spec, 2, false, params, false);
        TestNetworks fast = new TestNetworks(5, threads, spec, 2, false, params, true);
        if (compact) {
            fast.fast.setCompactLayout(true);
        }
        try (Network a = exact.net; Network b = fast.net) {
            SpikeRecorder sa = a.recordSpikes(exact.rec, 0, 1e9);
            SpikeRecorder sb = b.recordSpikes(fast.rec, 0, 1e9);
            double[] w0 = exact.weights();
            a.simulate(300.0);
            b.simulate(300.0);
            assertEquals(sa.count(), sb.count(), "spike count");
            double[] we = exact.weights();
            double[] wf = fast.weights();
            double maxDiff = 0;
            double maxChange = 0;
            for (int i = 0; i < we.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(we[i] - wf[i]));
                maxChange = Math.max(maxChange, Math.abs(we[i] - w0[i]));
            }
            assertTrue(maxChange > 1e-6, "weights must have learned, max change " + maxChange);
            assertTrue(maxDiff < 1e-9 * maxChange, "max |w_fast - w_exact| = " + maxDiff + " for a change of " + maxChange);
            // compact: G everywhere, ebar on synapses onto recurrent neurons, ebar_reg there too only when not folded;
            // classic: G, ebar and ebar_reg everywhere (gradient descent, batch 1: no m, v, acc)
            assertEquals(compact, fast.fast.compactLayout());
            long synapses = 0;
            for (var p : fast.plastic) {
                synapses += p.size();
            }
            long recurrentIncoming = fast.plastic.get(0).size() + fast.plastic.get(1).size();
            long expected = compact ? 8 * synapses + 8 * recurrentIncoming + (kappa == kappaReg ? 0 : 8 * recurrentIncoming)
                : 24 * synapses;
            // parts of empty rows still hold one slot per column
            assertTrue(Math.abs(fast.fast.synapseStateBytes() - expected) <= 3 * 8 * 2 * 3,
                "synapse state bytes " + fast.fast.synapseStateBytes() + ", expected about " + expected);
        }
    }

    @Test
    void smallNetworksKeepTheClassicLayoutAndItsShape() {
        OptimizerSpec spec = OptimizerSpec.fromMap(Map.of("type", "adam", "eta", 1e-4, "optimize_each_step", false));
        TestNetworks small = new TestNetworks(3, 1, spec, 2, false, Map.of(), true);
        try (Network n = small.net) {
            n.prepare();
            assertTrue(!small.fast.compactLayout(), "40 neurons: classic layout");
            String shape = small.fast.checkpointShape();
            assertTrue(shape.startsWith("FastEpropRule synapse=") && !shape.contains("fields="), shape);
            // a power-of-two ring, as always
            assertTrue(shape.contains(" ring=128 ") || shape.contains(" ring=64 ") || shape.contains(" ring=1024 ")
                || shape.contains(" ring=256 ") || shape.contains(" ring=512 "), shape);
        }
        TestNetworks compact = new TestNetworks(3, 1, spec, 2, false, Map.of(), true);
        compact.fast.setCompactLayout(true);
        try (Network n = compact.net) {
            n.prepare();
            // kappa == kappa_reg: the hot history (a line per grid, two steps) for the recurrent population
            assertTrue(compact.fast.checkpointShape().startsWith("FastEpropRule v3 compact synapse="));
            assertTrue(compact.fast.checkpointShape().contains(" hot lines=2 "), compact.fast.checkpointShape());
            assertTrue(compact.fast.checkpointShape().contains(" line=8 block=") && compact.fast.checkpointShape().contains(" grids=2"));
        }
    }

    @ParameterizedTest(name = "ring={0} cutoff={1} compact={2}")
    @CsvSource({"24, 50, true", "24, 50, false", "40, 100, true", "12, 7, true"})
    void windowsClosedBeforeTheCutoffAgreeWithTheExactRule(int ring, double cutoff, boolean compact) {
        // a ring shorter than the cutoff's window (what large networks get): sources silent for longer than the ring
        // are closed internally more than once per window
        OptimizerSpec spec = OptimizerSpec.fromMap(Map.of("type", "gradient_descent", "eta", 1e-7,
            "optimize_each_step", false));
        Map<String, Object> params = Map.of("c_reg", 0.5, "eprop_isi_trace_cutoff", cutoff);
        TestNetworks exact = new TestNetworks(8, 1, spec, 2, false, params, false);
        TestNetworks fast = new TestNetworks(8, 2, spec, 2, false, params, true);
        fast.fast.setCompactLayout(compact);
        fast.fast.ringOverride = ring;
        try (Network a = exact.net; Network b = fast.net) {
            double[] w0 = exact.weights();
            a.simulate(400.0);
            b.simulate(400.0);
            double[] we = exact.weights();
            double[] wf = fast.weights();
            double maxDiff = 0;
            double maxChange = 0;
            for (int i = 0; i < we.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(we[i] - wf[i]));
                maxChange = Math.max(maxChange, Math.abs(we[i] - w0[i]));
            }
            assertTrue(maxChange > 1e-6, "weights must have learned, max change " + maxChange);
            assertTrue(maxDiff < 1e-9 * maxChange, "max |w_fast - w_exact| = " + maxDiff + " for a change of " + maxChange);
        }
    }

    @Test
    void smallNetworksKeepAGenerousRing() {
        // cutoff 100 at 1000 neurons of 5 fields: 40 kB per step; 64 MiB allows far more than the window needs
        int ring = RingSizing.ringSteps(100, 1000L * 5 * 8, 210_000L);
        assertTrue(ring >= 104, "ring " + ring);
    }

    @Test
    void largeNetworksShortenTheRingToTheirBudget() {
        // 10^6 neurons, 5 fields, 2e8 incoming synapses: the 104 steps a cutoff of 100 wants would cost 20.8 B per
        // synapse; the ring is cut to 16 B per synapse (80 steps), windows are closed internally sooner instead
        long bytesPerStep = 1_000_000L * 5 * 8;
        int ring = RingSizing.ringSteps(100, bytesPerStep, 200_000_000L);
        assertEquals(80, ring);
        assertTrue(ring * bytesPerStep <= RingSizing.MAX_HISTORY_BYTES_PER_SYNAPSE * 200_000_000L);
        // never below the minimum, however little the budget
        assertEquals(RingSizing.MIN_RING_STEPS, RingSizing.ringSteps(100, bytesPerStep, 1_000_000L));
    }
}
