package io.spikestream.network;

import java.util.SplittableRandom;

/** How initial weights are chosen (PyNEST: a number or {@code nest.random.*}). Drawn in connection order. */
public sealed interface WeightInit {

    double next(SplittableRandom rng, int connectionIndex);

    record Constant(double value) implements WeightInit {
        @Override
        public double next(SplittableRandom rng, int i) {
            return value;
        }
    }

    /** Normal(mean, std) by the Box-Muller transform (deterministic for a given generator state). */
    record Normal(double mean, double std) implements WeightInit {
        public Normal {
            if (!(std >= 0)) {
                throw new IllegalArgumentException("normal weights: std >= 0 required, got " + std);
            }
        }

        @Override
        public double next(SplittableRandom rng, int i) {
            double u1 = 1.0 - rng.nextDouble(); // (0, 1]
            double u2 = rng.nextDouble();
            return mean + std * Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
        }
    }

    record Uniform(double low, double high) implements WeightInit {
        public Uniform {
            if (!(high >= low)) {
                throw new IllegalArgumentException("uniform weights: high >= low required, got [" + low + ", " + high + "]");
            }
        }

        @Override
        public double next(SplittableRandom rng, int i) {
            return low + (high - low) * rng.nextDouble();
        }
    }

    /** One value per connection, in connection order. */
    record Values(double[] values) implements WeightInit {
        @Override
        public double next(SplittableRandom rng, int i) {
            return values[i];
        }
    }

    static WeightInit constant(double w) {
        return new Constant(w);
    }

    static WeightInit normal(double mean, double std) {
        return new Normal(mean, std);
    }

    static WeightInit uniform(double low, double high) {
        return new Uniform(low, high);
    }

    static WeightInit values(double[] w) {
        return new Values(w);
    }
}
