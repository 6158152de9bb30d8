package io.spikestream.benchmarks;

import io.spikestream.network.InputDrive;
import io.spikestream.network.PoissonDrive;

/**
 * "Frozen noise": one stretch of independent Poisson trains, drawn once, replayed every {@code periodSteps} steps
 * (the input of NEST's e-prop sine-wave pattern generation task). With fresh Poisson input the benchmark's targets,
 * sines of absolute time, carry no information the network could learn (the best a readout can do is their mean,
 * a mean squared error of 0.5); with the pattern repeating every target period, the network's activity is a clock
 * for them and the loss can fall below 0.5. Stateless after construction (a pure function of the step), so a
 * checkpoint needs nothing from it.
 */
final class FrozenPoissonDrive implements InputDrive {

    private final int[][] local;
    private final int[][] mult;

    FrozenPoissonDrive(int neurons, double rateHz, double resolutionMs, long seed, int periodSteps) {
        if (periodSteps <= 0) {
            throw new IllegalArgumentException("frozen input period must be > 0 steps, got " + periodSteps);
        }
        PoissonDrive draw = new PoissonDrive(neurons, rateHz, resolutionMs, seed);
        int[] l = new int[neurons];
        int[] m = new int[neurons];
        local = new int[periodSteps][];
        mult = new int[periodSteps][];
        for (int t = 0; t < periodSteps; t++) {
            int n = draw.spikesAt(t, l, m);
            local[t] = java.util.Arrays.copyOf(l, n);
            mult[t] = java.util.Arrays.copyOf(m, n);
        }
    }

    @Override
    public int spikesAt(long t, int[] localOut, int[] multOut) {
        int s = (int) Math.floorMod(t, (long) local.length);
        int n = local[s].length;
        System.arraycopy(local[s], 0, localOut, 0, n);
        System.arraycopy(mult[s], 0, multOut, 0, n);
        return n;
    }
}
