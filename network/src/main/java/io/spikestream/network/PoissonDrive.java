package io.spikestream.network;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.Checkpointable;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

/**
 * Independent Poisson spike trains, one per input neuron (NEST: a {@code poisson_generator} feeding parrots,
 * each parrot with its own train). The spike count of a neuron in a step is Poisson(rate * h) and becomes the
 * multiplicity. Every neuron has its own generator seeded from (seed, neuron), so a train does not depend
 * on the others or on the thread count. The generators ({@link SplitMix64}, the same streams as
 * {@code SplittableRandom}) are checkpointed, so a restored network draws the same spikes as one never stopped.
 */
public final class PoissonDrive implements InputDrive, Checkpointable {

    private final SplitMix64[] rng;
    private final double rateHz;
    private final double expMinusLambda;

    public PoissonDrive(int neurons, double rateHz, double resolutionMs, long seed) {
        if (!(rateHz >= 0)) {
            throw new IllegalArgumentException("Poisson rate must be >= 0 Hz, got " + rateHz);
        }
        rng = new SplitMix64[neurons];
        SplitMix64 root = new SplitMix64(seed);
        for (int i = 0; i < neurons; i++) {
            rng[i] = root.split();
        }
        this.rateHz = rateHz;
        expMinusLambda = Math.exp(-rateHz * resolutionMs / 1000.0);
    }

    @Override
    public int spikesAt(long t, int[] local, int[] mult) {
        int n = 0;
        for (int i = 0; i < rng.length; i++) {
            // Knuth's product method; lambda = rate * h is small (0.02 at 20 Hz, 1 ms)
            SplitMix64 r = rng[i];
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

    @Override
    public String checkpointShape() {
        return "PoissonDrive neurons=" + rng.length + " rate_hz=" + rateHz + " exp_minus_lambda=" + expMinusLambda;
    }

    @Override
    public void writeState(StateWriter out) {
        long[] s = new long[2 * rng.length];
        for (int i = 0; i < rng.length; i++) {
            s[2 * i] = rng[i].seed();
            s[2 * i + 1] = rng[i].gamma();
        }
        out.putLongs(s);
    }

    @Override
    public void readState(StateReader in) throws CheckpointException {
        long[] s = new long[2 * rng.length];
        in.readLongs(s, "Poisson generator states");
        for (int i = 0; i < rng.length; i++) {
            if ((s[2 * i + 1] & 1L) == 0) {
                throw new CheckpointException(CheckpointException.Kind.CORRUPT, "Poisson generator " + i + ": even gamma");
            }
        }
        for (int i = 0; i < rng.length; i++) {
            rng[i].setState(s[2 * i], s[2 * i + 1]);
        }
    }
}
