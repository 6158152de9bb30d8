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
}
