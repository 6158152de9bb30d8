package io.spikestream.plasticity.eprop;

/**
 * How long {@link FastEpropRule}'s prefix-sum rings are (the gather layouts; the hot layout's ring is fixed at 4
 * steps, {@link HotHistory}), and when a network gets the compact layout: a recurrent population whose classic ring
 * would exceed {@link #HISTORY_BUDGET_BYTES}.
 */
final class RingSizing {

    /** Memory a target population's prefix-sum ring may use beyond the minimum the cutoff requires. */
    static final long HISTORY_BUDGET_BYTES = 64L << 20;
    static final long HISTORY_BYTES_PER_SYNAPSE = 8;
    /**
     * Above {@link #HISTORY_BUDGET_BYTES}, the ring is shortened (and windows closed internally sooner) so that it
     * costs at most this per incoming synapse: what keeps a 10^6-neuron network within 64 bytes per synapse.
     */
    static final long MAX_HISTORY_BYTES_PER_SYNAPSE = 16;
    static final int MIN_RING_STEPS = 16;
    static final int MAX_RING_STEPS = 1024;

    private RingSizing() {
    }

    /**
     * Ring length of a target population: at least the longest window between two closes (+4); longer where that
     * costs little (at most {@link #HISTORY_BYTES_PER_SYNAPSE} per incoming synapse, and {@link #HISTORY_BUDGET_BYTES}
     * in all), because a longer ring lets more windows end at a real spike instead of an internal close; rounded up to
     * a power of two (the classic layout's ring, whose results and checkpoints stay as they were).
     */
    static int classicRingSteps(int interval, long bytesPerStep, long incomingSynapses) {
        int ring = affordableRing(interval, bytesPerStep, incomingSynapses);
        return Integer.highestOneBit(Math.max(4, ring - 1)) << 1;
    }

    /**
     * The compact layout's ring: as the classic one without the power-of-two rounding, and shorter (down to
     * {@link #MIN_RING_STEPS}) where even the minimum would exceed both the budget and
     * {@link #MAX_HISTORY_BYTES_PER_SYNAPSE} per incoming synapse.
     */
    static int ringSteps(int interval, long bytesPerStep, long incomingSynapses) {
        int ring = affordableRing(interval, bytesPerStep, incomingSynapses);
        long cap = MAX_HISTORY_BYTES_PER_SYNAPSE * incomingSynapses / bytesPerStep;
        if (ring * bytesPerStep > HISTORY_BUDGET_BYTES && ring > cap) {
            ring = (int) Math.max(MIN_RING_STEPS, cap);
        }
        return ring;
    }

    /** Whether a recurrent population's classic ring (9-value entries) would exceed {@link #HISTORY_BUDGET_BYTES}. */
    static boolean classicExceedsBudget(int interval, int neurons, long incomingSynapses) {
        long bytesPerStep = (long) neurons * PrefixHistory.FIELDS * Double.BYTES;
        return (long) classicRingSteps(interval, bytesPerStep, incomingSynapses) * bytesPerStep > HISTORY_BUDGET_BYTES;
    }

    /** The longest window between closes (+4), or longer up to the per-synapse and total budgets. */
    private static int affordableRing(int interval, long bytesPerStep, long incomingSynapses) {
        long budget = Math.min(HISTORY_BUDGET_BYTES, HISTORY_BYTES_PER_SYNAPSE * incomingSynapses);
        long affordable = budget / bytesPerStep;
        return (int) Math.max(interval + 4, Math.min(MAX_RING_STEPS, Long.highestOneBit(Math.max(1, affordable))));
    }
}
