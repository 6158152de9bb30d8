package io.spikestream.network;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The worker split set at {@link Network#prepare} ({@link WorkerSplit}): a small population with long rows goes whole
 * to one worker, the large one moves over to balance it, the projections are split again without losing or
 * reordering a synapse, and nothing a network computes depends on it.
 */
class WorkerSplitTest {

    /** The benchmark network's shape in small: inputs all-to-all into 600 neurons, each feeding 10 readouts. */
    private static Network benchmarkShape(int threads, List<Projection> projections) {
        Network net = new Network(TimeGrid.of(1.0), threads, 5);
        InputPopulation in = (InputPopulation) net.create("in", "parrot_neuron", 40, Map.of());
        in.setDrive(new PoissonDrive(40, 60.0, 1.0, 9));
        Population rec = net.create("rec", "eprop_iaf", 600, Map.of("V_th", 0.02, "C_m", 1.0, "E_L", 0.0, "V_m", 0.0,
            "t_ref", 2.0));
        Population out = net.create("out", "eprop_readout", 10, Map.of());
        projections.add(net.connect(in, rec, Connectivity.allToAll(),
            SynapseSpec.staticSynapse().weight(WeightInit.normal(0.01, 0.01))));
        projections.add(net.connect(rec, rec, Connectivity.fixedIndegree(20, false),
            SynapseSpec.staticSynapse().weight(WeightInit.normal(0.0, 0.01)).delay(2)));
        projections.add(net.connect(rec, out, Connectivity.allToAll(),
            SynapseSpec.staticSynapse().weight(WeightInit.normal(0.0, 0.1))));
        return net;
    }

    @Test
    void aSmallPopulationWithLongRowsGoesWholeToTheLastWorkerAndTheLargeOneBalancesIt() {
        List<Projection> projections = new ArrayList<>();
        try (Network net = benchmarkShape(2, projections)) {
            Population in = net.populations().get(0);
            Population rec = net.populations().get(1);
            Population out = net.populations().get(2);
            assertEquals(300, rec.chunkEnd(0), "created split evenly");
            net.prepare();
            assertEquals(0, out.chunkEnd(0) - out.chunkStart(0), "readouts whole on worker 1");
            assertEquals(10, out.chunkEnd(1) - out.chunkStart(1));
            assertEquals(40, in.chunkEnd(0), "parrots stay on worker 0");
            // the readouts cost 10 x (100 + 600 synapses) + 600 rows x 8: worker 0 takes more of rec to match
            int r0 = rec.chunkEnd(0);
            assertTrue(r0 > 300 && r0 < 360, "rec split " + r0 + " / " + (600 - r0));
            assertEquals(rec.chunkEnd(0), rec.chunkStart(1));
            assertEquals(600, rec.chunkEnd(1));
            for (Projection p : projections) {
                long n = 0;
                for (int k = 0; k < p.parts(); k++) {
                    Projection.Part part = p.part(k);
                    n += part.nnz;
                    for (long i = 0; i < part.nnz; i++) {
                        int t = part.target(i);
                        assertTrue(t >= p.target().chunkStart(k) && t < p.target().chunkEnd(k),
                            p + ": target " + t + " in part " + k);
                    }
                }
                assertEquals(p.size(), n, p + " keeps every synapse");
            }
        }
    }

    @Test
    void spikesAndWeightsDoNotDependOnTheSplit() {
        long[][] reference = null;
        double[][] referenceWeights = null;
        for (int threads = 1; threads <= 3; threads++) {
            List<Projection> projections = new ArrayList<>();
            try (Network net = benchmarkShape(threads, projections)) {
                SpikeRecorder rec = net.recordSpikes(net.populations().get(1), 0, 1e9);
                net.simulate(300.0);
                long[] spikes = new long[rec.count()];
                for (int i = 0; i < spikes.length; i++) {
                    spikes[i] = rec.stamp(i) * 1_000_000 + rec.sender(i);
                }
                assertTrue(spikes.length > 500, "the network must be active: " + spikes.length + " spikes");
                double[][] w = canonicalWeights(projections);
                if (reference == null) {
                    reference = new long[][] {spikes};
                    referenceWeights = w;
                } else {
                    assertArrayEquals(reference[0], spikes, threads + " workers: the same spikes in the same order");
                    for (int p = 0; p < w.length; p++) {
                        assertArrayEquals(referenceWeights[p], w[p], threads + " workers: projection " + p);
                    }
                }
                if (threads == 2) {
                    assertEquals(0, net.populations().get(2).chunkEnd(0), "the split was moved in this run");
                }
            }
        }
    }

    @Test
    void weightsSetAfterConnectSurviveTheNewSplit() {
        List<Projection> projections = new ArrayList<>();
        try (Network net = benchmarkShape(2, projections)) {
            Projection toOut = projections.get(2);
            Projection.Part part = toOut.part(0);
            // source 7's synapse onto readout 3 lies in part 0 (readouts 0-4) before the split moves
            long syn = -1;
            for (long i = part.rowStart(7); i < part.rowEnd(7); i++) {
                if (part.target(i) == 3) {
                    syn = i;
                }
            }
            assertTrue(syn >= 0);
            part.setWeight(syn, 123.5);
            net.prepare();
            assertEquals(0, toOut.part(0).nnz, "part 0 emptied");
            Projection.Part now = toOut.part(1);
            int found = 0;
            for (long i = now.rowStart(7); i < now.rowEnd(7); i++) {
                if (now.target(i) == 3) {
                    assertEquals(123.5, now.weight(i));
                    found++;
                }
            }
            assertEquals(1, found);
        }
    }

    @Test
    void evenlyCostedPopulationsKeepTheirSplitAndParts() {
        try (Network net = new Network(TimeGrid.of(1.0), 2, 3)) {
            Population in = net.create("parrot_neuron", 50);
            Population a = net.create("eprop_iaf", 400, Map.of());
            Projection p = net.connect(in, a, Connectivity.fixedIndegree(10, false), SynapseSpec.staticSynapse().weight(0.1));
            Projection.Part part0 = p.part(0);
            net.prepare();
            assertEquals(200, a.chunkEnd(0));
            assertSame(part0, p.part(0), "no new split, no copy");
        }
    }

    @Test
    void aResplitKeepsEachPairsSynapsesInOrderWithTheirDelays() {
        int[] src = {3, 0, 3, 1, 3, 0, 2, 3, 1};
        int[] tgt = {4, 1, 0, 4, 4, 5, 2, 1, 0};
        double[] w = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
        double[] d = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        try (Network net = new Network(TimeGrid.of(1.0), 3, 1)) {
            Population a = net.create("parrot_neuron", 4);
            Population b = net.create("eprop_iaf", 6);
            Projection p = net.connect(a, b, Connectivity.explicit(src, tgt),
                SynapseSpec.staticSynapse().weight(WeightInit.values(w)).delays(d));
            Projection.Part old = p.part(0);
            b.chunk = new int[] {0, 1, 1, 6};
            ProjectionBuilder.resplit(p, 3);
            assertFalse(old.weights.scope().isAlive(), "the old parts are freed");
            List<String> seen = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                Projection.Part part = p.part(k);
                for (int s = 0; s < 4; s++) {
                    for (long i = part.rowStart(s); i < part.rowEnd(s); i++) {
                        int t = part.target(i);
                        assertTrue(t >= b.chunkStart(k) && t < b.chunkEnd(k), "target " + t + " outside part " + k);
                        int q = (int) Math.round(part.weight(i) * 10) - 1;
                        assertEquals(src[q], s);
                        assertEquals(tgt[q], t);
                        assertEquals((short) d[q], part.delays.getAtIndex(SynapseLayout.DELAY, i));
                        seen.add(s + ">" + t + ":" + q);
                    }
                }
            }
            assertEquals(9, seen.size());
            assertTrue(seen.indexOf("3>4:0") < seen.indexOf("3>4:4"), "the multapse in connection order: " + seen);
            assertEquals(0, p.part(1).nnz);
        }
    }

    private static double[][] canonicalWeights(List<Projection> projections) {
        double[][] out = new double[projections.size()][];
        for (int i = 0; i < out.length; i++) {
            Projection p = projections.get(i);
            double[] m = new double[p.source().size() * p.target().size()];
            p.forEachSynapse((part, syn, s, t, x) -> m[s * p.target().size() + t] += x);
            out[i] = m;
        }
        return out;
    }
}
