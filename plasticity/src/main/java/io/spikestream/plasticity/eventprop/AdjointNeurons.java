package io.spikestream.plasticity.eventprop;

import io.spikestream.network.CurrentLifPopulation;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Population;

/**
 * Adjoint state of one population's neurons (LIF, LI or input) for {@link EventPropRule}: (λ_V, λ_I) per neuron, the
 * step each is current at and the window it belongs to (an adjoint of an earlier window counts as 0), and the
 * per-neuron drive of the adjoint (−dL/dV for leaky-integrator outputs).
 */
final class AdjointNeurons {

    final Population pop;
    final CurrentLifPopulation lif; // null for inputs
    final LifDynamics dynamics;    // null for inputs
    final boolean input;
    final double[] lambdaV;
    final double[] lambdaI;
    final long[] at;       // step the adjoint is current at
    final long[] window;   // window whose adjoint it holds (else reset to 0 at the window end)
    final double[] drive;

    AdjointNeurons(Population pop) {
        this.pop = pop;
        this.input = pop instanceof InputPopulation;
        this.lif = pop instanceof CurrentLifPopulation c ? c : null;
        this.dynamics = lif == null ? null : new LifDynamics(lif.tauM(), lif.tauSyn(),
            lif.spiking() ? lif.threshold() : 1.0, lif.spiking() ? lif.resetPotential() : 0.0);
        int n = pop.size();
        lambdaV = new double[n];
        lambdaI = new double[n];
        at = new long[n];
        window = new long[n];
        java.util.Arrays.fill(window, -1);
        drive = new double[n];
    }
}
