package io.spikestream.plasticity.eventprop;

import io.spikestream.network.Projection;

import java.lang.foreign.MemorySegment;

/**
 * One {@code eventprop_synapse} projection's learning state for {@link EventPropRule}: its target's adjoints, per part
 * the off-heap gradient of the window, the batch accumulator and Adam's moments (null for gradient descent), and the
 * projection's optimizer clock (every synapse is updated at every supervised window, so one clock serves them all).
 */
final class EventPropSynapses {

    Projection projection;
    AdjointNeurons post;
    MemorySegment[] grad;
    MemorySegment[] acc;
    MemorySegment[] m;
    MemorySegment[] v;
    long clockK = 1;
    double clockB1 = 1.0;
    double clockB2 = 1.0;
    long clockN;
    double clockEta;
}
