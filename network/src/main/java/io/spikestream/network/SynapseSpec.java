package io.spikestream.network;

/**
 * PyNEST's {@code syn_spec}: the synapse model (a name registered with the network), initial weights,
 * delays in ms (one value, or one per connection) and the receptor port.
 */
public record SynapseSpec(String model, WeightInit weight, double delayMs, double[] delaysMs, int receptor) {

    public SynapseSpec {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("synapse model name required");
        }
        if (weight == null) {
            weight = WeightInit.constant(1.0);
        }
    }

    public static SynapseSpec of(String model) {
        return new SynapseSpec(model, WeightInit.constant(1.0), 1.0, null, 0);
    }

    public static SynapseSpec staticSynapse() {
        return of(SynapseModel.STATIC);
    }

    public SynapseSpec weight(double w) {
        return new SynapseSpec(model, WeightInit.constant(w), delayMs, delaysMs, receptor);
    }

    public SynapseSpec weight(WeightInit w) {
        return new SynapseSpec(model, w, delayMs, delaysMs, receptor);
    }

    public SynapseSpec delay(double ms) {
        return new SynapseSpec(model, weight, ms, null, receptor);
    }

    public SynapseSpec delays(double[] ms) {
        return new SynapseSpec(model, weight, delayMs, ms, receptor);
    }

    public SynapseSpec receptor(int port) {
        return new SynapseSpec(model, weight, delayMs, delaysMs, port);
    }
}
