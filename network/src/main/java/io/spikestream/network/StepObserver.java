package io.spikestream.network;

/**
 * Called once at the end of every loop step, on one thread, while no worker runs: the place to read
 * population state (readout signals, spikes of the next stamp) without racing the simulation.
 */
@FunctionalInterface
public interface StepObserver {
    void stepEnded(long t);
}
