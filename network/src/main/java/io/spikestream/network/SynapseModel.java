package io.spikestream.network;

/**
 * A synapse model known to a network: its name, the plasticity rule that owns its synapses (null for
 * static synapses) and whether spikes travel through it. Connections that carry only secondary signals
 * (e.g. e-prop's readout-to-neuron learning-signal connections) are stored like any projection but never
 * walked by spikes; their rule reads them.
 */
public record SynapseModel(String name, PlasticityRule rule, boolean carriesSpikes) {

    public static final String STATIC = "static_synapse";
    /**
     * NEST's {@code rate_connection_delayed} between neurons: carries a rate signal of the previous step (e.g. the
     * unnormalised signals a cross-entropy readout needs from the other readouts, spec §5.4), never spikes.
     */
    public static final String RATE_CONNECTION_DELAYED = "rate_connection_delayed";

    public static SynapseModel staticSynapse() {
        return new SynapseModel(STATIC, null, true);
    }

    public static SynapseModel rateConnectionDelayed() {
        return new SynapseModel(RATE_CONNECTION_DELAYED, null, false);
    }

    /**
     * Registers a learning rule's two synapse models on {@code net}: {@code plastic} (carries spikes, owned by the
     * rule) and {@code learningSignal} (the readout-to-neuron feedback connections the rule reads, no spikes).
     */
    public static void registerRule(Network net, PlasticityRule rule, String plastic, String learningSignal) {
        net.registerSynapseModel(new SynapseModel(plastic, rule, true));
        net.registerSynapseModel(new SynapseModel(learningSignal, rule, false));
    }
}
