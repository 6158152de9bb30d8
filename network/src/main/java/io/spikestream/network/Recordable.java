package io.spikestream.network;

/** One recordable quantity of a population (NEST's multimeter {@code record_from} names), read per neuron. */
@FunctionalInterface
public interface Recordable {
    double read(int localNeuron);
}
