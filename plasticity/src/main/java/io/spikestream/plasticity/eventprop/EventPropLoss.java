package io.spikestream.plasticity.eventprop;

/**
 * The losses EventProp trains with (spec §B.5), each a function of one summary per output neuron over a window of
 * length T, with its derivative with respect to that summary:
 *
 * <ul>
 *   <li>{@link #VOLTAGE_INTEGRAL_MSE}: summary Q_k = ∫V_k dt of a leaky-integrator output,
 *       L = ½ Σ_k (Q_k − Q*_k)²; enters the adjoint as the constant drive d_k = −∂L/∂Q_k.</li>
 *   <li>{@link #VOLTAGE_AVERAGE_CROSS_ENTROPY}: summary Q_k, L = −log softmax(Q/T)_y with y the target's argmax
 *       (one-hot targets); drive d_k = −(p_k − [k = y])/T.</li>
 *   <li>{@link #FIRST_SPIKE_MSE}: summary t_k = first spike time of a spiking output (ms from the window start; NaN if
 *       silent), L = ½ Σ_{k spiking} (t_k − t*_k)²; enters the jump of that spike as ∂L/∂t_k. Silent outputs add
 *       nothing (no gradient: spec §B.7 failure mode 1).</li>
 *   <li>{@link #SPIKE_COUNT_MSE}: summary N_k = spike count, L = ½ Σ_k (N_k − N*_k)². Piecewise constant in the
 *       weights: its exact gradient is 0 almost everywhere (the exact solver returns 0). The engine rule trains it
 *       with mlGeNN's count regulariser, a heuristic: at each backward spike of output k, λ_V,k −= (N_k − N*_k).</li>
 * </ul>
 */
public enum EventPropLoss {
    VOLTAGE_INTEGRAL_MSE(false),
    VOLTAGE_AVERAGE_CROSS_ENTROPY(false),
    FIRST_SPIKE_MSE(true),
    SPIKE_COUNT_MSE(true);

    private final boolean spikingReadout;

    EventPropLoss(boolean spikingReadout) {
        this.spikingReadout = spikingReadout;
    }

    /** Whether the outputs must spike (else they are leaky integrators whose voltage is read). */
    public boolean spikingReadout() {
        return spikingReadout;
    }

    /**
     * The loss of one window and its derivative with respect to each output's summary (written to {@code grad}).
     *
     * @param summary per output: Q_k, first spike time (NaN = none) or spike count
     * @param target  per output: Q*_k, one-hot class, t*_k (ms) or N*_k
     * @param window  window length T in ms (cross-entropy uses the average Q/T)
     */
    public double evaluate(double[] summary, double[] target, double window, double[] grad) {
        int n = summary.length;
        switch (this) {
            case VOLTAGE_INTEGRAL_MSE, SPIKE_COUNT_MSE -> {
                double l = 0;
                for (int k = 0; k < n; k++) {
                    double c = summary[k] - target[k];
                    grad[k] = c;
                    l += 0.5 * c * c;
                }
                return l;
            }
            case VOLTAGE_AVERAGE_CROSS_ENTROPY -> {
                int label = 0;
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < n; k++) {
                    if (target[k] > target[label]) {
                        label = k;
                    }
                    max = Math.max(max, summary[k] / window);
                }
                double z = 0;
                for (int k = 0; k < n; k++) {
                    z += Math.exp(summary[k] / window - max);
                }
                for (int k = 0; k < n; k++) {
                    double p = Math.exp(summary[k] / window - max) / z;
                    grad[k] = (p - (k == label ? 1.0 : 0.0)) / window;
                }
                return -(summary[label] / window - max - Math.log(z));
            }
            case FIRST_SPIKE_MSE -> {
                double l = 0;
                for (int k = 0; k < n; k++) {
                    if (Double.isNaN(summary[k]) || Double.isNaN(target[k])) {
                        grad[k] = 0.0;
                        continue;
                    }
                    double c = summary[k] - target[k];
                    grad[k] = c;
                    l += 0.5 * c * c;
                }
                return l;
            }
            default -> throw new IllegalStateException();
        }
    }
}
