package io.spikestream.plasticity.eprop;

import io.spikestream.network.Connectivity;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.ReadoutPopulation;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.network.WeightInit;
import io.spikestream.plasticity.optim.OptimizerSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The worked example of the e-prop spec (§7, Appendix A): 2 inputs, 2 eprop_iaf, 1 readout, 14 steps, with the
 * final weights of all eight synapses for gradient descent and Adam, per spike and each step. The Adam
 * columns exercise NEST's catch-up iterations; NEST 3.10 agrees with these numbers (spec §7).
 */
class WorkedExampleTest {

    // synapse order: in0->r0, in0->r1, in1->r0, in1->r1, r0->r1, r1->r0, r0->out, r1->out
    @ParameterizedTest(name = "{0} optimize_each_step={1}")
    @CsvSource({
        "gradient_descent, false, 0.612442462194, 0.296389374115, 0.208983651078, 0.698867986753, 0.399921319683, -0.166971546980, 0.497430533325, -0.238654580143",
        "gradient_descent, true,  0.612442462194, 0.296389374115, 0.208983651078, 0.698867986753, 0.399921319683, -0.166971546980, 0.497430533325, -0.238654580143",
        "adam,             false, 0.599305903342, 0.301219922845, 0.228724607166, 0.671276087546, 0.373887560346, -0.162570400255, 0.473877381060, -0.264207225952",
        "adam,             true,  0.613932580673, 0.292787406977, 0.227338830586, 0.673585712224, 0.387165537073, -0.145981735221, 0.489258254883, -0.248410784205",
    })
    void finalWeightsMatchSpec(String optimizer, boolean eachStep, double w0, double w1, double w2, double w3, double w4,
                               double w5, double w6, double w7) {
        double[] expected = {w0, w1, w2, w3, w4, w5, w6, w7};
        double[] got = run(optimizer, eachStep);
        for (int i = 0; i < 8; i++) {
            assertEquals(expected[i], got[i], 5e-13, "synapse " + i);
        }
    }

    static double[] run(String optimizer, boolean eachStep) {
        try (Network net = new Network(TimeGrid.of(1.0))) {
            OptimizerSpec spec = OptimizerSpec.fromMap(Map.of("type", optimizer, "eta", 0.01, "optimize_each_step", eachStep));
            EpropRule.install(net, spec);
            InputPopulation in = (InputPopulation) net.create("parrot_neuron", 2);
            Map<String, Object> rp = Map.ofEntries(Map.entry("C_m", 1.0), Map.entry("E_L", 0.0), Map.entry("V_m", 0.0),
                Map.entry("tau_m", 10.0), Map.entry("V_th", 0.5), Map.entry("t_ref", 0.0),
                Map.entry("surrogate_gradient_height", 0.3), Map.entry("surrogate_gradient_width", 1.0),
                Map.entry("kappa", 0.9), Map.entry("kappa_reg", 0.9), Map.entry("c_reg", 0.1), Map.entry("f_target", 10.0),
                Map.entry("eprop_isi_trace_cutoff", 4.0));
            Population rec0 = net.create("r0", "eprop_iaf", 1, rp);
            Population rec1 = net.create("r1", "eprop_iaf", 1, rp);
            ReadoutPopulation out = (ReadoutPopulation) net.create("out", "eprop_readout", 1,
                Map.of("C_m", 1.0, "E_L", 0.0, "V_m", 0.0, "tau_m", 10.0, "eprop_isi_trace_cutoff", 4.0));
            // input stamps in0: 1, 4, 9; in1: 2, 3, 10 (parrot loop step = stamp - 1)
            long[][] loops = {{0, 3, 8}, {1, 2, 9}};
            in.setDrive((t, local, mult) -> {
                int n = 0;
                for (int i = 0; i < 2; i++) {
                    for (long s : loops[i]) {
                        if (s == t) {
                            local[n] = i;
                            mult[n++] = 1;
                        }
                    }
                }
                return n;
            });
            Projection[] p = new Projection[8];
            p[0] = net.connect(in, rec0, Connectivity.explicit(new int[] {0}, new int[] {0}), syn(0.6));
            p[1] = net.connect(in, rec1, Connectivity.explicit(new int[] {0}, new int[] {0}), syn(0.3));
            p[2] = net.connect(in, rec0, Connectivity.explicit(new int[] {1}, new int[] {0}), syn(0.2));
            p[3] = net.connect(in, rec1, Connectivity.explicit(new int[] {1}, new int[] {0}), syn(0.7));
            p[4] = net.connect(rec0, rec1, Connectivity.oneToOne(), syn(0.4));
            p[5] = net.connect(rec1, rec0, Connectivity.oneToOne(), syn(-0.2));
            p[6] = net.connect(rec0, out, Connectivity.oneToOne(), syn(0.5));
            p[7] = net.connect(rec1, out, Connectivity.oneToOne(), syn(-0.3));
            net.connect(out, rec0, Connectivity.oneToOne(), SynapseSpec.of(EpropRule.LEARNING_SIGNAL).weight(1.0));
            net.connect(out, rec1, Connectivity.oneToOne(), SynapseSpec.of(EpropRule.LEARNING_SIGNAL).weight(-0.5));
            out.setDrive((t, from, to, target, window) -> {
                target[0] = t >= 1 ? 0.2 : 0.0;
                window[0] = t >= 1 ? 1.0 : 0.0;
            });
            net.simulateSteps(14);
            double[] w = new double[8];
            for (int i = 0; i < 8; i++) {
                Projection.Part part = p[i].part(0);
                int src = p[i].source() == in ? (i == 0 || i == 1 ? 0 : 1) : 0;
                w[i] = part.weight(part.rowStart(src));
            }
            return w;
        }
    }

    private static SynapseSpec syn(double w) {
        return SynapseSpec.of(EpropRule.SYNAPSE).weight(WeightInit.constant(w));
    }
}
