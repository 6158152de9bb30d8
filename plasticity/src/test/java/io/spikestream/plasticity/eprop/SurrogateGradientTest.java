package io.spikestream.plasticity.eprop;

import io.spikestream.network.Connectivity;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Multimeter;
import io.spikestream.network.Network;
import io.spikestream.network.Population;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.plasticity.optim.OptimizerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SurrogateGradientTest {

    @Test
    void formulasAsNestComputesThem() {
        double h = 0.3;
        double w = 0.5;
        // d = v - theta = 0.2
        assertEquals(h * (1 - 0.2 / w), SurrogateGradient.PIECEWISE_LINEAR.psi(0, 0.7, 0.5, h, w), 1e-16);
        assertEquals(0.0, SurrogateGradient.PIECEWISE_LINEAR.psi(0, 2.0, 0.5, h, w), 0.0); // beyond the width
        assertEquals(h * Math.exp(-0.2 / w), SurrogateGradient.EXPONENTIAL.psi(0, 0.3, 0.5, h, w), 1e-16);
        assertEquals(h / ((1 + 0.4) * (1 + 0.4)), SurrogateGradient.FAST_SIGMOID_DERIVATIVE.psi(0, 0.7, 0.5, h, w), 1e-16);
        assertEquals(h / (1 + 0.16), SurrogateGradient.ARCTAN_DERIVATIVE.psi(0, 0.3, 0.5, h, w), 1e-16);
        for (SurrogateGradient s : SurrogateGradient.values()) {
            assertEquals(0.0, s.psi(2, 0.5, 0.5, h, w), 0.0, s + " must vanish while refractory");
            assertEquals(h, s.psi(0, 0.5, 0.5, h, w), 1e-16, s + " peaks at the threshold with the height");
            assertEquals(s, SurrogateGradient.byName(s.nestName()));
        }
        assertThrows(IllegalArgumentException.class, () -> SurrogateGradient.byName("heaviside"));
    }

    /**
     * NEST's own validation vector (spec §4.1, test_eprop_surrogate_gradients): an eprop_iaf driven by six input
     * spikes; psi at loop steps 14..18. The fixtures cover three functions; arctan_derivative only here.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "piecewise_linear, 0.21030100902759, 0.13767218251307",
        "exponential, 0.28011776848615, 0.24224569105944",
        "fast_sigmoid_derivative, 0.20044113201621, 0.16809903522604",
        "arctan_derivative, 0.37433498786304, 0.32784181049728",
    })
    void nestValidationVector(String function, double first, double last) {
        try (Network net = new Network(TimeGrid.of(1.0))) {
            EpropRule.install(net, OptimizerSpec.gradientDescent(1e-4));
            InputPopulation in = (InputPopulation) net.create("parrot_neuron", 1);
            Population n = net.create("eprop_iaf", 1, Map.of("C_m", 1.0, "E_L", 0.0, "V_m", 0.0, "V_th", 0.6, "t_ref", 3.0,
                "tau_m", 10.0, "surrogate_gradient_function", function, "surrogate_gradient_height", 0.5,
                "surrogate_gradient_width", 1.0 / 1.7));
            long[] times = {1, 2, 3, 5, 9, 11};
            in.setDrive((t, local, mult) -> {
                for (long s : times) {
                    if (s == t) {
                        local[0] = 0;
                        mult[0] = 1;
                        return 1;
                    }
                }
                return 0;
            });
            net.connect(in, n, Connectivity.allToAll(), SynapseSpec.of(EpropRule.SYNAPSE).weight(0.3));
            Multimeter m = net.multimeter(List.of("surrogate_gradient"), 0.0, 100.0, 1.0);
            net.addToMultimeter(m, n, 0);
            net.simulate(20.0);
            assertEquals(first, m.value(14, 0), 1e-12);  // row i = loop step i
            assertEquals(last, m.value(18, 0), 1e-12);
        }
    }
}
