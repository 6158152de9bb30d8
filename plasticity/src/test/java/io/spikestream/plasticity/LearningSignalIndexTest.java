package io.spikestream.plasticity;

import io.spikestream.network.Connectivity;
import io.spikestream.network.Network;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.SynapseModel;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.network.WeightInit;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The learning-signal index: per target, entries in ascending global source id, sums in that order bit for bit. */
class LearningSignalIndexTest {

    @Test
    void entriesFollowGlobalSourceOrderAndSumsMatchThatOrder() {
        for (int threads = 1; threads <= 2; threads++) {
            try (Network net = new Network(TimeGrid.of(1.0), threads, 9)) {
                net.registerSynapseModel(new SynapseModel("signal", null, false));
                Population rec = net.create("eprop_iaf", 7);
                Population outA = net.create("eprop_readout", 3);
                Population outB = net.create("eprop_readout", 2);
                // connected in an order other than the populations' ids; B feeds twice (two projections)
                Projection fromB = net.connect(outB, rec, Connectivity.allToAll(), SynapseSpec.of("signal").weight(WeightInit.normal(0, 1)));
                Projection fromA = net.connect(outA, rec, Connectivity.pairwiseBernoulli(0.6, false),
                    SynapseSpec.of("signal").weight(WeightInit.normal(0, 1)));
                Projection fromB2 = net.connect(outB, rec, Connectivity.allToAll(),
                    SynapseSpec.of("signal").weight(WeightInit.uniform(-1, 1)));
                LearningSignalIndex idx = LearningSignalIndex.build(rec, List.of(fromB, fromA, fromB2));
                assertEquals(5, idx.slots());
                assertEquals(outA, idx.source(0));
                assertEquals(outB, idx.source(1));
                double[] err = {0.3, -1.7, 2.9, 1e-3, -4.1};
                for (int j = 0; j < rec.size(); j++) {
                    // reference: (global source id, projection order) ascending, as NEST delivers them
                    List<double[]> ref = new ArrayList<>();
                    for (Projection p : List.of(fromA, fromB, fromB2)) {
                        int base = p.source() == outA ? 0 : 3;
                        int jj = j;
                        p.forEachSynapse((part, syn, s, t, w) -> {
                            if (t == jj) {
                                ref.add(new double[] {p.source().globalOffset() + s, base + s, w});
                            }
                        });
                    }
                    ref.sort((x, y) -> Double.compare(x[0], y[0]));
                    assertEquals(ref.size(), idx.end(j) - idx.start(j));
                    double sum = 0.0;
                    for (int q = 0; q < ref.size(); q++) {
                        int i = idx.start(j) + q;
                        assertEquals((int) ref.get(q)[1], idx.slot(i));
                        assertEquals(ref.get(q)[2], idx.weight(i));
                        sum += ref.get(q)[2] * err[(int) ref.get(q)[1]];
                    }
                    assertEquals(sum, idx.signal(j, err));
                    assertTrue(idx.bytes() > 0);
                }
            }
        }
    }
}
