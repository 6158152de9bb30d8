package io.spikestream.plasticity.eventprop;

import io.spikestream.network.Connectivity;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.SpikeRecorder;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.network.WeightInit;
import io.spikestream.plasticity.optim.OptimizerSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link EventPropRule} on the engine against the spec's grid reference ({@code grid()} of Appendix B, §D.2 (c)):
 * the same forward pass (spike steps), loss and gradients to 1e-9 relative at h = 0.1, 0.01 and 0.001 ms, and the
 * grid gradients approaching the exact ones as h shrinks (worst element 0.45% off at h = 0.001 ms).
 */
class EventPropGridTest {

    /** The spec's 2-2-1 network on a grid of h ms; returns {loss, dW1[h0i0, h0i1, h1i0, h1i1], dW2[0], dW2[1]}. */
    static double[] run(double h, List<long[]> hiddenSpikes) {
        try (Network net = new Network(TimeGrid.of(h))) {
            EventPropRule rule = EventPropRule.install(net, EventPropConfig.of(40.0, EventPropLoss.VOLTAGE_INTEGRAL_MSE,
                OptimizerSpec.gradientDescent(0.0)));
            InputPopulation in = (InputPopulation) net.create("parrot_neuron", 2);
            // input times {1, 9} and {4, 15} ms reach the network in steps ceil(t/h); their parrots fire a step earlier
            long[][] arrive = {{Math.round(1 / h), Math.round(9 / h)}, {Math.round(4 / h), Math.round(15 / h)}};
            in.setDrive((t, local, mult) -> {
                int n = 0;
                for (int i = 0; i < 2; i++) {
                    for (long a : arrive[i]) {
                        if (a - 1 == t) {
                            local[n] = i;
                            mult[n++] = 1;
                        }
                    }
                }
                return n;
            });
            Population hid = net.create("lif_psc_exp", 2);
            Population out = net.create("li_psc_exp", 1);
            Projection p1 = net.connect(in, hid, Connectivity.allToAll(),
                SynapseSpec.of(EventPropRule.SYNAPSE).weight(WeightInit.values(new double[] {6.0, 3.0, 4.0, 5.5})).delay(h));
            Projection p2 = net.connect(hid, out, Connectivity.allToAll(),
                SynapseSpec.of(EventPropRule.SYNAPSE).weight(WeightInit.values(new double[] {3.0, 2.5})).delay(h));
            rule.setOutput(out, (k, start, end, target) -> {
                target[0] = 50.0;
                return true;
            });
            SpikeRecorder sr = net.recordSpikes(hid, 0, 1e9);
            net.simulate(40.0);
            for (int i = 0; i < sr.count(); i++) {
                hiddenSpikes.add(new long[] {sr.sender(i) - hid.globalOffset(), sr.stamp(i) - 1});
            }
            return new double[] {rule.lastLoss(), rule.gradient(p1, 0, 0), rule.gradient(p1, 0, 2), rule.gradient(p1, 0, 1),
                rule.gradient(p1, 0, 3), rule.gradient(p2, 0, 0), rule.gradient(p2, 0, 1)};
        }
    }

    private static void assertRelative(double[] expected, double[] actual, double rel) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], rel * Math.abs(expected[i]), "element " + i);
        }
    }

    @Test
    void matchesTheGridReferenceStepForStep() {
        List<long[]> spikes = new ArrayList<>();
        double[] r = run(0.1, spikes);
        assertRelative(new double[] {65.5701235352673, 320.14090206687484, 318.8680389371515, 31.699631480275826,
            21.590342846210767, 143.21970180204872, 110.0269412348849}, r, 1e-9);
        List<String> s = spikes.stream().map(x -> x[0] + "@" + x[1]).toList();
        assertEquals(List.of("0@53", "1@69", "0@100", "1@138", "0@151", "1@192", "0@240"), s);

        assertRelative(new double[] {74.414873478387, 71.31061342618892, 66.30112761569956, 31.77466516328516,
            21.75795753054975, 155.04696011154624, 117.50914581990183}, run(0.01, new ArrayList<>()), 1e-9);
    }

    @Test
    void gridGradientsApproachTheExactOnesAsTheStepShrinks() {
        double[] fine = run(0.001, new ArrayList<>());
        assertRelative(new double[] {75.20341444521061, 66.74486747569819, 61.65049852727628, 31.815379027934128,
            21.79660338207143, 156.08272347458546, 118.14860264618338}, fine, 1e-9);
        double[] exact = {75.26402884473798, 66.45041079475357, 61.349381632162725, 31.808701908230113,
            21.792226871265775, 156.15959067063977, 118.1994670539089};
        double[] coarse = run(0.1, new ArrayList<>());
        double worstFine = 0;
        double worstCoarse = 0;
        for (int i = 1; i < exact.length; i++) {
            worstFine = Math.max(worstFine, Math.abs(fine[i] - exact[i]) / Math.abs(exact[i]));
            worstCoarse = Math.max(worstCoarse, Math.abs(coarse[i] - exact[i]) / Math.abs(exact[i]));
        }
        assertEquals(0.0045, worstFine, 0.0005, "worst element at h = 0.001 ms");
        assertEquals(4.2, worstCoarse, 0.05, "h = 0.1 ms moves a slow crossing by 1.7 ms: row 0 is about 5x too large");
    }
}
