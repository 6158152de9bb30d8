package io.spikestream.plasticity.eprop;

import io.spikestream.network.Connectivity;
import io.spikestream.network.EventList;
import io.spikestream.network.InputDrive;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.LifPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.PoissonDrive;
import io.spikestream.network.Projection;
import io.spikestream.network.ReadoutPopulation;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.network.WeightInit;
import io.spikestream.plasticity.optim.OptimizerSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Neurons at rest are skipped ({@link LifPopulation#resting}, the hot layout's calm history entries in
 * {@link FastEpropState.Recurrent#afterUpdate}) without changing a bit: the same network with skipping off computes
 * every neuron every step, and both give the same spikes, membranes and weights. The network goes through what
 * starts and ends a rest: input bursts separated by silences long enough for membranes and firing-rate averages to
 * decay to their fixed points (short time constants), flush events of neurons that spiked before, block starts of the
 * history (kappa = 0.5: blocks of 8 steps), learning signals that stop when the labels do, a population without
 * feedback that gets input only from the other, and one with feedback whose inputs never fire.
 */
class RestingNeuronsTest {

    private static final long STEPS = 5200;

    @ParameterizedTest(name = "threads={0}")
    @CsvSource({"1", "2"})
    void skippingRestingNeuronsChangesNothing(int threads) {
        Net skipping = new Net(threads, true);
        Net reference = new Net(threads, false);
        try (Network a = skipping.net; Network b = reference.net) {
            long fedResting = 0;
            long idleResting = 0;
            long flushes = 0;
            for (long t = 0; t < STEPS; t++) {
                a.simulateSteps(1);
                b.simulateSteps(1);
                // the same events, flush events of resting neurons included
                EventList ea = a.pendingEvents();
                EventList eb = b.pendingEvents();
                assertEquals(eb.count(), ea.count(), "events after step " + t);
                for (int i = 0; i < ea.count(); i++) {
                    assertEquals(eb.population(i), ea.population(i));
                    assertEquals(eb.local(i), ea.local(i));
                    assertEquals(eb.multiplicity(i), ea.multiplicity(i));
                    assertEquals(eb.isFlush(i), ea.isFlush(i));
                    flushes += ea.isFlush(i) ? 1 : 0;
                }
                fedResting += resting(a, skipping.fed) + resting(a, skipping.unfed);
                idleResting += resting(a, skipping.idle);
                assertEquals(0, resting(b, reference.fed) + resting(b, reference.unfed) + resting(b, reference.idle),
                    "the reference skips nothing");
            }
            // the spiking populations rest in the silences (their membranes reach 0 within about 750 steps), the idle
            // one from its first step on
            assertTrue(fedResting > 80L * 1000, "neuron-steps at rest: " + fedResting);
            assertEquals(20L * STEPS, idleResting);
            assertTrue(flushes > 100, "flush events: " + flushes);
            assertEquals(0, a.spikeCount(skipping.idle));
            assertTrue(a.spikeCount(skipping.fed) > 100, "the fed population spikes: " + a.spikeCount(skipping.fed));
            assertTrue(a.spikeCount(skipping.unfed) > 0, "the population without feedback spikes too");
            assertEquals(b.spikeCount(reference.fed), a.spikeCount(skipping.fed));
            assertEquals(b.spikeCount(reference.unfed), a.spikeCount(skipping.unfed));
            for (int j = 0; j < skipping.fed.size(); j++) {
                assertEquals(Double.doubleToRawLongBits(reference.fed.recordable("V_m").read(j)),
                    Double.doubleToRawLongBits(skipping.fed.recordable("V_m").read(j)), "V_m of fed neuron " + j);
                assertEquals(Double.doubleToRawLongBits(reference.unfed.recordable("V_m").read(j)),
                    Double.doubleToRawLongBits(skipping.unfed.recordable("V_m").read(j)), "V_m of unfed neuron " + j);
            }
            double[] w = skipping.weights();
            assertTrue(!java.util.Arrays.equals(w, skipping.initial), "the weights learned");
            assertArrayEquals(reference.weights(), w);
        }
    }

    /** The neurons of {@code p} at rest after the last step, over every worker's chunk. */
    private static long resting(Network net, LifPopulation p) {
        long n = 0;
        for (int k = 0; k < net.workers(); k++) {
            n += p.restingIn(p.chunkStart(k), p.chunkEnd(k));
        }
        return n;
    }

    /** The test network; {@code skip} false turns skipping off in both populations. */
    private static final class Net {
        final Network net;
        final LifPopulation fed;
        final LifPopulation unfed;
        final LifPopulation idle;
        final List<Projection> plastic = new ArrayList<>();
        final double[] initial;

        Net(int threads, boolean skip) {
            net = new Network(TimeGrid.of(1.0), threads, 21);
            FastEpropRule rule = FastEpropRule.install(net, OptimizerSpec.adam(1e-3).withOptimizeEachStep(false));
            // the hot layout (compact, kappa == kappa_reg) is the one that skips calm history entries
            rule.setCompactLayout(true);
            InputPopulation in = (InputPopulation) net.create("parrot_neuron", 20);
            in.setDrive(new Bursts(20));
            Map<String, Object> p = new HashMap<>(Map.of("C_m", 1.0, "E_L", 0.0, "V_m", 0.0, "V_th", 0.05,
                "tau_m", 1.0, "t_ref", 0.0, "kappa", 0.5, "kappa_reg", 0.5, "c_reg", 0.3, "f_target", 10.0));
            p.put("eprop_isi_trace_cutoff", 30.0);
            p.put("flush_event_send_interval", 150.0);
            p.put("surrogate_gradient_width", 0.02);
            // kappa 0.99: f_av still decays (by about 1 % a step) long after the membrane is at rest, so the rule must
            // not skip these neurons; kappa 0.5: f_av reaches 0 within the silences and the rule skips them too
            Map<String, Object> slow = new HashMap<>(p);
            slow.put("kappa", 0.99);
            slow.put("kappa_reg", 0.99);
            fed = (LifPopulation) net.create("eprop_iaf", 40, slow);
            unfed = (LifPopulation) net.create("eprop_iaf", 40, p);
            idle = (LifPopulation) net.create("eprop_iaf", 20, p);
            InputPopulation quietIn = (InputPopulation) net.create("parrot_neuron", 20);
            ReadoutPopulation out = (ReadoutPopulation) net.create("eprop_readout", 2,
                Map.of("C_m", 1.0, "E_L", 0.0, "V_m", 0.0, "tau_m", 2.0, "eprop_isi_trace_cutoff", 30.0));
            for (LifPopulation q : List.of(fed, unfed, idle)) {
                q.setRestSkipping(skip);
            }
            plastic.add(net.connect(in, fed, Connectivity.fixedIndegree(6, true),
                SynapseSpec.of(EpropRule.SYNAPSE).weight(WeightInit.normal(0.03, 0.01))));
            // plastic targets that never get a spike (their sources never fire), with feedback
            plastic.add(net.connect(quietIn, idle, Connectivity.fixedIndegree(5, false),
                SynapseSpec.of(EpropRule.SYNAPSE).weight(WeightInit.normal(0.0, 0.01))));
            plastic.add(net.connect(fed, fed, Connectivity.pairwiseBernoulli(0.1, false),
                SynapseSpec.of(EpropRule.SYNAPSE).weight(WeightInit.normal(0.0, 0.005))));
            plastic.add(net.connect(fed, unfed, Connectivity.pairwiseBernoulli(0.3, false),
                SynapseSpec.of(EpropRule.SYNAPSE).weight(WeightInit.normal(0.02, 0.01))));
            plastic.add(net.connect(fed, out, Connectivity.allToAll(),
                SynapseSpec.of(EpropRule.SYNAPSE).weight(WeightInit.normal(0.0, 0.05))));
            plastic.add(net.connect(unfed, out, Connectivity.allToAll(),
                SynapseSpec.of(EpropRule.SYNAPSE).weight(WeightInit.normal(0.0, 0.05))));
            net.connect(out, fed, Connectivity.allToAll(), SynapseSpec.of(EpropRule.LEARNING_SIGNAL)
                .weight(WeightInit.normal(0, 1)));
            net.connect(out, idle, Connectivity.allToAll(), SynapseSpec.of(EpropRule.LEARNING_SIGNAL)
                .weight(WeightInit.normal(0, 1)));
            // errors only while a label is given (t < 3000): afterwards the learning signals are 0
            out.setDrive((t, from, to, target, window) -> {
                for (int j = from; j < to; j++) {
                    target[j] = Math.sin(2 * Math.PI * t / 100.0 + j);
                    window[j] = t < 3000 ? 1.0 : 0.0;
                }
            });
            net.prepare();
            initial = weights();
        }


        double[] weights() {
            List<Double> w = new ArrayList<>();
            for (Projection q : plastic) {
                for (int k = 0; k < q.parts(); k++) {
                    Projection.Part part = q.part(k);
                    for (long i = 0; i < part.nnz; i++) {
                        w.add(part.weight(i));
                    }
                }
            }
            return w.stream().mapToDouble(Double::doubleValue).toArray();
        }
    }

    /** Poisson bursts of 150 steps at 0, 1700 and 3400, silent in between and after 3550. */
    private static final class Bursts implements InputDrive {
        private final PoissonDrive poisson;

        Bursts(int n) {
            poisson = new PoissonDrive(n, 60.0, 1.0, 5);
        }

        @Override
        public int spikesAt(long t, int[] local, int[] mult) {
            int k = poisson.spikesAt(t, local, mult);
            return t % 1700 < 150 && t < 3550 ? k : 0;
        }
    }
}
