package io.spikestream.network;

/** Flush events that silent neurons emit in a quiet stretch ({@link Network#skipQuiet}), in growing arrays. */
final class QuietFlushes implements Population.QuietFlushSink {
    int n;
    int[] pop = new int[64];
    int[] neuron = new int[64];
    long[] at = new long[64];

    @Override
    public void flush(int population, int j, long emittedAt) {
        if (n == at.length) {
            pop = java.util.Arrays.copyOf(pop, n * 2);
            neuron = java.util.Arrays.copyOf(neuron, n * 2);
            at = java.util.Arrays.copyOf(at, n * 2);
        }
        pop[n] = population;
        neuron[n] = j;
        at[n++] = emittedAt;
    }
}
