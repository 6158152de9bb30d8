package io.spikestream.network;

import java.util.SplittableRandom;

/**
 * Independent Poisson spike trains, one per input neuron (NEST: a {@code poisson_generator} feeding parrots,
 * each parrot with its own train). The spike count of a neuron in a step is Poisson(rate * h) and becomes the
 * multiplicity. Every neuron has its own generator seeded from (seed, neuron), so a train does not depend
 * on the others or on the thread count.
 */
public final class PoissonDrive implements InputDrive {

    private final SplittableRandom[] rng;
    private final double expMinusLambda;

    public PoissonDrive(int neurons, double rateHz, double resolutionMs, long seed) {
        if (!(rateHz >= 0)) {
            throw new IllegalArgumentException("Poisson rate must be >= 0 Hz, got " + rateHz);
        }
        rng = new SplittableRandom[neurons];
        SplittableRandom root = new SplittableRandom(seed);
        for (int i = 0; i < neurons; i++) {
            rng[i] = root.split();
        }
        expMinusLambda = Math.exp(-rateHz * resolutionMs / 1000.0);
    }

    @Override
    public int spikesAt(long t, int[] local, int[] mult) {
        int n = 0;
        for (int i = 0; i < rng.length; i++) {
            // Knuth's product method; lambda = rate * h is small (0.02 at 20 Hz, 1 ms)
            SplittableRandom r = rng[i];
            double p = r.nextDouble();
            int k = 0;
            while (p > expMinusLambda) {
                p *= r.nextDouble();
                k++;
            }
            if (k > 0) {
                local[n] = i;
                mult[n++] = k;
            }
        }
        return n;
    }
}
