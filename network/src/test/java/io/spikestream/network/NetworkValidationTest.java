package io.spikestream.network;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Invalid parameters are rejected with a message naming what is wrong. */
class NetworkValidationTest {

    private static void assertRejected(String fragment, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' should mention '" + fragment + "'");
    }

    @Test
    void negativeTimeConstants() {
        Network net = new Network(TimeGrid.of(1.0));
        assertRejected("tau_m > 0", () -> net.create("eprop_iaf", 1, Map.of("tau_m", -5.0)));
        assertRejected("adapt_tau > 0", () -> net.create("eprop_iaf_adapt", 1, Map.of("adapt_tau", 0.0)));
        assertRejected("C_m > 0", () -> net.create("eprop_readout", 1, Map.of("C_m", -1.0)));
        assertRejected("t_ref >= 0", () -> net.create("eprop_iaf", 1, Map.of("t_ref", -1.0)));
        assertRejected("kappa", () -> net.create("eprop_iaf", 1, Map.of("kappa", 1.5)));
    }

    @Test
    void unknownNamesAndWrongTypes() {
        Network net = new Network(TimeGrid.of(1.0));
        assertRejected("unknown parameter 'tau_syn'", () -> net.create("eprop_iaf", 1, Map.of("tau_syn", 2.0)));
        assertRejected("unknown neuron model 'iaf_psc_alpha'", () -> net.create("iaf_psc_alpha", 1));
        assertRejected("expects a double", () -> net.create("eprop_iaf", 1, Map.of("tau_m", "ten")));
        Population a = net.create("eprop_iaf", 2);
        assertRejected("unknown synapse model 'stdp_synapse'",
            () -> net.connect(a, a, Connectivity.allToAll(), SynapseSpec.of("stdp_synapse")));
    }

    @Test
    void delaysBelowResolutionAndConnectionRules() {
        Network net = new Network(TimeGrid.of(1.0));
        Population a = net.create("eprop_iaf", 3);
        Population in = net.create("parrot_neuron", 3);
        assertRejected("below the resolution", () -> net.connect(a, a, Connectivity.allToAll(), SynapseSpec.staticSynapse().delay(0.5)));
        assertRejected("p must lie in [0, 1]", () -> Connectivity.pairwiseBernoulli(1.2, false));
        assertRejected("p must lie in [0, 1]", () -> Connectivity.pairwiseBernoulli(-0.1, false));
        assertRejected("indegree must be >= 0", () -> Connectivity.fixedIndegree(-1, false));
        assertRejected("exceeds the 2 admissible sources",
            () -> net.connect(a, a, new Connectivity.FixedIndegree(3, false, false), SynapseSpec.staticSynapse()));
        assertRejected("static_synapse only", () -> net.connect(a, in, Connectivity.allToAll(),
            SynapseSpec.of(SynapseModel.RATE_CONNECTION_DELAYED)));
        Population gen = net.create("spike_generator", 2);
        assertRejected("takes no input", () -> net.connect(a, gen, Connectivity.allToAll(), SynapseSpec.staticSynapse()));
        assertRejected("outside the populations", () -> net.connect(a, a, Connectivity.explicit(new int[] {0}, new int[] {7}),
            SynapseSpec.staticSynapse()));
        assertRejected("resolution must be a positive", () -> TimeGrid.of(-1.0));
    }

    @Test
    void nestTimeRounding() {
        TimeGrid g = TimeGrid.of(0.1);
        assertEquals(20, g.steps(2.0));
        assertEquals(21, g.steps(2.05)); // ceil in tics: 2050 tics / 100 per step
        assertEquals(TimeGrid.NEVER, g.steps(Double.POSITIVE_INFINITY));
        assertEquals(TimeGrid.NEVER, g.steps(1.7976931348623157e308));
        assertEquals(0, TimeGrid.of(1.0).steps(0.0));
    }

    @Test
    void topologyIsFrozenOnceSimulating() {
        Network net = new Network(TimeGrid.of(1.0));
        Population a = net.create("eprop_iaf", 2);
        net.simulate(1.0);
        assertThrows(IllegalStateException.class, () -> net.create("eprop_iaf", 1));
        assertThrows(IllegalStateException.class, () -> net.connect(a, a, Connectivity.allToAll(), SynapseSpec.staticSynapse()));
        net.close();
    }
}
