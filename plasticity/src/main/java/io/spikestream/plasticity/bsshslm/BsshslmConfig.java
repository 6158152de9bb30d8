package io.spikestream.plasticity.bsshslm;

import io.spikestream.plasticity.optim.OptimizerSpec;

/**
 * The common properties of NEST's {@code eprop_synapse_bsshslm_2020}: the weight optimizer (gradient descent or
 * Adam, NEST's algorithm of spec §3.5 with the <em>interval index</em> as its clock; {@code optimize_each_step} is
 * accepted and ignored, as in NEST), {@code average_gradient} (divide each interval's gradient by the learning
 * window) and the default {@code tau_m_readout} (ms) that sets the eligibility filter {@code κ = exp(-h/τ)}.
 * NEST's default is 10 ms; its tests set it to the readouts' {@code tau_m}. A projection may override it
 * ({@link BsshslmEpropRule#setTauMReadout}).
 *
 * <p>NEST's kernel parameters {@code eprop_update_interval}, {@code eprop_learning_window} and
 * {@code eprop_reset_neurons_on_update} are population parameters of the {@code *_bsshslm_2020} neuron models
 * (their dynamics need them); the rule reads them from there and requires one value per network.
 */
public record BsshslmConfig(OptimizerSpec optimizer, boolean averageGradient, double tauMReadout) {

    public BsshslmConfig {
        if (optimizer == null) {
            throw new IllegalArgumentException("optimizer required");
        }
        if (!(tauMReadout > 0) || Double.isInfinite(tauMReadout)) {
            throw new IllegalArgumentException("tau_m_readout > 0 required, got " + tauMReadout);
        }
    }

    /** NEST's defaults: no gradient averaging, tau_m_readout 10 ms. */
    public static BsshslmConfig of(OptimizerSpec optimizer) {
        return new BsshslmConfig(optimizer, false, 10.0);
    }

    public BsshslmConfig withAverageGradient(boolean average) {
        return new BsshslmConfig(optimizer, average, tauMReadout);
    }

    public BsshslmConfig withTauMReadout(double ms) {
        return new BsshslmConfig(optimizer, averageGradient, ms);
    }
}
