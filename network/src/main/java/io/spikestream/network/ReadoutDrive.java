package io.spikestream.network;

/**
 * Supplies a readout population's target signal and learning window, step by step (NEST: two
 * {@code step_rate_generator}s on receptors 2 and 1). For loop step t it must write the values "in force at
 * time t*h"; the stream pipeline writes labels here, the fixture loader NEST's generator tables. As for
 * {@link InputDrive}, a drive with state implements {@link io.spikestream.network.checkpoint.Checkpointable} to be
 * saved in checkpoints; others are taken to be pure functions of the step.
 */
public interface ReadoutDrive {

    /**
     * Called at the start of loop step {@code t} for the readouts {@code [from, to)}; overwrite the entries of
     * {@code target} and {@code window} that have a value for this step and leave the others untouched.
     */
    void apply(long t, int from, int to, double[] target, double[] window);
}
