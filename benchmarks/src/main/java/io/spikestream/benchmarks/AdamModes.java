package io.spikestream.benchmarks;

import io.spikestream.network.Connectivity;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Multimeter;
import io.spikestream.network.Network;
import io.spikestream.network.Population;
import io.spikestream.network.ReadoutPopulation;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.network.WeightInit;
import io.spikestream.network.PlasticityRule;
import io.spikestream.plasticity.eprop.EpropRule;
import io.spikestream.plasticity.eprop.FastEpropRule;
import io.spikestream.plasticity.optim.OptimizerSpec;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Learning curves of the two Adam modes on NEST's e-prop regression task (test_eprop_regression): 100 inputs
 * replay one frozen 100 ms spike pattern over and over, 100 eprop_iaf neurons, one readout learns a sum of three
 * sines with the pattern's period. Prints the loss per iteration (0.5 * sum of squared errors over 100 ms, as
 * NEST's test) averaged over blocks of iterations, and the wall time, for
 * NEST's Adam (one iteration per elapsed step, {@code adam_catch_up}) and Adam once per update.
 *
 * <pre>AdamModes [--iterations 300] [--eta 5e-4] [--block 25]</pre>
 */
public final class AdamModes {

    public static void main(String[] args) {
        int iterations = 300;
        double eta = 5e-4;
        int block = 25;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--iterations" -> iterations = Integer.parseInt(args[i + 1]);
                case "--eta" -> eta = Double.parseDouble(args[i + 1]);
                case "--block" -> block = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        for (String mode : new String[] {"nest_catch_up", "nest_per_update", "fast_per_update"}) {
            long t0 = System.nanoTime();
            double[] loss = run(mode, iterations, eta);
            double wall = (System.nanoTime() - t0) / 1e9;
            StringBuilder b = new StringBuilder();
            for (int k = 0; k + block <= loss.length; k += block) {
                double s = 0;
                for (int q = k; q < k + block; q++) {
                    s += loss[q];
                }
                b.append(b.isEmpty() ? "" : ",").append(String.format(Locale.ROOT, "%.4f", s / block));
            }
            System.out.printf(Locale.ROOT, "adam_mode=%s eta=%g iterations=%d wall_s=%.2f loss_per_%d_iterations=%s%n",
                mode, eta, iterations, wall, block, b);
        }
    }

    static double[] run(String mode, int iterations, double eta) {
        int period = 100;
        try (Network net = new Network(TimeGrid.of(1.0), 1, 1)) {
            OptimizerSpec spec = OptimizerSpec.adam(eta).withOptimizeEachStep(false)
                .withAdamCatchUp(mode.equals("nest_catch_up"));
            PlasticityRule rule = mode.startsWith("fast") ? FastEpropRule.install(net, spec) : EpropRule.install(net, spec);
            InputPopulation in = (InputPopulation) net.create("parrot_neuron", 100);
            // a frozen pattern: each input fires at 20 Hz on average within the 100 ms period
            SplittableRandom rng = new SplittableRandom(11);
            boolean[][] pattern = new boolean[period][100];
            for (int t = 0; t < period; t++) {
                for (int i = 0; i < 100; i++) {
                    pattern[t][i] = rng.nextDouble() < 0.02;
                }
            }
            in.setDrive((t, local, mult) -> {
                int n = 0;
                boolean[] row = pattern[(int) (t % period)];
                for (int i = 0; i < 100; i++) {
                    if (row[i]) {
                        local[n] = i;
                        mult[n++] = 1;
                    }
                }
                return n;
            });
            double kappa = 0.97;
            Population rec = net.create("eprop_iaf", 100, Map.ofEntries(Map.entry("C_m", 1.0), Map.entry("E_L", 0.0),
                Map.entry("V_m", 0.0), Map.entry("V_th", 0.03), Map.entry("tau_m", 30.0), Map.entry("t_ref", 0.0),
                Map.entry("kappa", kappa), Map.entry("kappa_reg", kappa), Map.entry("surrogate_gradient_height", 10.0),
                Map.entry("surrogate_gradient_width", 0.03), Map.entry("c_reg", 3.0), Map.entry("f_target", 10.0),
                Map.entry("eprop_isi_trace_cutoff", 100.0)));
            ReadoutPopulation out = (ReadoutPopulation) net.create("eprop_readout", 1, Map.of("C_m", 1.0, "E_L", 0.0,
                "V_m", 0.0, "tau_m", 30.0, "eprop_isi_trace_cutoff", 100.0));
            String syn = EpropRule.SYNAPSE;
            net.connect(in, rec, Connectivity.allToAll(), SynapseSpec.of(syn).weight(WeightInit.normal(0, 5 * (1 - kappa) / 10)));
            net.connect(rec, rec, Connectivity.allToAll(false), SynapseSpec.of(syn).weight(WeightInit.normal(0, (1 - kappa) / 10)));
            net.connect(rec, out, Connectivity.allToAll(), SynapseSpec.of(syn).weight(WeightInit.normal(0, (1 - kappa) / 10)));
            net.connect(out, rec, Connectivity.allToAll(), SynapseSpec.of(EpropRule.LEARNING_SIGNAL).weight(WeightInit.normal(0, 0.1)));
            out.setDrive((t, from, to, target, window) -> {
                double x = 2 * Math.PI * (t % period) / period;
                target[0] = 0.5 * Math.sin(x) + 0.3 * Math.sin(2 * x + 1.0) + 0.2 * Math.sin(3 * x + 2.0);
                window[0] = t >= 2 ? 1.0 : 0.0;
            });
            Multimeter m = net.multimeter(List.of("readout_signal", "target_signal"), 0, 1e12, 1.0);
            net.addToMultimeter(m, out, 0);
            net.simulateSteps((long) iterations * period);
            double[] loss = new double[iterations];
            for (int r = 0; r < m.rows(); r++) {
                int k = (int) ((m.timeSteps(r) - 1) / period);
                double d = m.value(r, 0) - m.value(r, 1);
                loss[k] += 0.5 * d * d;
            }
            return loss;
        }
    }
}
