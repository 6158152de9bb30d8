package io.spikestream.plasticity.eprop;

import io.spikestream.network.Connectivity;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.PlasticityRule;
import io.spikestream.network.PoissonDrive;
import io.spikestream.network.Population;
import io.spikestream.network.ReadoutPopulation;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.network.WeightInit;
import io.spikestream.network.checkpoint.CheckpointWriter;
import io.spikestream.plasticity.LearningRateControl;
import io.spikestream.plasticity.optim.OptimizerSpec;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Learning continues bit-identically across a checkpoint: for both rules, several optimizers and neuron models,
 * 1 and 2 threads, a network stopped at many steps, checkpointed, restored into a freshly built network and run on
 * ends with exactly the weights and the whole learning state (traces, moments, clocks, histories, wheels, pending
 * events, generator states) of a run that never stopped, compared as checkpoint bytes.
 */
class RuleCheckpointTest {

    private static final int STEPS = 420;
    private static final int[] STOPS = {0, 1, 2, 3, 57, 100, 211, 419};

    record Config(String name, boolean fast, String model, OptimizerSpec spec, boolean dale, double inputFlushMs,
                  boolean compact) {
        Config(String name, boolean fast, String model, OptimizerSpec spec, boolean dale, double inputFlushMs) {
            this(name, fast, model, spec, dale, inputFlushMs, false);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> configs() {
        OptimizerSpec gd = OptimizerSpec.gradientDescent(0.05);
        OptimizerSpec adam = OptimizerSpec.adam(0.01).withOptimizeEachStep(false);
        Config[] cs = {
            new Config("nest gd each step", false, "eprop_iaf", gd, false, 0),
            new Config("nest adam adaptive, input flush", false, "eprop_iaf_adapt", adam, false, 30),
            new Config("nest gd dale psc_delta", false, "eprop_iaf_psc_delta", gd.withBatchSize(4), true, 0),
            new Config("fast adam", true, "eprop_iaf", adam, false, 0),
            new Config("fast gd batch 3, input flush", true, "eprop_iaf", gd.withOptimizeEachStep(false).withBatchSize(3), false, 25),
            // the compact layout: the hot history (its ring and the synapses' folded start terms) restores mid-window
            new Config("fast adam compact", true, "eprop_iaf", adam, false, 0, true),
            new Config("fast gd batch 3, input flush, compact", true, "eprop_iaf",
                gd.withOptimizeEachStep(false).withBatchSize(3), false, 25, true),
        };
        return Stream.of(cs).flatMap(c -> Stream.of(Arguments.of(c, 1), Arguments.of(c, 2)));
    }

    static final class Net implements AutoCloseable {
        final Network net;
        final PlasticityRule rule;

        Net(Config c, int threads) {
            net = new Network(TimeGrid.of(1.0), threads, 5);
            rule = c.fast() ? FastEpropRule.install(net, c.spec()) : EpropRule.install(net, c.spec());
            if (rule instanceof EpropRule e) {
                e.enforceDale(c.dale());
            }
            if (c.compact()) {
                ((FastEpropRule) rule).setCompactLayout(true);
            }
            Map<String, Object> inParams = c.inputFlushMs() > 0 ? Map.of("flush_event_send_interval", c.inputFlushMs()) : Map.of();
            InputPopulation in = (InputPopulation) net.create("parrot_neuron", 20, inParams);
            in.setDrive(new PoissonDrive(20, 60.0, 1.0, 9));
            Map<String, Object> p = new HashMap<>(Map.of("C_m", 1.0, "E_L", 0.0, "V_m", 0.0, "V_th", 0.03,
                "tau_m", 20.0, "t_ref", 2.0, "surrogate_gradient_height", 1.0, "surrogate_gradient_width", 0.03,
                "c_reg", 0.5, "eprop_isi_trace_cutoff", 40.0));
            if (c.model().contains("adapt")) {
                p.put("adapt_beta", 0.02);
            }
            if (c.model().contains("psc_delta")) {
                p.put("V_reset", 0.0);
            }
            Population rec = net.create(c.model(), 30, p);
            ReadoutPopulation out = (ReadoutPopulation) net.create("eprop_readout", 3,
                Map.of("C_m", 1.0, "E_L", 0.0, "V_m", 0.0, "tau_m", 20.0, "eprop_isi_trace_cutoff", 40.0));
            WeightInit w = c.dale() ? WeightInit.uniform(0.0, 0.04) : WeightInit.normal(0.0, 0.03);
            net.connect(in, rec, Connectivity.allToAll(), SynapseSpec.of(EpropRule.SYNAPSE).weight(w));
            net.connect(rec, rec, Connectivity.pairwiseBernoulli(0.3, false),
                SynapseSpec.of(EpropRule.SYNAPSE).weight(c.dale() ? WeightInit.uniform(0.0, 0.01) : WeightInit.normal(0.0, 0.01)));
            net.connect(rec, out, Connectivity.allToAll(), SynapseSpec.of(EpropRule.SYNAPSE).weight(w));
            net.connect(out, rec, Connectivity.allToAll(), SynapseSpec.of(EpropRule.LEARNING_SIGNAL).weight(WeightInit.normal(0, 1)));
            out.setDrive((t, from, to, target, window) -> {
                for (int j = from; j < to; j++) {
                    target[j] = Math.sin(2 * Math.PI * t / 150.0 + j);
                    window[j] = t >= 2 ? 1.0 : 0.0;
                }
            });
            net.prepare();
        }

        /** The run's schedule: learning is switched off for a stretch in the middle, as a test phase would. */
        void run(long from, long to) {
            for (long t = from; t < to; ) {
                long next = t < 150 ? Math.min(to, 150) : t < 200 ? Math.min(to, 200) : to;
                ((LearningRateControl) rule).setEta(t >= 150 && t < 200 ? 0.0 : etaOf(rule));
                net.simulateSteps(next - t);
                t = next;
            }
        }

        byte[] state() {
            CheckpointWriter w = new CheckpointWriter(net.checkpointShape());
            net.addCheckpointSections(w);
            return w.toBytes();
        }

        @Override
        public void close() {
            net.close();
        }
    }

    private static double etaOf(PlasticityRule r) {
        return r instanceof EpropRule e ? e.optimizer().eta() : ((FastEpropRule) r).optimizer().eta();
    }

    @ParameterizedTest(name = "{0}, {1} thread(s)")
    @MethodSource("configs")
    void restoredLearningContinuesBitIdentically(Config c, int threads, @TempDir Path dir) throws Exception {
        byte[] reference;
        byte[] initial;
        try (Net n = new Net(c, threads)) {
            initial = n.state();
            n.run(0, STEPS);
            reference = n.state();
        }
        assertFalse(java.util.Arrays.equals(initial, reference), "the run must change the state");
        for (int stop : STOPS) {
            Path file = dir.resolve("stop-" + stop + ".ckpt");
            try (Net first = new Net(c, threads)) {
                first.run(0, stop);
                first.net.writeCheckpoint(file);
            }
            try (Net second = new Net(c, threads)) {
                second.net.restoreCheckpoint(file);
                assertEquals(stop, second.net.currentStep());
                second.run(stop, STEPS);
                assertArrayEquals(reference, second.state(), c + ", " + threads + " thread(s): restored at step " + stop);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void weightsMoveAndHistoriesHoldEntriesAtTheStops(Config c, int threads) {
        // guards the test above: restoring mid-window must actually carry traces and history
        if (threads != 1) {
            return;
        }
        try (Net n = new Net(c, 1)) {
            n.run(0, 100);
            long bytes = n.net.checkpointBytes();
            assertTrue(bytes > 20_000, "learning state of " + bytes + " bytes");
            if (n.rule instanceof EpropRule e) {
                int retained = 0;
                for (int j = 0; j < 30; j++) {
                    retained += e.historyLength(n.net.populations().get(1), j);
                }
                assertTrue(retained > 30, "histories hold entries at the stop: " + retained);
            }
        }
    }
}
