package io.spikestream.network;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectivityTest {

    private static long[] indegrees(Projection p) {
        long[] in = new long[p.target().size()];
        p.forEachSynapse((part, syn, s, t, w) -> in[t]++);
        return in;
    }

    @Test
    void fixedIndegreeGivesExactlyKWithoutAutapses() {
        try (Network net = new Network(TimeGrid.of(1.0), 2, 7)) {
            Population a = net.create("eprop_iaf", 200);
            Projection p = net.connect(a, a, Connectivity.fixedIndegree(30, false), SynapseSpec.staticSynapse());
            assertEquals(200 * 30, p.size());
            for (long k : indegrees(p)) {
                assertEquals(30, k);
            }
            p.forEachSynapse((part, syn, s, t, w) -> assertNotEquals(s, t, "autapse"));
        }
    }

    @Test
    void pairwiseBernoulliHasTheRightDensity() {
        try (Network net = new Network(TimeGrid.of(1.0), 1, 3)) {
            Population a = net.create("eprop_iaf", 1000);
            Projection p = net.connect(a, a, Connectivity.pairwiseBernoulli(0.1, false), SynapseSpec.staticSynapse());
            double expected = 0.1 * 1000 * 999;
            // binomial: std = sqrt(n p (1-p)) ~ 300; 5 sigma
            assertTrue(Math.abs(p.size() - expected) < 1500, "synapses " + p.size());
            p.forEachSynapse((part, syn, s, t, w) -> assertNotEquals(s, t));
        }
    }

    @Test
    void sameSeedSameNetworkDifferentSeedDifferentNetwork() {
        long a = fingerprint(11, 1);
        assertEquals(a, fingerprint(11, 1));
        assertEquals(a, fingerprint(11, 2), "the worker count must not change the connections");
        assertNotEquals(a, fingerprint(12, 1));
    }

    private static long fingerprint(long seed, int threads) {
        try (Network net = new Network(TimeGrid.of(1.0), threads, seed)) {
            Population a = net.create("eprop_iaf", 300);
            Projection p = net.connect(a, a, Connectivity.pairwiseBernoulli(0.05, false),
                SynapseSpec.staticSynapse().weight(WeightInit.normal(0, 1)));
            long[] h = {p.size()};
            // order-independent hash of (s, t, w)
            p.forEachSynapse((part, syn, s, t, w) -> h[0] += Long.rotateLeft((s * 1_000_003L + t) ^ Double.doubleToLongBits(w), s % 64));
            return h[0];
        }
    }

    @Test
    void allToAllAndOneToOne() {
        try (Network net = new Network(TimeGrid.of(1.0))) {
            Population a = net.create("parrot_neuron", 4);
            Population b = net.create("eprop_iaf", 3, Map.of());
            assertEquals(12, net.connect(a, b, Connectivity.allToAll(), SynapseSpec.staticSynapse()).size());
            assertEquals(6, net.connect(b, b, Connectivity.allToAll(false), SynapseSpec.staticSynapse()).size());
            assertEquals(3, net.connect(b, b, Connectivity.oneToOne(), SynapseSpec.staticSynapse()).size());
        }
    }
}
