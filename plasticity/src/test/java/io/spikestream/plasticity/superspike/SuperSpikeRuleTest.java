package io.spikestream.plasticity.superspike;

import io.spikestream.network.Connectivity;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.network.WeightInit;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SuperSpike's mechanisms one at a time: optimizer bounds, feedback variants, regulariser, threads, validation. */
class SuperSpikeRuleTest {

    private static final SuperSpikeConfig.Feedback RANDOM = SuperSpikeConfig.Feedback.RANDOM;

    @Test
    void everyUpdateMovesAWeightByAtMostEtaAndKeepsItInBounds() {
        try (Network net = new Network(TimeGrid.of(0.1), 1, 3)) {
            SuperSpikeConfig cfg = SuperSpikeConfig.defaults().withEta(3.0).withUpdateInterval(50.0).withBounds(-5.0, 5.0);
            SuperSpikeRule rule = SuperSpikeRule.install(net, cfg);
            InputPopulation in = (InputPopulation) net.create("parrot_neuron", 20);
            in.setDrive(SuperSpikeTasks.Frozen.poisson(20, 200.0, 500, new java.util.SplittableRandom(3)));
            Population out = net.create("iaf_psc_exp_euler", 1);
            Projection p = net.connect(in, out, Connectivity.allToAll(),
                SynapseSpec.of(SuperSpikeRule.SYNAPSE).weight(0.5).delay(0.1));
            // a target spike every 2 ms, more than the refractory output can ever fire: the push is always upwards
            rule.setTarget(out, (t, local, mult) -> {
                if (t % 20 == 10) {
                    local[0] = 0;
                    mult[0] = 1;
                    return 1;
                }
                return 0;
            });
            double[] prev = new double[20];
            Arrays.fill(prev, 0.5);
            boolean clipped = false;
            net.simulateSteps(2); // updates run at the start of steps 501, 1001, ...: see them after steps 0..501
            for (int u = 1; u <= 8; u++) {
                net.simulateSteps(500);
                for (int i = 0; i < 20; i++) {
                    double w = p.part(0).weight(i);
                    double step = w - prev[i];
                    assertTrue(Math.abs(step) <= 3.0 + 1e-12, "update " + u + " of weight " + i + ": " + step);
                    assertTrue(w <= 5.0, "upper bound");
                    if (u == 1) {
                        assertEquals(3.5, w, 1e-9, "the first RMaxProp step is eta * sign(gbar)");
                    }
                    clipped |= w == 5.0;
                    prev[i] = w;
                }
            }
            assertTrue(clipped, "weights reach the bound and stay there");
        }
    }

    @Test
    void uniformFeedbackGivesEveryHiddenUnitTheSumOfTheOutputErrors() {
        SuperSpikeConfig cfg = SuperSpikeConfig.defaults().withEta(2.0).withUpdateInterval(100.0)
            .withFeedback(SuperSpikeConfig.Feedback.UNIFORM, 1);
        try (SuperSpikeTasks.Xor x = new SuperSpikeTasks.Xor(2, 4, cfg, 100)) {
            for (int k = 0; k < 60; k++) {
                x.net.simulateSteps(37);
                double sum = x.rule.error(x.out, 0) + x.rule.error(x.out, 1);
                for (int j = 0; j < 4; j++) {
                    assertEquals(sum, x.rule.error(x.hid, j), 1e-12 * Math.max(1, Math.abs(sum)), "hidden " + j);
                }
            }
            assertTrue(Math.abs(x.rule.error(x.out, 0)) + Math.abs(x.rule.error(x.out, 1)) > 0);
        }
    }

    @Test
    void resultsAreBitIdenticalForAnyThreadCount() {
        SuperSpikeConfig cfg = SuperSpikeConfig.defaults().withEta(2.0).withUpdateInterval(100.0).withFeedback(RANDOM, 9);
        double[] one;
        double[] initial;
        try (SuperSpikeTasks.Xor x = new SuperSpikeTasks.Xor(4, 8, cfg, 200, 1)) {
            initial = x.weights();
            x.net.simulateSteps(200L * SuperSpikeTasks.Xor.TRIAL);
            one = x.weights();
        }
        assertFalse(Arrays.equals(initial, one));
        try (SuperSpikeTasks.Xor x = new SuperSpikeTasks.Xor(4, 8, cfg, 200, 2)) {
            x.net.simulateSteps(200L * SuperSpikeTasks.Xor.TRIAL);
            assertArrayEquals(one, x.weights(), "two workers, random feedback: the numbers of one worker");
        }
    }

    /** A hidden neuron driven hard, an output that is silent with no target: only the regulariser speaks. */
    private static double[] regularisedRun(double rho) {
        try (Network net = new Network(TimeGrid.of(0.1), 1, 1)) {
            SuperSpikeConfig cfg = SuperSpikeConfig.defaults().withUpdateInterval(20.0).withRegulariser(rho, 4.0, 100.0);
            SuperSpikeRule rule = SuperSpikeRule.install(net, cfg);
            InputPopulation in = (InputPopulation) net.create("parrot_neuron", 2);
            in.setDrive((t, local, mult) -> {
                if (t % 40 == 0) {
                    local[0] = 0;
                    local[1] = 1;
                    mult[0] = 1;
                    mult[1] = 1;
                    return 2;
                }
                return 0;
            });
            Population hid = net.create("iaf_psc_exp_euler", 1);
            Population out = net.create("iaf_psc_exp_euler", 1);
            Projection p = net.connect(in, hid, Connectivity.allToAll(), SynapseSpec.of(SuperSpikeRule.SYNAPSE).weight(60.0).delay(0.1));
            net.connect(hid, out, Connectivity.allToAll(), SynapseSpec.of(SuperSpikeRule.SYNAPSE).weight(-50.0).delay(0.1));
            rule.setTarget(out, (t, local, mult) -> 0);
            net.simulate(20.2); // one update (200 steps), applied at the start of step 201
            assertTrue(net.spikeCount(hid) > 0, "the hidden neuron fires");
            assertEquals(0, net.spikeCount(out));
            return new double[] {p.part(0).weight(0), p.part(0).weight(1)};
        }
    }

    @Test
    void heterosynapticRegulariserShrinksTheWeightsOfActiveHiddenUnits() {
        assertArrayEquals(new double[] {60.0, 60.0}, regularisedRun(0.0), "no error and no regulariser: no change");
        double[] w = regularisedRun(1.0);
        // first RMaxProp step is eta * sign(gbar), gbar = -rho w z^4 < 0
        assertEquals(60.0 - 1e-3, w[0], 1e-9);
        assertEquals(60.0 - 1e-3, w[1], 1e-9);
    }

    @Test
    void rejectsInvalidSetUps() {
        try (Network net = new Network(TimeGrid.of(0.1))) {
            SuperSpikeRule rule = SuperSpikeRule.install(net, SuperSpikeConfig.defaults());
            Population a = net.create("iaf_psc_exp_euler", 2);
            Population b = net.create("eprop_iaf", 2);
            net.connect(a, b, Connectivity.allToAll(), SynapseSpec.of(SuperSpikeRule.SYNAPSE).weight(1.0).delay(0.1));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, net::prepare);
            assertTrue(e.getMessage().contains("current-based LIF"), e.getMessage());
        }
        try (Network net = new Network(TimeGrid.of(0.1))) {
            SuperSpikeRule rule = SuperSpikeRule.install(net, SuperSpikeConfig.defaults());
            Population a = net.create("iaf_psc_exp_euler", 2);
            Population b = net.create("iaf_psc_exp_euler", 2);
            net.connect(a, a, Connectivity.allToAll(false), SynapseSpec.of(SuperSpikeRule.SYNAPSE).weight(1.0).delay(0.1));
            rule.setTarget(b, (t, l, m) -> 0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, net::prepare);
            assertTrue(e.getMessage().contains("receives no"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> SuperSpikeConfig.defaults().withBounds(1.0, -1.0));
        assertThrows(IllegalArgumentException.class, () -> SuperSpikeConfig.defaults().withEta(-1.0));
        try (Network net = new Network(TimeGrid.of(0.1))) {
            assertThrows(IllegalArgumentException.class, () -> net.create("iaf_psc_exp_euler", 1, Map.of("tau_syn", 0.0)));
            assertThrows(IllegalArgumentException.class, () -> net.create("iaf_psc_exp_euler", 1, Map.of("V_reset", -40.0)));
        }
    }
}
