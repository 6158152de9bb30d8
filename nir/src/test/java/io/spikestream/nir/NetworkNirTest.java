package io.spikestream.nir;

import io.spikestream.network.Connectivity;
import io.spikestream.network.Network;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.SynapseModel;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.network.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's side: a sparse network's projections read as matrices, written to NIR, read back into a network
 * built dense (what the importer builds), whose weights then equal the sparse network's bit for bit (absent synapses
 * are zero-weight synapses there); delays other than one step and mismatched shapes refused.
 */
class NetworkNirTest {

    @TempDir
    Path dir;

    record Built(Network net, Population hidden, Population readout, Projection in, Projection rec, Projection out) {
    }

    static Built build(boolean dense, long seed, double delayMs) {
        Network net = new Network(TimeGrid.of(1.0), 1, seed);
        Population in = net.create("input", "parrot_neuron", 9, Map.of());
        Population hidden = net.create("recurrent", "eprop_iaf", 6, Map.of("C_m", 1.0, "E_L", 0.0, "V_m", 0.0,
            "V_th", 0.6, "t_ref", 0.0, "tau_m", 30.0));
        Population readout = net.create("readout", "eprop_readout", 3, Map.of("C_m", 1.0, "tau_m", 100.0));
        SynapseSpec syn = SynapseSpec.of(SynapseModel.STATIC).weight(WeightInit.normal(0, 0.5)).delay(delayMs);
        Projection pIn = net.connect(in, hidden, dense ? Connectivity.allToAll(true) : Connectivity.pairwiseBernoulli(0.4, true), syn);
        Projection pRec = net.connect(hidden, hidden, dense ? Connectivity.allToAll(false) : Connectivity.pairwiseBernoulli(0.3, false), syn);
        Projection pOut = net.connect(hidden, readout, Connectivity.allToAll(true), syn);
        return new Built(net, hidden, readout, pIn, pRec, pOut);
    }

    @Test
    void sparseNetworkThroughNirIntoADenseOneKeepsEveryWeight() {
        Built sparse = build(false, 7, 1.0);
        RecurrentSpec s = NetworkNir.spec(sparse.hidden(), sparse.readout(), sparse.in(), sparse.rec(), sparse.out(), 1.0);
        long zeros = java.util.Arrays.stream(s.wIn()).flatMapToDouble(java.util.Arrays::stream).filter(w -> w == 0).count();
        assertTrue(zeros > 10, "sparse input projection: " + zeros + " absent synapses");
        Path file = dir.resolve("net.nir");
        NirFile.write(NirExport.toGraph(s, false).graph(), file);
        RecurrentSpec back = NirImport.toSpec(NirFile.read(file), 1.0, 1.0);
        assertEquals(s.rec(), back.rec());

        Built dense = build(true, 99, 1.0);
        NetworkNir.setWeights(dense.in(), back.wIn());
        NetworkNir.setWeights(dense.rec(), back.wRec());
        NetworkNir.setWeights(dense.out(), back.wOut());
        RecurrentSpec again = NetworkNir.spec(dense.hidden(), dense.readout(), dense.in(), dense.rec(), dense.out(), 1.0);
        RoundTripTest.assertSameWeights(s.wIn(), again.wIn());
        RoundTripTest.assertSameWeights(s.wRec(), again.wRec());
        RoundTripTest.assertSameWeights(s.wOut(), again.wOut());
        assertEquals(9 * 6, dense.in().size());
    }

    @Test
    void weightsWithoutASynapseAreRefusedByPosition() {
        Built sparse = build(false, 7, 1.0);
        double[][] full = new double[6][9];
        for (double[] row : full) {
            java.util.Arrays.fill(row, 0.5);
        }
        NirException e = assertThrows(NirException.class, () -> NetworkNir.setWeights(sparse.in(), full));
        assertTrue(e.getMessage().startsWith("projection input -> recurrent: weight ["), e.getMessage());
        NirException shape = assertThrows(NirException.class, () -> NetworkNir.setWeights(sparse.in(), new double[9][6]));
        assertTrue(shape.getMessage().contains("weights are 9x6, the projection joins 9 -> 6 neurons"), shape.getMessage());
    }

    @Test
    void delaysOtherThanOneStepAreRefused() {
        Built slow = build(false, 7, 2.0);
        NirException e = assertThrows(NirException.class, () -> NetworkNir.matrix(slow.rec()));
        assertTrue(e.getMessage().contains("projection recurrent -> recurrent: delay is 2 steps; a NIR edge is one step"),
            e.getMessage());
    }
}
