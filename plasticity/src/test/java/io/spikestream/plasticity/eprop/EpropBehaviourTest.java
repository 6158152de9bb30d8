package io.spikestream.plasticity.eprop;

import io.spikestream.network.Connectivity;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.Population;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.plasticity.optim.OptimizerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Mechanisms of the e-prop rule in isolation: determinism, freezing, windows, bounds, Dale, memory. */
class EpropBehaviourTest {

    private static final OptimizerSpec ADAM = OptimizerSpec.adam(5e-3).withOptimizeEachStep(false);

    private static double[] trainedWeights(long seed, int threads) {
        TestNetworks n = TestNetworks.standard(seed, threads, ADAM);
        try (Network net = n.net) {
            net.simulate(600.0);
            return n.weights();
        }
    }

    @Test
    void sameSeedGivesBitIdenticalWeightsForAnyThreadCount() {
        double[] a = trainedWeights(42, 1);
        double[] before = TestNetworks.standard(42, 1, ADAM).weights();
        assertFalse(Arrays.equals(a, before), "learning must have changed the weights");
        assertArrayEquals(a, trainedWeights(42, 1));
        assertArrayEquals(a, trainedWeights(42, 2), "two workers must give the numbers of one");
        assertFalse(Arrays.equals(a, trainedWeights(43, 1)), "another seed, another network");
    }

    /**
     * 200 recurrent neurons and 3 readouts: on 2 and 3 workers the readouts go whole to one worker and the recurrent
     * split moves ({@code WorkerSplit}), for the NEST-exact rule and the O(1) rule's hot layout alike.
     */
    @ParameterizedTest(name = "fast={0}")
    @ValueSource(booleans = {false, true})
    void aSplitMovedByCostGivesTheWeightsOfOneWorker(boolean fast) {
        double[] one = null;
        for (int threads = 1; threads <= 3; threads++) {
            TestNetworks n = new TestNetworks(8, threads, ADAM, 2, false, Map.of(), fast, Map.of(), 200);
            if (fast) {
                n.fast.setCompactLayout(true);
            }
            try (Network net = n.net) {
                net.simulate(300.0);
                if (threads > 1) {
                    assertEquals(0, n.out.chunkEnd(threads - 2) - n.out.chunkStart(0), "readouts whole on the last worker");
                    assertTrue(n.rec.chunkEnd(0) > 200 / threads, "recurrent split moved: " + n.rec.chunkEnd(0));
                }
                double[] w = n.weights();
                if (one == null) {
                    TestNetworks fresh = new TestNetworks(8, 1, ADAM, 2, false, Map.of(), fast, Map.of(), 200);
                    double[] initial = fresh.weights();
                    fresh.net.close();
                    assertEquals(initial.length, w.length);
                    assertFalse(Arrays.equals(w, initial), "learning must have changed the weights");
                    one = w;
                } else {
                    assertArrayEquals(one, w, threads + " workers");
                }
            }
        }
    }

    @Test
    void learningRateZeroFreezesWeightsWhileSimulationGoesOn() {
        TestNetworks n = TestNetworks.standard(5, 1, OptimizerSpec.gradientDescent(1e-2).withOptimizeEachStep(false));
        try (Network net = n.net) {
            net.simulate(300.0);
            n.rule.setEta(0.0);
            net.simulate(300.0); // NEST applies the old rate once more per synapse, at its next update
            double[] frozen = n.weights();
            long spikes = net.spikeCount(n.rec);
            net.simulate(500.0);
            assertArrayEquals(frozen, n.weights());
            assertTrue(net.spikeCount(n.rec) > spikes + 100, "the network keeps spiking");
        }
    }

    @Test
    void closedLearningWindowMeansNoErrorAndNoChange() {
        OptimizerSpec gd = OptimizerSpec.gradientDescent(1e-2).withOptimizeEachStep(false);
        TestNetworks closed = new TestNetworks(9, 1, gd, Double.POSITIVE_INFINITY, false, Map.of());
        double[] w0 = closed.weights();
        try (Network net = closed.net) {
            net.simulate(500.0);
            assertArrayEquals(w0, closed.weights(), "no error, no rate regularisation: nothing to learn");
        }
        TestNetworks open = new TestNetworks(9, 1, gd, 0, false, Map.of());
        try (Network net = open.net) {
            net.simulate(500.0);
            assertFalse(Arrays.equals(w0, open.weights()));
        }
    }

    @Test
    void weightsStayWithinBoundsAndDalesLawKeepsSigns() {
        OptimizerSpec big = OptimizerSpec.gradientDescent(5.0).withOptimizeEachStep(false).withBounds(-0.1, 0.1);
        TestNetworks n = new TestNetworks(3, 1, big, 0, false, Map.of("c_reg", 1.0));
        try (Network net = n.net) {
            net.simulate(500.0);
            for (double w : n.weights()) {
                assertTrue(w >= -0.1 && w <= 0.1, "weight " + w);
            }
            assertTrue(Arrays.stream(n.weights()).anyMatch(w -> Math.abs(w) == 0.1), "some weights reach a bound");
        }
        OptimizerSpec fast = OptimizerSpec.gradientDescent(5.0).withOptimizeEachStep(false);
        TestNetworks free = new TestNetworks(3, 1, fast, 0, false, Map.of("c_reg", 1.0));
        TestNetworks dale = new TestNetworks(3, 1, fast, 0, true, Map.of("c_reg", 1.0));
        try (Network a = free.net; Network b = dale.net) {
            double[] d0 = dale.weights();
            a.simulate(500.0);
            b.simulate(500.0);
            double[] d1 = dale.weights();
            int changed = 0;
            for (int i = 0; i < d0.length; i++) {
                assertTrue(d1[i] >= 0.0, "Dale: excitatory synapse " + i + " went negative: " + d1[i]);
                changed += d1[i] != d0[i] ? 1 : 0;
            }
            assertTrue(changed > 100, "Dale's law must not stop learning, changed " + changed);
            assertTrue(Arrays.stream(free.weights()).anyMatch(w -> w < 0) && Arrays.stream(free.weights()).anyMatch(w -> w > 0));
        }
    }

    @Test
    void initialWeightOutsideBoundsAndWrongDelayAreRejected() {
        Network net = new Network(TimeGrid.of(1.0));
        EpropRule.install(net, OptimizerSpec.gradientDescent(1e-3).withBounds(-1, 1));
        Population in = net.create("parrot_neuron", 1);
        Population r = net.create("eprop_iaf", 1);
        net.connect(in, r, Connectivity.allToAll(), SynapseSpec.of(EpropRule.SYNAPSE).weight(2.0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.simulate(1.0));
        assertTrue(e.getMessage().contains("outside [Wmin, Wmax]"), e.getMessage());

        Network net2 = new Network(TimeGrid.of(1.0));
        EpropRule.install(net2, OptimizerSpec.gradientDescent(1e-3));
        Population in2 = net2.create("parrot_neuron", 1);
        Population r2 = net2.create("eprop_iaf", 1);
        net2.connect(in2, r2, Connectivity.allToAll(), SynapseSpec.of(EpropRule.SYNAPSE).delay(2.0));
        e = assertThrows(IllegalArgumentException.class, () -> net2.simulate(1.0));
        assertTrue(e.getMessage().contains("exactly one step"), e.getMessage());
    }

    /**
     * Memory stays flat on an unbounded run: three inputs fire during the first 60 ms, then fall silent for
     * 10^6 steps. With flush events every 50 ms the neuron's history holds a bounded number of entries
     * throughout; without them it would have to keep everything since the last input spike.
     */
    @Test
    void historyStaysBoundedWhileInputsAreSilentForAMillionSteps() {
        int[] flat = historySlotsOverTime(50.0);
        for (int s : flat) {
            assertTrue(s <= 60, "history slots " + Arrays.toString(flat));
        }
        assertEquals(flat[1], flat[3], "flat: same footprint after 10^5 and 10^6 steps " + Arrays.toString(flat));
        int[] unbounded = historySlotsOverTime(Double.POSITIVE_INFINITY);
        assertTrue(unbounded[3] > 900_000, "without flush events the history grows: " + Arrays.toString(unbounded));
    }

    private static int[] historySlotsOverTime(double flushMs) {
        try (Network net = new Network(TimeGrid.of(1.0))) {
            EpropRule rule = EpropRule.install(net, OptimizerSpec.gradientDescent(1e-4));
            InputPopulation in = (InputPopulation) net.create("parrot_neuron", 3, Map.of("flush_event_send_interval", flushMs));
            Population n = net.create("eprop_iaf", 1, Map.of("flush_event_send_interval", flushMs, "V_th", -69.0));
            long[][] times = {{10, 20, 50}, {10, 30, 50}, {40, 60}};
            in.setDrive((t, local, mult) -> {
                int c = 0;
                for (int i = 0; i < 3; i++) {
                    for (long s : times[i]) {
                        if (s == t) {
                            local[c] = i;
                            mult[c++] = 1;
                        }
                    }
                }
                return c;
            });
            net.connect(in, n, Connectivity.allToAll(), SynapseSpec.of(EpropRule.SYNAPSE).weight(0.5));
            int[] out = new int[4];
            long[] at = {10_000, 100_000, 500_000, 1_000_000};
            for (int i = 0; i < at.length; i++) {
                net.simulateSteps(at[i] - net.currentStep());
                out[i] = rule.historySlots(n, 0);
            }
            return out;
        }
    }
}
