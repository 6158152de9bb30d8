package io.spikestream.plasticity.optim;

import io.spikestream.network.Projection;
import io.spikestream.network.SynapseLayout;

import java.lang.foreign.MemorySegment;

/**
 * Applies the accumulated gradients G of one row (the synapses of one source in one projection part) at an
 * optimization index. All synapses of a row share the source's optimizer clock ({@link SourceClocks}), so the
 * per-row parts of the arithmetic (Adam's bias correction) are done once; the per-synapse operations are those of
 * {@link WeightOptimizer}, in the same order (so the results are the same bit for bit). Only NEST's Adam catch-up
 * over more than one step takes the general per-synapse path. One per worker; not threadsafe.
 *
 * <p>When the JVM runs with {@code --add-modules jdk.incubator.vector} (the launcher, the benchmark scripts and the
 * tests do), the weight-update loops run in SIMD lanes ({@link VectorRows}, the same bits); without the module, or
 * with {@code -Dspikestream.vector=false}, they run a synapse at a time here.
 */
public final class RowOptimizer {

    /**
     * Whether {@link VectorRows} can be used: the module {@code jdk.incubator.vector} is in the boot layer and
     * {@code spikestream.vector} is not {@code false}. Tested without touching VectorRows, so that a JVM without the
     * module never loads it.
     */
    public static final boolean VECTOR_AVAILABLE =
        ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && !"false".equals(System.getProperty("spikestream.vector"));

    private final OptimizerSpec spec;
    private final boolean vectorized;
    private final OptimizerClock clock0 = new OptimizerClock();
    private final OptimizerClock clock = new OptimizerClock();
    private final double[] opt = new double[3];

    public RowOptimizer(OptimizerSpec spec) {
        this(spec, VECTOR_AVAILABLE);
    }

    /** With {@code vectorized} false the scalar loops only (tests compare the two). */
    RowOptimizer(OptimizerSpec spec, boolean vectorized) {
        if (vectorized && !VECTOR_AVAILABLE) {
            throw new IllegalStateException("vectorized row optimizer: the JVM lacks --add-modules jdk.incubator.vector"
                + " (or runs with -Dspikestream.vector=false)");
        }
        this.spec = spec;
        this.vectorized = vectorized;
    }

    /** Whether this optimizer's weight updates run in SIMD lanes. */
    public boolean vectorized() {
        return vectorized;
    }

    /**
     * @param grad per-synapse gradients of the row (read)
     * @param acc  batch accumulators (null for batch_size 1)
     * @param m    Adam's first moments (null for gradient descent)
     * @param v    Adam's second moments (null for gradient descent)
     */
    public void apply(SourceClocks clocks, int src, Projection.Part part, long i0, long i1, long idx,
                      MemorySegment grad, MemorySegment acc, MemorySegment m, MemorySegment v, double etaNow) {
        clocks.load(src, clock0);
        final OptimizerClock c = clock0;
        final int batch = spec.batchSize();
        final long kNew = 1 + idx / batch;
        final boolean update = c.k < kNew;
        final boolean adam = spec.type() == OptimizerSpec.Type.ADAM;
        if (adam && spec.adamCatchUp() && update && kNew - c.k > 1) {
            // NEST's catch-up iterations: per synapse, through the general path
            for (long i = i0; i < i1; i++) {
                clock.copyFrom(clock0);
                opt[0] = acc == null ? 0.0 : acc.getAtIndex(SynapseLayout.STATE, i);
                opt[1] = m.getAtIndex(SynapseLayout.STATE, i);
                opt[2] = v.getAtIndex(SynapseLayout.STATE, i);
                double w = WeightOptimizer.optimize(spec, etaNow, clock, idx, grad.getAtIndex(SynapseLayout.STATE, i),
                    part.weight(i), opt);
                part.setWeight(i, w);
                if (acc != null) {
                    acc.setAtIndex(SynapseLayout.STATE, i, opt[0]);
                }
                m.setAtIndex(SynapseLayout.STATE, i, opt[1]);
                v.setAtIndex(SynapseLayout.STATE, i, opt[2]);
            }
            clocks.store(src, clock);
            return;
        }
        if (!update) {
            // inside a batch: only accumulate (batch_size > 1; with batch_size 1 every update index is new)
            if (acc == null) {
                return;
            }
            for (long i = i0; i < i1; i++) {
                acc.setAtIndex(SynapseLayout.STATE, i, acc.getAtIndex(SynapseLayout.STATE, i)
                    + grad.getAtIndex(SynapseLayout.STATE, i));
            }
            return;
        }
        final double lo = spec.wMin();
        final double hi = spec.wMax();
        final double b = batch;
        if (!adam) {
            final double etaCur = c.etaCurrent;
            long i = i0;
            if (vectorized) {
                i = VectorRows.gradientDescent(grad, acc, part.weights, i0, i1, b, etaCur, lo, hi);
            }
            for (; i < i1; i++) {
                double g = grad.getAtIndex(SynapseLayout.STATE, i);
                if (acc != null) {
                    g = (acc.getAtIndex(SynapseLayout.STATE, i) + g) / b;
                    acc.setAtIndex(SynapseLayout.STATE, i, 0.0);
                }
                double w = part.weight(i) - etaCur * g;
                part.setWeight(i, WeightOptimizer.clamp(w, lo, hi));
            }
        } else {
            final double b1 = spec.beta1();
            final double b2 = spec.beta2();
            final double eps = spec.epsilon();
            final double p1 = c.b1pow * b1;
            final double p2 = c.b2pow * b2;
            final double alpha = c.etaCurrent * Math.sqrt(1.0 - p2) / (1.0 - p1);
            final double oneMinusB1 = 1.0 - b1;
            final double oneMinusB2 = 1.0 - b2;
            long i = i0;
            if (vectorized) {
                i = VectorRows.adam(grad, acc, m, v, part.weights, i0, i1, b, b1, b2, oneMinusB1, oneMinusB2, eps,
                    alpha, lo, hi);
            }
            for (; i < i1; i++) {
                double g = grad.getAtIndex(SynapseLayout.STATE, i);
                if (acc != null) {
                    g = (acc.getAtIndex(SynapseLayout.STATE, i) + g) / b;
                    acc.setAtIndex(SynapseLayout.STATE, i, 0.0);
                }
                double mi = b1 * m.getAtIndex(SynapseLayout.STATE, i) + oneMinusB1 * g;
                double vi = b2 * v.getAtIndex(SynapseLayout.STATE, i) + oneMinusB2 * g * g;
                m.setAtIndex(SynapseLayout.STATE, i, mi);
                v.setAtIndex(SynapseLayout.STATE, i, vi);
                double w = part.weight(i) - alpha * mi / (Math.sqrt(vi) + eps);
                part.setWeight(i, WeightOptimizer.clamp(w, lo, hi));
            }
            c.b1pow = p1;
            c.b2pow = p2;
        }
        c.etaCurrent = etaNow;
        c.nOptimize++;
        c.k = kNew;
        clocks.store(src, c);
    }
}
