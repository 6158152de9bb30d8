package io.spikestream.network;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Propagators and update order of the neuron models against closed-form solutions. */
class NeuronDynamicsTest {

    private static Multimeter record(Network net, Population p, String... q) {
        Multimeter m = net.multimeter(List.of(q), 0.0, 1e9, 1.0);
        net.addToMultimeter(m, p, 0);
        return m;
    }

    @Test
    void freeMembraneDecaysExponentiallyToRest() {
        try (Network net = new Network(TimeGrid.of(0.1))) {
            Population p = net.create("eprop_iaf", 1, Map.of("E_L", -70.0, "V_m", -60.0, "V_th", 100.0, "tau_m", 20.0));
            Multimeter m = record(net, p, "V_m");
            net.simulate(50.0);
            for (int r = 0; r < m.rows(); r++) {
                double t = m.timeSteps(r) * 0.1;
                assertEquals(-70.0 + 10.0 * Math.exp(-t / 20.0), m.value(r, 0), 1e-11, "t=" + t);
            }
        }
    }

    @Test
    void constantCurrentChargesTowardsTauOverC() {
        // I_e enters through i_in, so it acts from the second step: v(k) = I tau/C (1 - P^(k-1))
        double tau = 10.0;
        double c = 2.0;
        double ie = 0.5;
        try (Network net = new Network(TimeGrid.of(1.0))) {
            Population p = net.create("eprop_iaf", 1, Map.of("E_L", 0.0, "V_m", 0.0, "V_th", 1e6, "tau_m", tau, "C_m", c, "I_e", ie));
            Multimeter m = record(net, p, "V_m");
            net.simulate(100.0);
            for (int r = 0; r < m.rows(); r++) {
                long k = m.timeSteps(r); // state after loop step k-1
                double expected = ie * tau / c * (1 - Math.exp(-(k - 1) / tau));
                assertEquals(expected, m.value(r, 0), 1e-12, "step " + k);
            }
        }
    }

    @Test
    void psc_deltaAppliesTheCurrentFromTheFirstStep() {
        double tau = 10.0;
        try (Network net = new Network(TimeGrid.of(1.0))) {
            Population p = net.create("eprop_iaf_psc_delta", 1, Map.of("E_L", 0.0, "V_m", 0.0, "V_th", 1e6, "V_reset", 0.0,
                "tau_m", tau, "C_m", 1.0, "I_e", 0.2));
            Multimeter m = record(net, p, "V_m");
            net.simulate(40.0);
            for (int r = 0; r < m.rows(); r++) {
                long k = m.timeSteps(r);
                assertEquals(0.2 * tau * (1 - Math.exp(-k / tau)), m.value(r, 0), 1e-12);
            }
        }
    }

    @Test
    void readoutIsALeakyIntegrator() {
        try (Network net = new Network(TimeGrid.of(1.0))) {
            Population p = net.create("eprop_readout", 1, Map.of("E_L", 1.0, "V_m", 3.0, "tau_m", 5.0, "C_m", 1.0));
            Multimeter m = record(net, p, "V_m");
            net.simulate(30.0);
            for (int r = 0; r < m.rows(); r++) {
                long k = m.timeSteps(r);
                assertEquals(1.0 + 2.0 * Math.exp(-k / 5.0), m.value(r, 0), 1e-12);
            }
        }
    }

    @Test
    void adaptationDecaysWithAdaptTau() {
        try (Network net = new Network(TimeGrid.of(1.0))) {
            Population p = net.create("eprop_iaf_adapt", 1, Map.of("E_L", 0.0, "V_m", 0.0, "V_th", 1.0, "adapt_beta", 2.0,
                "adapt_tau", 50.0, "adaptation", 0.5));
            Multimeter m = record(net, p, "adaptation", "V_th_adapt");
            net.simulate(100.0);
            for (int r = 0; r < m.rows(); r++) {
                long k = m.timeSteps(r);
                double a = 0.5 * Math.exp(-k / 50.0);
                assertEquals(a, m.value(r, 0), 1e-14);
                assertEquals(1.0 + 2.0 * a, m.value(r, 1), 1e-13);
            }
        }
    }

    @Test
    void subtractiveResetAndRefractoriness() {
        // a neuron driven above threshold: spikes, subtracts V_th in the spike step, then stays silent for t_ref
        try (Network net = new Network(TimeGrid.of(1.0))) {
            Population p = net.create("eprop_iaf", 1, Map.of("E_L", 0.0, "V_m", 0.0, "V_th", 1.0, "tau_m", 1e9, "C_m", 1.0,
                "I_e", 0.4, "t_ref", 3.0));
            SpikeRecorder sr = net.recordSpikes(p, 0.0, 1e9);
            net.simulate(30.0);
            assertTrue(sr.count() > 2);
            for (int i = 1; i < sr.count(); i++) {
                assertTrue(sr.stamp(i) - sr.stamp(i - 1) >= 3, "refractory period respected");
            }
            // v(k) = 0.4 (k-1) (non-leaky), first crossing 1.0 at loop step 3 -> stamp 4
            assertEquals(4, sr.stamp(0));
        }
    }
}
