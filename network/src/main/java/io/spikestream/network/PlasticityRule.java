package io.spikestream.network;

/**
 * The engine's hook for learning rules. The engine knows neither which rule runs nor what state it keeps:
 * it calls these methods at fixed points of every loop step, in NEST's order.
 *
 * <pre>
 * loop step t, worker k:
 *   A  populations take their drives;            rule.beginStep(k, t)          (e.g. learning signals)
 *   B  for each event of stamp t, ascending source id, for each outgoing projection:
 *        plastic: transmit = rule.onPresynapticEvent(k, proj, part k, src, t, flush)
 *        then, unless a flush or !transmit, the row's weights are added to the targets' input
 *   C  each population updates chunk k;          rule.afterUpdate(k, pop, from, to, t)
 *   -- barrier; events of stamp t+1 are merged --   rule.endStep(t)   (one thread)
 * </pre>
 *
 * Per-target work must stay inside the worker's part/chunk: that is what makes results identical for
 * any number of workers. A rule that also implements {@link io.spikestream.network.checkpoint.Checkpointable} writes
 * and reads its own checkpoint section (the engine never sees what it keeps); a network with a rule that does not
 * cannot be checkpointed.
 */
public interface PlasticityRule {

    /** Called once when the network is prepared (topology frozen): allocate per-synapse and per-neuron state. */
    void attach(Network network);

    /** Phase A of loop step t for worker k. */
    default void beginStep(int worker, long t) {
    }

    /**
     * An event with stamp {@code stamp} from source {@code src} (local index in the projection's source
     * population) reaches the synapses of {@code part}. Update their weights in place. Return false to
     * suppress transmission of this spike through the row (ignored for flush events, which never transmit).
     */
    boolean onPresynapticEvent(int worker, Projection projection, Projection.Part part, int src, long stamp,
                               boolean flush);

    /** Phase C: population {@code pop} has just updated neurons [from, to) for loop step t. */
    default void afterUpdate(int worker, Population pop, int from, int to, long t) {
    }

    /** After the barrier of step t, on one thread, while no worker runs. */
    default void endStep(long t) {
    }

    /**
     * Whether {@link Network#skipQuiet} may carry this rule over silent steps from its current state: the rule
     * then gets every flush event of the stretch through {@link #onPresynapticEvent} (with its own stamp) and a
     * {@link #skipQuiet} call, but no {@link #beginStep}, {@link #afterUpdate} or {@link #endStep} for the
     * skipped steps. Default: false (the network must be stepped).
     */
    default boolean quietSkippable() {
        return false;
    }

    /**
     * Loop steps [from, to) were carried with no input and no spike (the populations already hold their state at
     * the end of step to - 1, the stretch's flush events were delivered): bring the rule's own per-step state
     * there. Only when {@link #quietSkippable}.
     */
    default void skipQuiet(long from, long to) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot skip quiet steps");
    }

    /**
     * Steps to simulate after a {@link Network#skipQuiet} before everything the rule keeps of the past (per-step
     * histories it did not write for the skipped steps) is what stepping would hold again: a skip should end at
     * least this long before the next input.
     */
    default long quietResumeSteps() {
        return 0;
    }
}
