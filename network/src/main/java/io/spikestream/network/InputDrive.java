package io.spikestream.network;

/**
 * Supplies the spikes of an input ({@code parrot_neuron}) population, step by step. Implementations are
 * spike-generator tables (fixtures), Poisson sources (benchmarks) and the streaming ingest (events mapped
 * to input neurons).
 *
 * <p>Checkpoints: a drive that keeps state (a random generator, scheduled input) must implement
 * {@link io.spikestream.network.checkpoint.Checkpointable}; the network then saves it with the population. Any other
 * drive is taken to be a pure function of the step.
 */
public interface InputDrive {

    /**
     * Writes the input neurons that spike in loop step {@code t} (ascending local index, each once) and their
     * multiplicities (events folded into that step, >= 1) into {@code local} and {@code mult}; returns how
     * many. The arrays have room for the population size. Called once per step, in increasing t.
     */
    int spikesAt(long t, int[] local, int[] mult);

    /**
     * Whether this drive has no spike for any step at or after {@code step} (so far: more may be added later), which
     * lets {@link Network#skipQuiet} carry silent steps in closed form. Default: not known, false.
     */
    default boolean silentFrom(long step) {
        return false;
    }

    /** No input at all. */
    InputDrive SILENT = new InputDrive() {
        @Override
        public int spikesAt(long t, int[] local, int[] mult) {
            return 0;
        }

        @Override
        public boolean silentFrom(long step) {
            return true;
        }
    };
}
