package io.spikestream.plasticity.eventprop;

import io.spikestream.network.Connectivity;
import io.spikestream.network.Network;
import io.spikestream.network.Population;
import io.spikestream.network.SpikeRecorder;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.plasticity.optim.OptimizerSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link EventPropRule} on a stream: learning with each loss window after window while the simulation runs on,
 * an untouched forward pass, a tape bounded by one window, determinism across threads, and the set-up errors.
 */
class EventPropRuleTest {

    private static final int WINDOWS = 300;

    private static EventPropTasks task(EventPropLoss loss, double eta, int nOut, double[][] targets) {
        EventPropTasks t = new EventPropTasks(1, 1, loss, OptimizerSpec.adam(eta).withAdamCatchUp(false), nOut, targets,
            WINDOWS, true);
        return t;
    }

    private static void falls(EventPropTasks t, double factor) {
        double first = t.meanLoss(0, 20);
        double last = t.meanLoss(WINDOWS - 20, WINDOWS);
        System.out.printf("EventProp on a stream, %s: loss %.4f -> %.4f (windows 1-20 -> %d-%d)%n", t.loss, first, last,
            WINDOWS - 19, WINDOWS);
        assertTrue(last < factor * first, "loss must fall: " + first + " -> " + last);
    }

    @Test
    void voltageIntegralRegression() {
        try (EventPropTasks t = task(EventPropLoss.VOLTAGE_INTEGRAL_MSE, 1e-2, 1, new double[][] {{20.0}, {5.0}})) {
            t.net.simulateSteps((long) WINDOWS * EventPropTasks.WINDOW);
            assertEquals(WINDOWS, t.rule.windows());
            falls(t, 1e-3);
        }
    }

    @Test
    void crossEntropyClassificationOfTwoPatterns() {
        try (EventPropTasks t = task(EventPropLoss.VOLTAGE_AVERAGE_CROSS_ENTROPY, 3e-2, 2, new double[][] {{1, 0}, {0, 1}})) {
            t.net.simulateSteps((long) WINDOWS * EventPropTasks.WINDOW);
            falls(t, 0.05);
            // below log 2 the correct class has the larger mean voltage: every one of the last 50 windows is right
            for (int k = WINDOWS - 50; k < WINDOWS; k++) {
                assertTrue(t.losses.get(k) < Math.log(2.0), "window " + k + " misclassified: " + t.losses.get(k));
            }
        }
    }

    @Test
    void firstSpikeTimesMoveToTheirTargets() {
        try (EventPropTasks t = task(EventPropLoss.FIRST_SPIKE_MSE, 1e-2, 1, new double[][] {{15.0}, {35.0}})) {
            SpikeRecorder sr = t.net.recordSpikes(t.out, (WINDOWS - 20) * 50.0, WINDOWS * 50.0);
            t.net.simulateSteps((long) WINDOWS * EventPropTasks.WINDOW);
            falls(t, 0.01);
            boolean[] fired = new boolean[20];
            for (int i = 0; i < sr.count(); i++) {
                fired[(int) ((sr.stamp(i) - 1) / EventPropTasks.WINDOW) - (WINDOWS - 20)] = true;
            }
            for (int k = 0; k < 20; k++) {
                assertTrue(fired[k], "the output fires in window " + (WINDOWS - 20 + k) + " (a silent one has no loss)");
            }
        }
    }

    @Test
    void spikeCountsFollowTheirTargetsThroughTheCountRegulariser() {
        try (EventPropTasks t = task(EventPropLoss.SPIKE_COUNT_MSE, 1e-2, 1, new double[][] {{1.0}, {4.0}})) {
            t.net.simulateSteps((long) WINDOWS * EventPropTasks.WINDOW);
            falls(t, 0.05);
        }
    }

    private static long[] spikes(boolean plastic, double eta, List<Integer> tapeSizes) {
        try (EventPropTasks t = new EventPropTasks(4, 1, EventPropLoss.VOLTAGE_INTEGRAL_MSE,
            OptimizerSpec.gradientDescent(eta), 1, new double[][] {{20.0}, {5.0}}, 20, plastic)) {
            SpikeRecorder sr = t.net.recordSpikes(List.of(t.hidden), 0, 1e9);
            if (plastic) {
                t.net.addStepObserver(s -> tapeSizes.add(t.rule.tapeLength()));
            }
            t.net.simulateSteps(20L * EventPropTasks.WINDOW);
            long[] out = new long[sr.count()];
            for (int i = 0; i < out.length; i++) {
                out[i] = sr.stamp(i) * 1000 + sr.sender(i);
            }
            return out;
        }
    }

    @Test
    void theForwardPassRunsOnUntouchedAndTheTapeHoldsOneWindow() {
        List<Integer> tape = new ArrayList<>();
        long[] learningOff = spikes(true, 0.0, tape);
        assertArrayEquals(spikes(false, 0.0, null), learningOff, "with eta = 0 the network is the static one");
        assertFalse(Arrays.equals(learningOff, spikes(true, 1e-2, new ArrayList<>())), "learning changes the spikes");
        long perWindowMax = 0;
        // every hidden spike and input spike of a window is on the tape at its end, nothing older
        int max = tape.stream().mapToInt(Integer::intValue).max().orElseThrow();
        assertTrue(max > 0);
        for (int k = 0; k < 20; k++) {
            int endOfWindow = tape.get((k + 1) * EventPropTasks.WINDOW - 1);
            assertTrue(endOfWindow <= 3, "after window " + k + " only next-window inputs remain: " + endOfWindow);
            perWindowMax = Math.max(perWindowMax, tape.get((k + 1) * EventPropTasks.WINDOW - 2));
        }
        assertTrue(max <= perWindowMax + 3, "the tape never holds more than one window: " + max + " vs " + perWindowMax);
    }

    @Test
    void resultsAreBitIdenticalForAnyThreadCount() {
        double[] one;
        try (EventPropTasks t = new EventPropTasks(2, 1, EventPropLoss.VOLTAGE_AVERAGE_CROSS_ENTROPY,
            OptimizerSpec.adam(3e-2), 2, new double[][] {{1, 0}, {0, 1}}, 40, true)) {
            t.net.simulateSteps(40L * EventPropTasks.WINDOW);
            one = t.weights();
        }
        try (EventPropTasks t = new EventPropTasks(2, 2, EventPropLoss.VOLTAGE_AVERAGE_CROSS_ENTROPY,
            OptimizerSpec.adam(3e-2), 2, new double[][] {{1, 0}, {0, 1}}, 40, true)) {
            t.net.simulateSteps(40L * EventPropTasks.WINDOW);
            assertArrayEquals(one, t.weights());
        }
    }

    private static void attachFails(String message, java.util.function.Consumer<Network> build) {
        try (Network net = new Network(TimeGrid.of(0.5))) {
            build.accept(net);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, net::prepare);
            assertTrue(e.getMessage().contains(message), e.getMessage());
        }
    }

    @Test
    void rejectsInvalidSetUps() {
        EventPropConfig vint = EventPropConfig.of(50.0, EventPropLoss.VOLTAGE_INTEGRAL_MSE, OptimizerSpec.adam(1e-3));
        attachFails("needs a li_psc_exp output", net -> {
            EventPropRule r = EventPropRule.install(net, vint);
            Population a = net.create("lif_psc_exp", 2);
            Population b = net.create("lif_psc_exp", 1);
            net.connect(a, b, Connectivity.allToAll(), SynapseSpec.of(EventPropRule.SYNAPSE).weight(1.0).delay(0.5));
            r.setOutput(b, (k, s, e, t) -> true);
        });
        attachFails("delay of exactly one step", net -> {
            EventPropRule r = EventPropRule.install(net, vint);
            Population a = net.create("lif_psc_exp", 2);
            Population b = net.create("li_psc_exp", 1);
            net.connect(a, b, Connectivity.allToAll(), SynapseSpec.of(EventPropRule.SYNAPSE).weight(1.0).delay(1.0));
            r.setOutput(b, (k, s, e, t) -> true);
        });
        attachFails("must target lif_psc_exp or li_psc_exp", net -> {
            EventPropRule r = EventPropRule.install(net, vint);
            Population a = net.create("lif_psc_exp", 2);
            Population b = net.create("iaf_psc_exp_euler", 1);
            Population c = net.create("li_psc_exp", 1);
            net.connect(a, b, Connectivity.allToAll(), SynapseSpec.of(EventPropRule.SYNAPSE).weight(1.0).delay(0.5));
            net.connect(a, c, Connectivity.allToAll(), SynapseSpec.of(EventPropRule.SYNAPSE).weight(1.0).delay(0.5));
            r.setOutput(c, (k, s, e, t) -> true);
        });
        attachFails("tau_m != tau_syn", net -> {
            EventPropRule r = EventPropRule.install(net, vint);
            Population a = net.create("lif_psc_exp", 2);
            Population b = net.create("li_psc_exp", 1, java.util.Map.of("tau_m", 5.0, "tau_syn", 5.0));
            net.connect(a, b, Connectivity.allToAll(), SynapseSpec.of(EventPropRule.SYNAPSE).weight(1.0).delay(0.5));
            r.setOutput(b, (k, s, e, t) -> true);
        });
        attachFails("no output population", net -> {
            EventPropRule.install(net, vint);
            Population a = net.create("lif_psc_exp", 2);
            Population b = net.create("li_psc_exp", 1);
            net.connect(a, b, Connectivity.allToAll(), SynapseSpec.of(EventPropRule.SYNAPSE).weight(1.0).delay(0.5));
        });
        assertThrows(IllegalArgumentException.class, () -> EventPropConfig.of(0.0, EventPropLoss.FIRST_SPIKE_MSE,
            OptimizerSpec.adam(1e-3)));
    }
}
