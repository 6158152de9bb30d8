package io.spikestream.network.checkpoint;

/**
 * A component whose state goes into checkpoints: a plasticity rule, a drive with a random generator or pending
 * input, a learner. It writes its own section (the engine does not know what a rule keeps) and reads it back
 * into a freshly built component of the same shape, after which continuing gives bit-identical results to never
 * having stopped.
 *
 * <p>Both methods are called between simulate calls, on the thread that drives the network; {@code writeState}
 * is called twice per checkpoint (sizing, then writing) and must write the same bytes both times.
 */
public interface Checkpointable {

    /**
     * What must be equal for a checkpoint of this component to be restorable (type, parameters, sizes), as
     * text lines; compared before any state is touched. Default: the class name.
     */
    default String checkpointShape() {
        return getClass().getName();
    }

    void writeState(StateWriter out);

    void readState(StateReader in) throws CheckpointException;
}
