package io.spikestream.network;

import java.lang.foreign.ValueLayout;

/**
 * Off-heap layout of a projection part (compressed sparse rows by presynaptic neuron; one segment per
 * per-synapse variable, structure of arrays):
 *
 * <pre>
 *   rowPtr (long[], on heap)  : nSrc + 1 offsets; synapses of source s are [rowPtr[s], rowPtr[s+1])
 *   targets  MemorySegment    : int32   local index of the postsynaptic neuron      (4 B / synapse)
 *   weights  MemorySegment    : float64 weight                                      (8 B / synapse)
 *   delays   MemorySegment    : int16   delay in steps, only if not uniform         (2 B / synapse)
 *   rule state                : further float64 / int segments owned by the plasticity rule
 * </pre>
 *
 * Native byte order (checkpoint files record it). Hot loops use the static layouts below with
 * {@code getAtIndex}/{@code setAtIndex}; no code writes a literal offset.
 */
public final class SynapseLayout {

    public static final ValueLayout.OfInt TARGET = ValueLayout.JAVA_INT;
    public static final ValueLayout.OfDouble WEIGHT = ValueLayout.JAVA_DOUBLE;
    public static final ValueLayout.OfShort DELAY = ValueLayout.JAVA_SHORT;
    public static final ValueLayout.OfDouble STATE = ValueLayout.JAVA_DOUBLE;

    /** Largest per-connection delay in steps (fits the int16 delay column). */
    public static final int MAX_DELAY_STEPS = Short.MAX_VALUE;

    private SynapseLayout() {
    }
}
