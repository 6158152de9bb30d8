package io.spikestream.plasticity.eventprop;

/**
 * The supervision of an EventProp output population, one window at a time (the stream's labels).
 */
@FunctionalInterface
public interface WindowTargets {

    /**
     * Fills {@code target} (one entry per output neuron) for window {@code window}, which covers loop steps
     * [{@code startStep}, {@code endStep}): ∫V targets (voltage-integral MSE), a one-hot class (cross-entropy),
     * first-spike times in ms from the window start (NaN = no target), or spike counts. Returns false if the window is
     * unsupervised (no gradient, no update). Called on the simulation thread at the window's end.
     */
    boolean fill(long window, long startStep, long endStep, double[] target);
}
