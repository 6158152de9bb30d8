package io.spikestream.network.checkpoint;

import io.spikestream.network.Connectivity;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.PoissonDrive;
import io.spikestream.network.Population;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.network.WeightInit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Every neuron model's own state is complete in a checkpoint: Poisson input through static synapses into a
 * population of the model (a readout model fed by a recurrent one), stopped, checkpointed, restored into a fresh
 * network and run on, ends in the state of an uninterrupted run.
 */
class ModelCheckpointTest {

    static Network build(String model, int threads) {
        Network net = new Network(TimeGrid.of(1.0), threads, 3);
        InputPopulation in = (InputPopulation) net.create("parrot_neuron", 20);
        in.setDrive(new PoissonDrive(20, 100.0, 1.0, 5));
        boolean readout = model.contains("readout") || model.equals("li_psc_exp");
        Population target;
        if (readout) {
            Population hidden = net.create("eprop_iaf", 10, Map.of("V_th", -69.8));
            net.connect(in, hidden, Connectivity.allToAll(), SynapseSpec.staticSynapse().weight(WeightInit.normal(0.1, 0.2)));
            target = net.create(model, 3);
            net.connect(hidden, target, Connectivity.allToAll(), SynapseSpec.staticSynapse().weight(WeightInit.normal(0.5, 0.5)));
        } else {
            target = net.create(model, 15);
            net.connect(in, target, Connectivity.allToAll(), SynapseSpec.staticSynapse().weight(WeightInit.normal(30, 40)));
            net.connect(target, target, Connectivity.pairwiseBernoulli(0.3, false),
                SynapseSpec.staticSynapse().weight(WeightInit.normal(0, 20)).delay(2));
        }
        net.prepare();
        return net;
    }

    static byte[] state(Network net) {
        CheckpointWriter w = new CheckpointWriter(net.checkpointShape());
        net.addCheckpointSections(w);
        return w.toBytes();
    }

    @ParameterizedTest
    @ValueSource(strings = {"eprop_iaf_bsshslm_2020", "eprop_iaf_adapt_bsshslm_2020", "eprop_readout_bsshslm_2020",
        "iaf_psc_exp_euler", "lif_psc_exp", "li_psc_exp"})
    void everyModelContinuesBitIdenticallyAfterARestore(String model, @TempDir Path dir) throws Exception {
        for (int threads : new int[] {1, 2}) {
            byte[] initial;
            byte[] reference;
            try (Network net = build(model, threads)) {
                initial = state(net);
                net.simulateSteps(200);
                reference = state(net);
            }
            assertFalse(java.util.Arrays.equals(initial, reference), model + ": the state must change");
            for (int stop : new int[] {1, 37, 150}) {
                Path file = dir.resolve(model + "-" + threads + "-" + stop + ".ckpt");
                try (Network first = build(model, threads)) {
                    first.simulateSteps(stop);
                    first.writeCheckpoint(file);
                }
                try (Network second = build(model, threads)) {
                    second.restoreCheckpoint(file);
                    second.simulateSteps(200 - stop);
                    assertArrayEquals(reference, state(second), model + ", " + threads + " thread(s), stop at " + stop);
                }
            }
        }
    }
}
