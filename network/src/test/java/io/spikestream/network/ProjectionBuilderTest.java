package io.spikestream.network;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connections generated straight into the parts' segments ({@link ProjectionBuilder}): every connection lands in
 * its target's worker part, in its source's row, in connection order, with its own weight and delay.
 */
class ProjectionBuilderTest {

    @Test
    void everyConnectionKeepsItsWeightAndDelayInConnectionOrder() {
        int[] src = {3, 0, 3, 1, 3, 0, 2, 3};
        int[] tgt = {4, 1, 0, 4, 4, 5, 2, 1};
        double[] w = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8};
        double[] d = {1, 2, 3, 4, 5, 6, 7, 8};
        for (int threads = 1; threads <= 3; threads++) {
            try (Network net = new Network(TimeGrid.of(1.0), threads, 1)) {
                Population a = net.create("parrot_neuron", 4);
                Population b = net.create("eprop_iaf", 6);
                Projection p = net.connect(a, b, Connectivity.explicit(src, tgt),
                    SynapseSpec.staticSynapse().weight(WeightInit.values(w)).delays(d));
                assertEquals(8, p.size());
                assertEquals(-1, p.uniformDelay());
                assertEquals(8, p.maxDelay());
                // per (source, target): the weights in connection order
                List<String> seen = new ArrayList<>();
                for (int k = 0; k < p.parts(); k++) {
                    Projection.Part part = p.part(k);
                    for (int s = 0; s < 4; s++) {
                        for (long i = part.rowStart(s); i < part.rowEnd(s); i++) {
                            int t = part.target(i);
                            assertTrue(t >= b.chunkStart(k) && t < b.chunkEnd(k), "target " + t + " outside part " + k);
                            double weight = part.weight(i);
                            int q = (int) Math.round(weight * 10) - 1;
                            assertEquals(src[q], s);
                            assertEquals(tgt[q], t);
                            assertEquals((short) d[q], part.delays.getAtIndex(SynapseLayout.DELAY, i));
                            seen.add(s + ">" + t + ":" + q);
                        }
                    }
                }
                assertEquals(8, seen.size());
                // source 3 to target 4 twice (connections 0 and 4): in connection order within the row
                assertTrue(seen.indexOf("3>4:0") < seen.indexOf("3>4:4"), seen.toString());
            }
        }
    }

    @Test
    void countMismatchesAreRefusedByName() {
        try (Network net = new Network(TimeGrid.of(1.0))) {
            Population a = net.create("parrot_neuron", 2);
            Population b = net.create("eprop_iaf", 2);
            var e = assertThrows(IllegalArgumentException.class, () -> net.connect(a, b, Connectivity.allToAll(),
                SynapseSpec.staticSynapse().weight(WeightInit.values(new double[3]))));
            assertTrue(e.getMessage().contains("3 weights given for 4 connections"), e.getMessage());
            var f = assertThrows(IllegalArgumentException.class, () -> net.connect(a, b, Connectivity.allToAll(),
                SynapseSpec.staticSynapse().delays(new double[] {1, 1})));
            assertTrue(f.getMessage().contains("2 delays given for 4 connections"), f.getMessage());
        }
    }

    @Test
    void anEmptyProjectionHasUniformDelayOne() {
        try (Network net = new Network(TimeGrid.of(1.0), 2, 1)) {
            Population a = net.create("parrot_neuron", 2);
            Population b = net.create("eprop_iaf", 2);
            Projection p = net.connect(a, b, Connectivity.pairwiseBernoulli(0.0, false),
                SynapseSpec.staticSynapse().delay(3.0));
            assertEquals(0, p.size());
            assertEquals(1, p.uniformDelay());
        }
    }

    /**
     * The split of populations between workers: recurrent ones evenly, generators and parrots on worker 0, readout
     * populations of at most {@link Population#UNSPLIT_READOUTS} neurons whole on the last worker (so a plastic row into
     * them is one row, not one per worker), larger readout populations evenly again.
     */
    @Test
    void smallReadoutPopulationsBelongToTheLastWorkerWhole() {
        for (int threads = 1; threads <= 3; threads++) {
            try (Network net = new Network(TimeGrid.of(1.0), threads, 1)) {
                Population in = net.create("parrot_neuron", 5);
                Population rec = net.create("eprop_iaf", 30);
                Population few = net.create("eprop_readout", 10);
                Population many = net.create("eprop_readout", Population.UNSPLIT_READOUTS + 1);
                Projection toFew = net.connect(rec, few, Connectivity.allToAll(), SynapseSpec.staticSynapse());
                int last = threads - 1;
                for (int k = 0; k < threads; k++) {
                    assertEquals(k == 0 ? 5 : 0, in.chunkEnd(k) - in.chunkStart(k), "parrots of worker " + k);
                    assertEquals(30 / threads, rec.chunkEnd(k) - rec.chunkStart(k), "recurrent neurons of worker " + k);
                    assertEquals(k == last ? 10 : 0, few.chunkEnd(k) - few.chunkStart(k), "readouts of worker " + k);
                    int lo = (int) ((long) many.size() * k / threads);
                    int hi = (int) ((long) many.size() * (k + 1) / threads);
                    assertEquals(hi - lo, many.chunkEnd(k) - many.chunkStart(k), "large readout population, worker " + k);
                    // every spike of a recurrent neuron reaches the 10 readouts through one row, the last worker's
                    for (int s = 0; s < rec.size(); s++) {
                        Projection.Part part = toFew.part(k);
                        assertEquals(k == last ? 10 : 0, part.rowEnd(s) - part.rowStart(s), "row " + s + " of part " + k);
                    }
                }
            }
        }
    }
}
