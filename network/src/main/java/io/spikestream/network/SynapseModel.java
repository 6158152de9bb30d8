package io.spikestream.network;

/**
 * A synapse model known to a network: its name, the plasticity rule that owns its synapses (null for
 * static synapses) and whether spikes travel through it. Connections that carry only secondary signals
 * (e.g. e-prop's readout-to-neuron learning-signal connections) are stored like any projection but never
 * walked by spikes; their rule reads them.
 */
public record SynapseModel(String name, PlasticityRule rule, boolean carriesSpikes) {

    public static final String STATIC = "static_synapse";

    public static SynapseModel staticSynapse() {
        return new SynapseModel(STATIC, null, true);
    }
}
