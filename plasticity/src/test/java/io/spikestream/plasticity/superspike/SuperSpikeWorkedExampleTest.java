package io.spikestream.plasticity.superspike;

import io.spikestream.network.Connectivity;
import io.spikestream.network.InputDrive;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.SpikeRecorder;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.network.WeightInit;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The worked example of the SuperSpike spec (§D.1, reference script of its Appendix A): 2 inputs, 2 hidden and 1
 * output {@code iaf_psc_exp_euler} neurons, symmetric feedback, h = 0.1 ms, T_b = 300 steps. Every printed value is
 * reproduced (the reference's numbers here carry all 17 digits, printed by the spec's script).
 */
class SuperSpikeWorkedExampleTest {

    /** Spikes at the given steps for each input (emitted in that step, arriving one step later). */
    static InputDrive steps(long[]... perNeuron) {
        return (t, local, mult) -> {
            int n = 0;
            for (int i = 0; i < perNeuron.length; i++) {
                for (long s : perNeuron[i]) {
                    if (s == t) {
                        local[n] = i;
                        mult[n++] = 1;
                    }
                }
            }
            return n;
        };
    }

    private static void close(double expected, double actual, String what) {
        assertEquals(expected, actual, 1e-13 * Math.max(1.0, Math.abs(expected)), what);
    }

    @Test
    void reproducesTheSpecsReferenceRun() {
        try (Network net = new Network(TimeGrid.of(0.1))) {
            SuperSpikeConfig cfg = SuperSpikeConfig.defaults().withUpdateInterval(30.0); // T_b = 300 steps
            SuperSpikeRule rule = SuperSpikeRule.install(net, cfg);
            InputPopulation in = (InputPopulation) net.create("parrot_neuron", 2);
            in.setDrive(steps(new long[] {10, 30, 50}, new long[] {20, 60}));
            Population hid = net.create("iaf_psc_exp_euler", 2);
            Population out = net.create("iaf_psc_exp_euler", 1);
            // all_to_all lists (source, target) with the source outermost: W1[h][i] = [[60,40],[20,70]]
            Projection p1 = net.connect(in, hid, Connectivity.allToAll(),
                SynapseSpec.of(SuperSpikeRule.SYNAPSE).weight(WeightInit.values(new double[] {60, 20, 40, 70})).delay(0.1));
            Projection p2 = net.connect(hid, out, Connectivity.allToAll(),
                SynapseSpec.of(SuperSpikeRule.SYNAPSE).weight(WeightInit.values(new double[] {50, -20})).delay(0.1));
            rule.setTarget(out, steps(new long[] {150}));
            SpikeRecorder sr = net.recordSpikes(List.of(hid, out), 0, 1000);

            net.simulateSteps(36); // steps 0..35
            close(-57.41671798158477, out.recordable("V_m").read(0), "U2 at n=35");
            close(0.22185091708086888, rule.presynapticTrace(p1, 0, 0), "zt_in[0] at n=35");
            close(0.12165713651984855, rule.presynapticTrace(p1, 0, 1), "zt_in[1] at n=35");
            double[] lam35 = {0.01826050327845965, 0.00727975469751851, 0.0142020208925414, 0.00718757385757761};
            assertHidden(rule, p1, lam35, "n=35");

            net.simulateSteps(115); // ..150
            close(-56.46309031249108, hid.recordable("V_m").read(0), "U1[0] at n=150");
            close(-59.29017286989526, hid.recordable("V_m").read(1), "U1[1] at n=150");
            close(-0.00474008532060613, rule.error(out, 0), "e_out at n=150");
            close(-0.23700426603030642, rule.error(hid, 0), "e_hid[0] at n=150");
            close(0.09480170641212257, rule.error(hid, 1), "e_hid[1] at n=150");
            close(0.3293563473573501, rule.eligibility(p2, 0, 0), "lam2_out[0] at n=150");
            close(0.2921616039203412, rule.eligibility(p2, 0, 1), "lam2_out[1] at n=150");

            net.simulateSteps(150); // ..300
            assertHidden(rule, p1, new double[] {1.549998029960628, 1.1030390545650084, 0.558161158952052,
                0.3853845053231746}, "n=300");
            close(0.00122696225483209, rule.error(out, 0), "e_out at n=300");

            net.simulateSteps(1); // step 301 starts with the accumulation of step 300 and the RMaxProp update
            double[] w1 = {60.00099999999993, 40.00099999999991, 20.000999999999458, 70.00099999999877};
            double[] v1 = {1.9829995836755340e-04, 1.3042260297219457e-04, 3.4198524173642053e-06, 6.5805914441299762e-07};
            double[] gbar1 = {0.014081901802226623, 0.011420271580492058, 0.0018492842986853604, 0.0008112084469561431};
            for (int hI = 0; hI < 2; hI++) {
                for (int iI = 0; iI < 2; iI++) {
                    long syn = synapse(p1, iI, hI);
                    close(w1[2 * hI + iI], p1.part(0).weight(syn), "W1[" + hI + "][" + iI + "]");
                    close(v1[2 * hI + iI], rule.rmsEstimate(p1, 0, syn), "v1");
                    // first update: v = gbar^2 and the step is eta * sign(gbar)
                    close(gbar1[2 * hI + iI] * gbar1[2 * hI + iI], rule.rmsEstimate(p1, 0, syn), "gbar1^2");
                }
            }
            close(49.99900000000703, p2.part(0).weight(0), "W2[0]");
            close(-20.000999999991663, p2.part(0).weight(1), "W2[1]");
            close(2.0222108947144898e-08, rule.rmsEstimate(p2, 0, 0), "v2[0]");
            close(1.4385205291738997e-08, rule.rmsEstimate(p2, 0, 1), "v2[1]");

            List<long[]> spikes = new ArrayList<>();
            for (int i = 0; i < sr.count(); i++) {
                spikes.add(new long[] {sr.sender(i), sr.stamp(i) - 1}); // stamp - 1 = the step the neuron fired in
            }
            // hidden 0 at steps 28, 88; hidden 1 at 33, 97; output at 95 (global ids: inputs 0-1, hidden 2-3, output 4)
            assertEquals("[[2, 28], [3, 33], [2, 88], [4, 95], [3, 97]]",
                spikes.stream().map(java.util.Arrays::toString).toList().toString());
        }
    }

    private static void assertHidden(SuperSpikeRule rule, Projection p1, double[] lam, String when) {
        for (int hI = 0; hI < 2; hI++) {
            for (int iI = 0; iI < 2; iI++) {
                close(lam[2 * hI + iI], rule.eligibility(p1, 0, synapse(p1, iI, hI)), "lam2_hid[" + hI + "][" + iI + "] " + when);
            }
        }
    }

    private static long synapse(Projection p, int src, int tgt) {
        Projection.Part part = p.part(0);
        for (long i = part.rowStart(src); i < part.rowEnd(src); i++) {
            if (part.target(i) == tgt) {
                return i;
            }
        }
        throw new AssertionError("no synapse " + src + " -> " + tgt);
    }
}
