package io.spikestream.network.checkpoint;

import io.spikestream.network.Connectivity;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.PoissonDrive;
import io.spikestream.network.Population;
import io.spikestream.network.ReadoutPopulation;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.network.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's own state (no learning rule): neurons of every model, input rings with several delays, pending
 * events, Poisson generators. Stopping at any step, checkpointing, restoring into a fresh network and continuing
 * ends in exactly the state of an uninterrupted run (compared as checkpoint bytes, which hold the whole state).
 */
class EngineCheckpointTest {

    static final int STEPS = 300;

    static Network build(int threads) {
        Network net = new Network(TimeGrid.of(1.0), threads, 7);
        InputPopulation in = (InputPopulation) net.create("parrot_neuron", 30, Map.of("flush_event_send_interval", 40.0));
        in.setDrive(new PoissonDrive(30, 80.0, 1.0, 11));
        Population a = net.create("eprop_iaf_adapt", 25, Map.of("V_th", -69.5, "t_ref", 2.0, "adapt_beta", 0.5));
        Population b = net.create("eprop_iaf_psc_delta", 20, Map.of("V_th", -69.7, "refractory_input", true, "t_ref", 3.0));
        ReadoutPopulation out = (ReadoutPopulation) net.create("eprop_readout", 4, Map.of());
        double[] delays = new double[30 * 25];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < delays.length; i++) {
            delays[i] = 1 + r.nextInt(5);
        }
        net.connect(in, a, Connectivity.allToAll(), SynapseSpec.staticSynapse().weight(WeightInit.normal(0.2, 0.3)).delays(delays));
        net.connect(in, b, Connectivity.pairwiseBernoulli(0.5, true), SynapseSpec.staticSynapse().weight(WeightInit.uniform(0, 0.6)).delay(2));
        net.connect(a, b, Connectivity.fixedIndegree(5, false), SynapseSpec.staticSynapse().weight(WeightInit.normal(0.1, 0.2)).delay(3));
        net.connect(b, a, Connectivity.pairwiseBernoulli(0.2, false), SynapseSpec.staticSynapse().weight(-0.1));
        net.connect(a, out, Connectivity.allToAll(), SynapseSpec.staticSynapse().weight(WeightInit.normal(0, 1)));
        // a stateless drive (a pure function of t) needs no section of its own
        out.setDrive((t, from, to, target, window) -> {
            for (int j = from; j < to; j++) {
                target[j] = Math.sin(t / 30.0 + j);
                window[j] = t % 50 < 25 ? 1.0 : 0.0;
            }
        });
        net.prepare();
        return net;
    }

    static byte[] state(Network net) {
        CheckpointWriter w = new CheckpointWriter(net.checkpointShape());
        net.addCheckpointSections(w);
        return w.toBytes();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void restoreAtManyStepsContinuesBitIdentically(int threads, @TempDir Path dir) throws Exception {
        byte[] reference;
        long spikes;
        try (Network net = build(threads)) {
            net.simulateSteps(STEPS);
            reference = state(net);
            spikes = net.spikeCount(net.populations().get(1)) + net.spikeCount(net.populations().get(2));
        }
        assertTrue(spikes > 100, "the network must be active for the comparison to mean anything: " + spikes);
        for (int stop : new int[] {0, 1, 2, 3, 41, 100, 157, 299}) {
            Path file = dir.resolve("at-" + stop + ".ckpt");
            try (Network first = build(threads)) {
                first.simulateSteps(stop);
                first.writeCheckpoint(file);
            }
            try (Network second = build(threads)) {
                second.restoreCheckpoint(file);
                assertEquals(stop, second.currentStep());
                second.simulateSteps(STEPS - stop);
                assertArrayEquals(reference, state(second), "state after restoring at step " + stop + " (" + threads + " threads)");
            }
        }
    }

    @Test
    void checkpointAndSimulationAlternateWithoutDrift(@TempDir Path dir) throws Exception {
        byte[] reference;
        try (Network net = build(2)) {
            net.simulateSteps(STEPS);
            reference = state(net);
        }
        // a chain: each network runs a stretch, checkpoints, and the next one continues from its file
        Path file = dir.resolve("chain.ckpt");
        int done = 0;
        int[] stretches = {17, 1, 60, 33, 89, 100};
        for (int s : stretches) {
            try (Network net = build(2)) {
                if (done > 0) {
                    net.restoreCheckpoint(file);
                }
                net.simulateSteps(s);
                done += s;
                net.writeCheckpoint(file);
            }
        }
        assertEquals(STEPS, done);
        try (Network net = build(2)) {
            net.restoreCheckpoint(file);
            assertArrayEquals(reference, state(net));
        }
    }

    @Test
    void pendingEventsAndInputRingsAreNotEmptyAtTheTestedStops() throws Exception {
        // guards the test above: it would prove little if the restored network had nothing in flight
        try (Network net = build(1)) {
            int withPending = 0;
            for (int s = 0; s < 100; s++) {
                net.simulateSteps(1);
                if (net.pendingEvents().count() > 0) {
                    withPending++;
                }
            }
            assertTrue(withPending > 50, "steps with events pending: " + withPending);
            assertTrue(Arrays.stream(net.populations().get(1).inputRing()).anyMatch(v -> v != 0.0),
                "input ring holds future input");
        }
    }

    @Test
    void anotherShapeIsRefusedBeforeAnyStateChanges(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("a.ckpt");
        try (Network net = build(1)) {
            net.simulateSteps(10);
            net.writeCheckpoint(file);
        }
        try (Network other = build(2)) {
            byte[] before = state(other);
            CheckpointException e = assertThrows(CheckpointException.class, () -> other.restoreCheckpoint(file));
            assertEquals(CheckpointException.Kind.INCOMPATIBLE_SHAPE, e.kind());
            assertTrue(e.getMessage().contains("workers=1") && e.getMessage().contains("workers=2"), e.getMessage());
            assertArrayEquals(before, state(other), "nothing restored");
        }
    }

    @Test
    void splitMix64IsSplittableRandom() {
        SplittableRandom a = new SplittableRandom(42);
        io.spikestream.network.SplitMix64 b = new io.spikestream.network.SplitMix64(42);
        for (int i = 0; i < 1000; i++) {
            assertEquals(a.nextLong(), b.nextLong());
            assertEquals(Double.doubleToRawLongBits(a.nextDouble()), Double.doubleToRawLongBits(b.nextDouble()));
        }
        SplittableRandom as = a.split();
        io.spikestream.network.SplitMix64 bs = b.split();
        for (int i = 0; i < 1000; i++) {
            assertEquals(as.nextLong(), bs.nextLong());
        }
        long[] st = bs.state();
        io.spikestream.network.SplitMix64 c = io.spikestream.network.SplitMix64.ofState(st[0], st[1]);
        for (int i = 0; i < 10; i++) {
            assertEquals(as.nextLong(), c.nextLong(), "a generator restored from its state continues the stream");
        }
    }
}
