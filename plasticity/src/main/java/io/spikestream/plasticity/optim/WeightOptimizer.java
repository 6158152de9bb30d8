package io.spikestream.plasticity.optim;

/**
 * NEST's weight optimizer ({@code models/weight_optimizer.cpp}, spec §3.5), as static arithmetic on one
 * synapse's accumulators. Floating-point operations are in NEST's order, which the fixtures need for
 * bit-identical weights.
 *
 * <p>State per synapse: the cumulative gradient {@code acc} and, for Adam, the moments {@code m}, {@code v};
 * these are passed in {@code s} ({@code s[0]=acc, s[1]=m, s[2]=v}) and updated in place. The clock
 * ({@link OptimizerClock}) is shared by all synapses of a source.
 */
public final class WeightOptimizer {

    private WeightOptimizer() {
    }

    /**
     * Adds gradient {@code g} at optimization index {@code idx} (a time step) and, if {@code idx} opened a new
     * optimization step, updates the weight. Returns the (possibly) new weight.
     *
     * @param eta the learning rate currently configured (takes effect at the next update, as in NEST)
     */
    public static double optimize(OptimizerSpec spec, double eta, OptimizerClock c, long idx, double g, double w,
                                  double[] s) {
        s[0] += g;
        long kNew = 1 + idx / spec.batchSize();
        if (c.k < kNew) {
            s[0] /= spec.batchSize();
            if (spec.type() == OptimizerSpec.Type.GRADIENT_DESCENT) {
                w -= c.etaCurrent * s[0];
                s[0] = 0.0;
            } else if (spec.adamCatchUp()) {
                w = adamSteps(spec, c, kNew - c.k, w, s);
            } else {
                w = adamSteps(spec, c, 1, w, s);
            }
            w = clamp(w, spec.wMin(), spec.wMax());
            c.etaCurrent = eta;
            c.nOptimize++;
            c.k = kNew;
        }
        return w;
    }

    private static double adamSteps(OptimizerSpec spec, OptimizerClock c, long iterations, double w, double[] s) {
        final double b1 = spec.beta1();
        final double b2 = spec.beta2();
        double acc = s[0];
        double m = s[1];
        double v = s[2];
        double p1 = c.b1pow;
        double p2 = c.b2pow;
        for (long i = 0; i < iterations; i++) {
            p1 *= b1;
            p2 *= b2;
            double alpha = c.etaCurrent * Math.sqrt(1.0 - p2) / (1.0 - p1);
            m = b1 * m + (1.0 - b1) * acc;
            v = b2 * v + (1.0 - b2) * acc * acc;
            w -= alpha * m / (Math.sqrt(v) + spec.epsilon());
            acc = 0.0;
        }
        c.b1pow = p1;
        c.b2pow = p2;
        s[0] = acc;
        s[1] = m;
        s[2] = v;
        return w;
    }

    /** std::clamp semantics. */
    public static double clamp(double w, double lo, double hi) {
        return w < lo ? lo : (hi < w ? hi : w);
    }
}
