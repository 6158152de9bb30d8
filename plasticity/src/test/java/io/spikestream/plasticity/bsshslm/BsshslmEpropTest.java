package io.spikestream.plasticity.bsshslm;

import io.spikestream.network.BsshslmReadoutPopulation;
import io.spikestream.network.Connectivity;
import io.spikestream.network.InputDrive;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Multimeter;
import io.spikestream.network.Network;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.SynapseModel;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.network.WeightInit;
import io.spikestream.plasticity.optim.OptimizerSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The time-driven e-prop ({@code *_bsshslm_2020}) beyond the two NEST fixtures: NEST's own history-cleaning probe,
 * the delayed reset, the discarded boundary spikes, the softmax readout with its one-step lag and window mask,
 * determinism across threads, learning, bounded memory, and the errors for invalid set-ups.
 */
class BsshslmEpropTest {

    /** Parrot input from generator times in ms: a generator spike at T reaches its parrot in loop step T/h. */
    static InputDrive generators(double[][] timesMs) {
        Map<Long, List<Integer>> byStep = new HashMap<>();
        for (int i = 0; i < timesMs.length; i++) {
            for (double t : timesMs[i]) {
                byStep.computeIfAbsent(Math.round(t), x -> new ArrayList<>()).add(i);
            }
        }
        return (t, local, mult) -> {
            List<Integer> l = byStep.get(t);
            if (l == null) {
                return 0;
            }
            int[] s = l.stream().mapToInt(Integer::intValue).sorted().toArray();
            for (int q = 0; q < s.length; q++) {
                local[q] = s[q];
                mult[q] = 1;
            }
            return s.length;
        };
    }

    private static double[] historyTrace(String model) {
        try (Network net = new Network(TimeGrid.of(1.0))) {
            BsshslmEpropRule.install(net, OptimizerSpec.gradientDescent(1e-4));
            Map<String, Object> kernel = Map.of("eprop_update_interval", 20.0, "eprop_learning_window", 20.0);
            InputPopulation in = (InputPopulation) net.create("parrot_neuron", 3);
            in.setDrive(generators(new double[][] {{10, 20, 50, 60}, {10, 30, 50, 90}, {40, 60}}));
            Population n = net.create(model, 1, kernel);
            net.connect(in, n, Connectivity.allToAll(), SynapseSpec.of(BsshslmEpropRule.SYNAPSE).weight(1.0));
            Multimeter mm = net.multimeter(List.of("eprop_history_duration"), 0, 109, 1);
            net.addToMultimeter(mm, n, 0);
            net.simulate(110.0);
            double[] d = new double[mm.rows()];
            for (int r = 0; r < d.length; r++) {
                d[r] = mm.value(r, 0);
            }
            return d;
        }
    }

    private static double[] ranges(int[][] r) {
        List<Double> out = new ArrayList<>();
        for (int[] x : r) {
            for (int v = x[0]; v < x[1]; v++) {
                out.add((double) v);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @Test
    void historyRetentionMatchesNestsCleaningTest() {
        // NEST's test_eprop_history_cleaning (bsshslm_2020), U = 20 ms: whole intervals are kept while a synapse needs them
        assertArrayEquals(ranges(new int[][] {{1, 3}, {1, 61}, {21, 61}, {41, 48}}), historyTrace("eprop_iaf_bsshslm_2020"));
        assertArrayEquals(ranges(new int[][] {{1, 4}, {1, 21}, {20, 60}, {20, 60}, {40, 46}}),
            historyTrace("eprop_readout_bsshslm_2020"));
    }

    @Test
    void thresholdIsSubtractedOneStepLateAndSpikesAtIntervalStartsAreDropped() {
        try (Network net = new Network(TimeGrid.of(1.0))) {
            BsshslmEpropRule.install(net, OptimizerSpec.gradientDescent(0.0));
            InputPopulation in = (InputPopulation) net.create("parrot_neuron", 1);
            // stamps 2 (= first step of interval 0: dropped), 4, 12 (= 2 + U: dropped), 13
            in.setDrive(generators(new double[][] {{1, 3, 11, 12}}));
            Population n = net.create("eprop_iaf_bsshslm_2020", 1, Map.of("C_m", 1.0, "E_L", 0.0, "V_m", 0.0,
                "V_th", 0.5, "tau_m", 10.0, "t_ref", 0.0, "eprop_update_interval", 10.0, "eprop_learning_window", 10.0));
            net.connect(in, n, Connectivity.allToAll(), SynapseSpec.of(BsshslmEpropRule.SYNAPSE).weight(0.8));
            Multimeter mm = net.multimeter(List.of("V_m", "surrogate_gradient"), 0, 100, 1);
            net.addToMultimeter(mm, n, 0);
            net.simulate(16.0);
            double pv = Math.exp(-0.1);
            double[] expected = new double[15];
            // step 4: 0.8 >= 0.5 spikes, recorded un-reset; step 5: decay, then subtract theta
            expected[4] = 0.8;
            expected[5] = pv * 0.8 - 0.5;
            for (int t = 6; t < 12; t++) {
                expected[t] = pv * expected[t - 1];
            }
            expected[12] = 0.0; // interval start: reset to 0, and the spike with stamp 12 never arrives
            expected[13] = 0.8; // stamp 13 arrives
            expected[14] = pv * 0.8 - 0.5;
            for (int t = 0; t < 15; t++) {
                assertEquals(expected[t], mm.value(t, "V_m"), 1e-15, "V_m after step " + t);
            }
            assertEquals(2, net.spikeCount(n));
            assertEquals(0.3 * (1 - Math.abs(0.8 - 0.5)), mm.value(4, "surrogate_gradient"), 1e-15);
        }
    }

    @Test
    void spikesBeforeTheFirstIntervalAreTransmittedButNotLearnedFrom() {
        try (Network net = new Network(TimeGrid.of(1.0))) {
            BsshslmEpropRule.install(net, OptimizerSpec.gradientDescent(1e-2));
            InputPopulation in = (InputPopulation) net.create("parrot_neuron", 1);
            // stamp 1 (generator time 0) arrives in step 1, before interval 0 starts at step 2; NEST cannot make it
            in.setDrive(generators(new double[][] {{0, 5, 14, 25}}));
            // never spikes; the rate regulariser with an exponential surrogate gives every interval a gradient
            Population n = net.create("eprop_iaf_bsshslm_2020", 1, Map.of("C_m", 1.0, "E_L", 0.0, "V_m", 0.0,
                "V_th", 5.0, "tau_m", 10.0, "eprop_update_interval", 10.0, "eprop_learning_window", 10.0,
                "c_reg", 1.0, "surrogate_gradient_function", "exponential"));
            Projection p = net.connect(in, n, Connectivity.allToAll(), SynapseSpec.of(BsshslmEpropRule.SYNAPSE).weight(0.8));
            Multimeter mm = net.multimeter(List.of("V_m"), 0, 100, 1);
            net.addToMultimeter(mm, n, 0);
            net.simulate(40.0); // three gradients: the interval clean-ups erase steps 0 and 1 without a crash
            assertEquals(0.8, mm.value(1, "V_m"), 1e-15, "the early spike reaches the membrane");
            assertTrue(p.part(0).weight(0) != 0.8, "the later spikes learn");
        }
    }

    /** Two cross-entropy readouts with constant drive: the softmax of the previous step's membranes, masked. */
    @Test
    void crossEntropyReadoutIsTheSoftmaxOfThePreviousStepInsideTheWindow() {
        try (Network net = new Network(TimeGrid.of(1.0))) {
            BsshslmEpropRule.install(net, OptimizerSpec.gradientDescent(0.0));
            Map<String, Object> p = Map.of("C_m", 1.0, "tau_m", 5.0, "loss", "cross_entropy", "I_e", 0.0,
                "eprop_update_interval", 10.0, "eprop_learning_window", 4.0, "eprop_reset_neurons_on_update", false);
            BsshslmReadoutPopulation a = (BsshslmReadoutPopulation) net.create("eprop_readout_bsshslm_2020", 1,
                withIe(p, 0.3));
            BsshslmReadoutPopulation b = (BsshslmReadoutPopulation) net.create("eprop_readout_bsshslm_2020", 1,
                withIe(p, 0.1));
            net.connect(a, b, Connectivity.allToAll(), SynapseSpec.of(SynapseModel.RATE_CONNECTION_DELAYED).receptor(1));
            net.connect(b, a, Connectivity.allToAll(), SynapseSpec.of(SynapseModel.RATE_CONNECTION_DELAYED).receptor(1));
            a.setDrive((t, from, to, target, window) -> target[0] = 1.0);
            b.setDrive((t, from, to, target, window) -> target[0] = 0.0);
            Multimeter mm = net.multimeter(List.of("V_m", "readout_signal", "error_signal", "readout_signal_unnorm"),
                0, 100, 1);
            net.addToMultimeter(mm, a, 0);
            net.addToMultimeter(mm, b, 0);
            net.simulate(30.0);
            double[][] v = new double[2][30];
            for (int r = 0; r < mm.rows(); r++) {
                v[r % 2][r / 2] = mm.value(r, "V_m");
            }
            for (int t = 1; t < 29; t++) {
                double ea = Math.exp(v[0][t - 1]);
                double eb = Math.exp(v[1][t - 1]);
                boolean open = (t - 4) % 10 >= 6; // the last 4 steps of [4 + 10k, 14 + 10k)
                double ya = open ? ea / (eb + ea) : 0.0;
                assertEquals(ya, mm.value(2 * t, "readout_signal"), 1e-15, "y_a at step " + t);
                assertEquals(open ? ya - 1.0 : 0.0, mm.value(2 * t, "error_signal"), 1e-15);
                assertEquals(open ? eb / (ea + eb) : 0.0, mm.value(2 * t + 1, "readout_signal"), 1e-15);
                assertEquals(Math.exp(v[0][t]), mm.value(2 * t, "readout_signal_unnorm"), 1e-14);
            }
            assertTrue(v[0][28] > v[1][28]);
        }
    }

    private static Map<String, Object> withIe(Map<String, Object> p, double ie) {
        Map<String, Object> m = new HashMap<>(p);
        m.put("I_e", ie);
        return m;
    }

    /** A small evidence-free classification: 2 cross-entropy readouts learn which of two input groups is active. */
    static final class Task implements AutoCloseable {
        final Network net;
        final BsshslmEpropRule rule;
        final BsshslmReadoutPopulation out;
        final List<Projection> plastic = new ArrayList<>();
        final Multimeter mm;
        static final int U = 100;
        static final int LW = 20;

        Task(long seed, int threads, OptimizerSpec opt) {
            net = new Network(TimeGrid.of(1.0), threads, seed);
            rule = BsshslmEpropRule.install(net, new BsshslmConfig(opt, true, 20.0));
            Map<String, Object> kernel = Map.of("eprop_update_interval", (double) U, "eprop_learning_window", (double) LW);
            // flush events bound what silent inputs pin in the archives (spec §2.4)
            InputPopulation in = (InputPopulation) net.create("parrot_neuron", 20,
                Map.of("flush_event_send_interval", (double) U));
            SplittableRandom rng = new SplittableRandom(seed);
            int[] label = new int[200];
            for (int k = 0; k < label.length; k++) {
                label[k] = rng.nextInt(2);
            }
            in.setDrive((t, local, mult) -> {
                long k = Math.max(0, (t - 1) / U);
                int cls = label[(int) (k % label.length)];
                int n = 0;
                for (int i = 0; i < 20; i++) {
                    boolean active = i < 10 ? cls == 0 : cls == 1;
                    long h = (t * 31 + i * 17 + seed) % 100;
                    if (active && h < 8 && t >= 1) {
                        local[n] = i;
                        mult[n++] = 1;
                    }
                }
                return n;
            });
            Map<String, Object> recP = new HashMap<>(Map.of("C_m", 1.0, "E_L", 0.0, "V_m", 0.0, "V_th", 0.6, "tau_m", 20.0,
                "t_ref", 5.0, "surrogate_gradient_height", 0.5, "surrogate_gradient_width", 0.6, "c_reg", 0.0,
                "flush_event_send_interval", (double) U));
            recP.putAll(kernel);
            Population rec = net.create("eprop_iaf_adapt_bsshslm_2020", 30, withAdapt(recP));
            Map<String, Object> outP = new HashMap<>(Map.of("C_m", 1.0, "E_L", 0.0, "tau_m", 20.0, "loss", "cross_entropy",
                "regular_spike_arrival", false));
            outP.putAll(kernel);
            out = (BsshslmReadoutPopulation) net.create("eprop_readout_bsshslm_2020", 2, outP);
            plastic.add(net.connect(in, rec, Connectivity.allToAll(),
                SynapseSpec.of(BsshslmEpropRule.SYNAPSE).weight(WeightInit.normal(0.0, 0.3))));
            plastic.add(net.connect(rec, rec, Connectivity.pairwiseBernoulli(0.3, false),
                SynapseSpec.of(BsshslmEpropRule.SYNAPSE).weight(WeightInit.normal(0.0, 0.1))));
            plastic.add(net.connect(rec, out, Connectivity.allToAll(),
                SynapseSpec.of(BsshslmEpropRule.SYNAPSE).weight(WeightInit.normal(0.0, 0.1))));
            net.connect(out, rec, Connectivity.allToAll(),
                SynapseSpec.of(BsshslmEpropRule.LEARNING_SIGNAL).weight(WeightInit.normal(0.0, 1.0)));
            net.connect(out, out, Connectivity.allToAll(false), SynapseSpec.of(SynapseModel.RATE_CONNECTION_DELAYED).receptor(1));
            out.setDrive((t, from, to, target, window) -> {
                // the label of the sequence whose signal interval [4 + kU, 4 + (k+1)U) contains t
                long k = Math.max(0, (t - 4) / U);
                int cls = label[(int) (k % label.length)];
                for (int j = from; j < to; j++) {
                    target[j] = j == cls ? 1.0 : 0.0;
                }
            });
            mm = net.multimeter(List.of("readout_signal", "target_signal"), 4, 1e9, 1);
            net.addToMultimeter(mm, out, 0);
            net.addToMultimeter(mm, out, 1);
        }

        private static Map<String, Object> withAdapt(Map<String, Object> p) {
            Map<String, Object> m = new HashMap<>(p);
            m.put("adapt_beta", 0.02);
            m.put("adapt_tau", 500.0);
            return m;
        }

        /** Cross-entropy per sequence over the window samples, as NEST's test computes it. */
        double[] losses() {
            int seqs = mm.rows() / 2 / U;
            double[] loss = new double[seqs];
            for (int k = 0; k < seqs; k++) {
                double s = 0;
                for (int m = k * U + U - LW; m < (k + 1) * U; m++) {
                    for (int o = 0; o < 2; o++) {
                        s += mm.value(2 * m + o, "target_signal") * Math.log(mm.value(2 * m + o, "readout_signal"));
                    }
                }
                loss[k] = -s / LW;
            }
            return loss;
        }

        double[] weights() {
            List<Double> w = new ArrayList<>();
            for (Projection p : plastic) {
                double[][] m = new double[p.source().size()][p.target().size()];
                p.forEachSynapse((part, syn, s, t, x) -> m[s][t] = x);
                for (double[] row : m) {
                    for (double x : row) {
                        w.add(x);
                    }
                }
            }
            return w.stream().mapToDouble(Double::doubleValue).toArray();
        }

        @Override
        public void close() {
            net.close();
        }
    }

    @Test
    void sameSeedGivesBitIdenticalWeightsForAnyThreadCount() {
        double[] one;
        double[] initial;
        try (Task t = new Task(7, 1, OptimizerSpec.adam(5e-3))) {
            initial = t.weights();
            t.net.simulate(20 * Task.U + 5);
            one = t.weights();
        }
        assertFalse(Arrays.equals(initial, one), "learning must change the weights");
        try (Task t = new Task(7, 2, OptimizerSpec.adam(5e-3))) {
            t.net.simulate(20 * Task.U + 5);
            assertArrayEquals(one, t.weights(), "two workers must give the numbers of one");
        }
    }

    @Test
    void learnsToClassifyAndKeepsMemoryBounded() {
        try (Task t = new Task(3, 1, OptimizerSpec.adam(1e-2))) {
            t.net.simulate(150 * Task.U + 5);
            double[] loss = t.losses();
            double first = Arrays.stream(loss, 0, 20).average().orElseThrow();
            double last = Arrays.stream(loss, loss.length - 20, loss.length).average().orElseThrow();
            assertTrue(first > 0.6, "chance level at the start: " + first);
            System.out.printf("time-driven e-prop classification: cross-entropy %.4f -> %.4f%n", first, last);
            assertTrue(last < 0.5 * first, "cross-entropy must fall: first " + first + ", last " + last);
            // archives hold whole intervals: at most the current and the previous one (+ silent synapses' interval)
            Population rec = t.net.populations().get(1);
            for (int j = 0; j < rec.size(); j++) {
                assertTrue(t.rule.historyLength(rec, j) <= 3 * Task.U,
                    "history of neuron " + j + ": " + t.rule.historyLength(rec, j));
                assertTrue(t.rule.rateEntries(rec, j) <= 3, "rate entries of neuron " + j);
            }
        }
    }

    @Test
    void rejectsInvalidSetUps() {
        try (Network net = new Network(TimeGrid.of(1.0))) {
            assertThrows(IllegalArgumentException.class, () -> net.create("eprop_iaf_bsshslm_2020", 1,
                Map.of("eprop_update_interval", 10.0, "eprop_learning_window", 20.0)), "window longer than the interval");
            assertThrows(IllegalArgumentException.class, () -> net.create("eprop_iaf_bsshslm_2020", 1,
                Map.of("flush_event_send_interval", 10.0)), "flush interval below the update interval");
            assertThrows(IllegalArgumentException.class, () -> net.create("eprop_readout_bsshslm_2020", 1,
                Map.of("loss", "hinge")));
            assertThrows(IllegalArgumentException.class, () -> net.create("eprop_iaf_bsshslm_2020", 1,
                Map.of("kappa", 0.9)), "the time-driven model has no kappa (the synapse has tau_m_readout)");
            Population rec = net.create("eprop_iaf_bsshslm_2020", 2);
            Population ev = net.create("eprop_iaf", 2);
            Population out = net.create("eprop_readout_bsshslm_2020", 1);
            assertThrows(IllegalArgumentException.class, () -> net.connect(rec, out, Connectivity.allToAll(),
                SynapseSpec.of(SynapseModel.RATE_CONNECTION_DELAYED).receptor(2)), "targets come from a drive");
            assertThrows(IllegalArgumentException.class, () -> net.connect(rec, out, Connectivity.allToAll(),
                SynapseSpec.of(SynapseModel.RATE_CONNECTION_DELAYED).receptor(1)), "only readouts normalise readouts");
            assertThrows(IllegalArgumentException.class, () -> net.connect(out, ev, Connectivity.allToAll(),
                SynapseSpec.of(SynapseModel.RATE_CONNECTION_DELAYED).receptor(1)));
        }
        attachFails(net -> {
            Population a = net.create("eprop_iaf_bsshslm_2020", 2);
            Population b = net.create("eprop_iaf", 2);
            net.connect(a, b, Connectivity.allToAll(), SynapseSpec.of(BsshslmEpropRule.SYNAPSE).weight(0.1));
        }, "must target");
        attachFails(net -> {
            Population a = net.create("eprop_iaf_bsshslm_2020", 2);
            net.connect(a, a, Connectivity.allToAll(false), SynapseSpec.of(BsshslmEpropRule.SYNAPSE).weight(0.1).delay(2.0));
        }, "delay of exactly one step");
        attachFails(net -> {
            Population a = net.create("eprop_iaf_bsshslm_2020", 2);
            Population b = net.create("eprop_readout_bsshslm_2020", 1, Map.of("eprop_update_interval", 500.0,
                "eprop_learning_window", 500.0));
            net.connect(a, b, Connectivity.allToAll(), SynapseSpec.of(BsshslmEpropRule.SYNAPSE).weight(0.1));
        }, "kernel parameter");
        attachFails(net -> {
            Population a = net.create("eprop_iaf_bsshslm_2020", 2);
            net.connect(a, a, Connectivity.allToAll(false), SynapseSpec.of(BsshslmEpropRule.SYNAPSE).weight(500.0));
        }, "outside [Wmin, Wmax]");
    }

    private static void attachFails(java.util.function.Consumer<Network> build, String message) {
        try (Network net = new Network(TimeGrid.of(1.0))) {
            BsshslmEpropRule.install(net, OptimizerSpec.gradientDescent(1e-3));
            build.accept(net);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, net::prepare);
            assertTrue(e.getMessage().contains(message), e.getMessage());
        }
    }
}
