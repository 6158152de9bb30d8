package io.spikestream.plasticity.eventprop;

import io.spikestream.plasticity.optim.OptimizerSpec;

/**
 * Configuration of {@link EventPropRule}.
 *
 * @param windowMs      length of a learning window of stream time: the tape holds one window, the backward pass runs
 *                      at its end from λ = 0, the optimizer is called once per window (or per {@code batch_size}
 *                      windows); the forward pass never stops or resets
 * @param loss          what the output population is trained on
 * @param optimizer     gradient descent or Adam (NEST's algorithm, §3.5 of the e-prop spec, clocked by the number of
 *                      supervised windows; {@code optimize_each_step} is ignored)
 * @param countStrength strength of the count regulariser used for {@link EventPropLoss#SPIKE_COUNT_MSE}
 */
public record EventPropConfig(double windowMs, EventPropLoss loss, OptimizerSpec optimizer, double countStrength) {

    public EventPropConfig {
        if (!(windowMs > 0) || Double.isInfinite(windowMs)) {
            throw new IllegalArgumentException("eventprop: window > 0 ms required, got " + windowMs);
        }
        if (loss == null || optimizer == null) {
            throw new IllegalArgumentException("eventprop: loss and optimizer required");
        }
        if (!(countStrength >= 0)) {
            throw new IllegalArgumentException("eventprop: count strength >= 0 required, got " + countStrength);
        }
    }

    public static EventPropConfig of(double windowMs, EventPropLoss loss, OptimizerSpec optimizer) {
        return new EventPropConfig(windowMs, loss, optimizer, 1.0);
    }
}
