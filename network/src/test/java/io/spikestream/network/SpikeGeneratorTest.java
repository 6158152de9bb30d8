package io.spikestream.network;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NEST 3.10's spike_generator -> parrot_neuron -> spike_recorder path: coinciding spike times are separate
 * generator events, the parrot relays them one step later as one event carrying their number, the recorder
 * writes one row per spike, and a target summing the parrot's weight gets it added once per spike.
 */
class SpikeGeneratorTest {

    @Test
    void coincidingTimesReachTheRecorderAsSeparateRowsOneStepLater() {
        try (Network net = new Network(TimeGrid.of(1.0))) {
            SpikeGeneratorPopulation gen = (SpikeGeneratorPopulation) net.create("spike_generator", 2);
            Population parrots = net.create("parrot_neuron", 2);
            net.connect(gen, parrots, Connectivity.oneToOne(), SynapseSpec.staticSynapse());
            gen.setSpikeTimes(0, new double[] {2.0, 2.0, 2.0, 5.0});
            gen.setSpikeTimes(1, new double[] {4.0}, new int[] {2});
            SpikeRecorder sr = net.recordSpikes(parrots, 0.0, 1e300);
            net.simulate(8.0);
            // generator time T (stamp T) reaches the parrot with delay 1 in step T, which re-emits with stamp T+1
            long[][] expected = {{3, 0}, {3, 0}, {3, 0}, {5, 1}, {5, 1}, {6, 0}};
            assertEquals(expected.length, sr.count());
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i][0], sr.stamp(i), "row " + i);
                assertEquals(parrots.globalOffset() + (int) expected[i][1], sr.sender(i), "row " + i);
            }
        }
    }

    @Test
    void aStrongStaticInputFromAGeneratorMakesANeuronFireInTheNextStep() {
        try (Network net = new Network(TimeGrid.of(1.0))) {
            SpikeGeneratorPopulation gen = (SpikeGeneratorPopulation) net.create("spike_generator", 1);
            Population rec = net.create("eprop_iaf", 3);
            net.connect(gen, rec, Connectivity.allToAll(), SynapseSpec.staticSynapse().weight(1000.0));
            gen.setSpikeTimes(0, new double[] {4.0});
            SpikeRecorder sr = net.recordSpikes(rec, 0.0, 1e300);
            net.simulate(5.0); // steps 0..4: spikes up to stamp 5
            assertEquals(3, sr.count());
            for (int i = 0; i < 3; i++) {
                assertEquals(5, sr.stamp(i));
            }
        }
    }

    @Test
    void aParrotsCoincidingSpikesAddTheWeightOncePerSpike() {
        // NEST unrolls a neuron's event of multiplicity m into m deliveries: x + w + w + w, not x + 3w
        double w = 0.1;
        double x = 0.7;
        try (Network net = new Network(TimeGrid.of(1.0))) {
            SpikeGeneratorPopulation gen = (SpikeGeneratorPopulation) net.create("spike_generator", 2);
            Population parrots = net.create("parrot_neuron", 2);
            Population out = net.create("eprop_readout", 1, Map.of("tau_m", 1e300, "C_m", 1.0));
            net.connect(gen, parrots, Connectivity.oneToOne(), SynapseSpec.staticSynapse());
            net.connect(parrots, out, Connectivity.explicit(new int[] {0, 1}, new int[] {0, 0}),
                SynapseSpec.staticSynapse().weight(WeightInit.values(new double[] {x, w})));
            gen.setSpikeTimes(0, new double[] {1.0});
            gen.setSpikeTimes(1, new double[] {1.0, 1.0, 1.0});
            Multimeter mm = net.multimeter(java.util.List.of("V_m"), 0.0, 1e300, 1.0);
            net.addToMultimeter(mm, out, 0);
            net.simulate(5.0);
            double unrolled = ((x + w) + w) + w;
            assertTrue(unrolled != x + 3 * w, "the test needs sums that round differently");
            double last = mm.value(mm.rows() - 1, "V_m");
            assertEquals(unrolled, last, 0.0);
        }
    }

    @Test
    void timesOffTheGridAreRejectedUnlessAllowed() {
        try (Network net = new Network(TimeGrid.of(1.0))) {
            SpikeGeneratorPopulation gen = (SpikeGeneratorPopulation) net.create("spike_generator", 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> gen.setSpikeTimes(0, new double[] {1.5}));
            assertTrue(e.getMessage().contains("not representable"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> gen.setSpikeTimes(0, new double[] {3.0, 2.0}));
            assertThrows(IllegalArgumentException.class, () -> gen.setSpikeTimes(0, new double[] {0.0}));
            SpikeGeneratorPopulation off = (SpikeGeneratorPopulation) net.create("spike_generator", 1,
                Map.of("allow_offgrid_times", true));
            off.setSpikeTimes(0, new double[] {1.5});
            Population parrots = net.create("parrot_neuron", 1);
            net.connect(off, parrots, Connectivity.oneToOne(), SynapseSpec.staticSynapse());
            SpikeRecorder sr = net.recordSpikes(parrots, 0.0, 1e300);
            net.simulate(5.0);
            assertEquals(1, sr.count());
            assertEquals(3, sr.stamp(0)); // 1.5 ms moves to the end of its step (2), relayed at 3
        }
    }
}
