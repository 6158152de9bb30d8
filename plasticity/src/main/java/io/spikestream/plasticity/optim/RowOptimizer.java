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
 */
public final class RowOptimizer {

    private final OptimizerSpec spec;
    private final OptimizerClock clock0 = new OptimizerClock();
    private final OptimizerClock clock = new OptimizerClock();
    private final double[] opt = new double[3];
    private final AdamStep adamStep = new AdamStep();

    public RowOptimizer(OptimizerSpec spec) {
        this.spec = spec;
    }

    /**
     * @param grad per-synapse gradients of the row (read)
     * @param acc  batch accumulators (null for batch_size 1)
     * @param m    Adam's first moments (null for gradient descent)
     * @param v    Adam's second moments (null for gradient descent)
     */
    public void apply(SourceClocks clocks, int src, Projection.Part part, long i0, long i1, long idx,
                      MemorySegment grad, MemorySegment acc, MemorySegment m, MemorySegment v, double etaNow) {
        apply(clocks, src, part, i0, i1, idx, grad, 0, acc, m, v, etaNow);
    }

    /**
     * As {@link #apply(SourceClocks, int, Projection.Part, long, long, long, MemorySegment, MemorySegment,
     * MemorySegment, MemorySegment, double)}, with synapse i's gradient at {@code grad[i - gradOffset]} (a row's
     * gradients in a scratch column of their own).
     */
    public void apply(SourceClocks clocks, int src, Projection.Part part, long i0, long i1, long idx,
                      MemorySegment grad, long gradOffset, MemorySegment acc, MemorySegment m, MemorySegment v,
                      double etaNow) {
        // Each path has a method of its own: one method holding all four loops (with the memory-segment accesses
        // inlined) was too big for C1's register allocator, so it sometimes stayed in tier-2 code for a whole run
        // ("COMPILE SKIPPED: out of virtual registers in linear scan"), and a learner ran 1.3x slower.
        clocks.load(src, clock0);
        final OptimizerClock c = clock0;
        final long kNew = 1 + idx / spec.batchSize();
        final boolean update = c.k < kNew;
        final boolean adam = spec.type() == OptimizerSpec.Type.ADAM;
        if (adam && catchesUp(c, kNew)) {
            catchUp(clocks, src, part, i0, i1, idx, grad, gradOffset, acc, m, v, etaNow);
            return;
        }
        if (!update) {
            // inside a batch: only accumulate (batch_size > 1; with batch_size 1 every update index is new)
            if (acc != null) {
                accumulate(i0, i1, grad, gradOffset, acc);
            }
            return;
        }
        if (!adam) {
            descend(part, i0, i1, grad, gradOffset, acc, c.etaCurrent);
        } else {
            adam(part, i0, i1, grad, gradOffset, acc, m, v, c);
        }
        advance(clocks, src, c, kNew, etaNow);
    }

    /** NEST's Adam catch-up (if on) has more than one update index to go through: the per-synapse general path. */
    private boolean catchesUp(OptimizerClock c, long kNew) {
        return spec.adamCatchUp() && kNew - c.k > 1;
    }

    /** An optimizer step done at update index kNew: the clock takes it and the learning rate now configured. */
    private static void advance(SourceClocks clocks, int src, OptimizerClock c, long kNew, double etaNow) {
        c.etaCurrent = etaNow;
        c.nOptimize++;
        c.k = kNew;
        clocks.store(src, c);
    }

    /** NEST's Adam catch-up iterations over more than one update index: per synapse, through the general path. */
    private void catchUp(SourceClocks clocks, int src, Projection.Part part, long i0, long i1, long idx,
                         MemorySegment grad, long gradOffset, MemorySegment acc, MemorySegment m, MemorySegment v,
                         double etaNow) {
        for (long i = i0; i < i1; i++) {
            clock.copyFrom(clock0);
            opt[0] = acc == null ? 0.0 : acc.getAtIndex(SynapseLayout.STATE, i);
            opt[1] = m.getAtIndex(SynapseLayout.STATE, i);
            opt[2] = v.getAtIndex(SynapseLayout.STATE, i);
            double w = WeightOptimizer.optimize(spec, etaNow, clock, idx,
                grad.getAtIndex(SynapseLayout.STATE, i - gradOffset),
                part.weight(i), opt);
            part.setWeight(i, w);
            if (acc != null) {
                acc.setAtIndex(SynapseLayout.STATE, i, opt[0]);
            }
            m.setAtIndex(SynapseLayout.STATE, i, opt[1]);
            v.setAtIndex(SynapseLayout.STATE, i, opt[2]);
        }
        clocks.store(src, clock);
    }

    private static void accumulate(long i0, long i1, MemorySegment grad, long gradOffset, MemorySegment acc) {
        for (long i = i0; i < i1; i++) {
            acc.setAtIndex(SynapseLayout.STATE, i, acc.getAtIndex(SynapseLayout.STATE, i)
                + grad.getAtIndex(SynapseLayout.STATE, i - gradOffset));
        }
    }

    private void descend(Projection.Part part, long i0, long i1, MemorySegment grad, long gradOffset,
                         MemorySegment acc, double etaCur) {
        final double lo = spec.wMin();
        final double hi = spec.wMax();
        final double b = spec.batchSize();
        for (long i = i0; i < i1; i++) {
            double g = grad.getAtIndex(SynapseLayout.STATE, i - gradOffset);
            if (acc != null) {
                g = (acc.getAtIndex(SynapseLayout.STATE, i) + g) / b;
                acc.setAtIndex(SynapseLayout.STATE, i, 0.0);
            }
            double w = part.weight(i) - etaCur * g;
            part.setWeight(i, WeightOptimizer.clamp(w, lo, hi));
        }
    }

    /** Adam at one new update index; advances the clock's bias-correction powers. */
    private void adam(Projection.Part part, long i0, long i1, MemorySegment grad, long gradOffset,
                      MemorySegment acc, MemorySegment m, MemorySegment v, OptimizerClock c) {
        final AdamStep a = adamStep;
        a.prepare(spec, c);
        final double b = spec.batchSize();
        final double b1 = a.b1;
        final double oneMinusB1 = a.oneMinusB1;
        final double b2 = a.b2;
        final double oneMinusB2 = a.oneMinusB2;
        final double alpha = a.alpha;
        final double eps = a.eps;
        final double lo = a.lo;
        final double hi = a.hi;
        for (long i = i0; i < i1; i++) {
            double g = grad.getAtIndex(SynapseLayout.STATE, i - gradOffset);
            if (acc != null) {
                g = (acc.getAtIndex(SynapseLayout.STATE, i) + g) / b;
                acc.setAtIndex(SynapseLayout.STATE, i, 0.0);
            }
            // the arithmetic of adamSynapse, written out (see there)
            double mi = b1 * m.getAtIndex(SynapseLayout.STATE, i) + oneMinusB1 * g;
            double vi = b2 * v.getAtIndex(SynapseLayout.STATE, i) + oneMinusB2 * g * g;
            m.setAtIndex(SynapseLayout.STATE, i, mi);
            v.setAtIndex(SynapseLayout.STATE, i, vi);
            double w = part.weight(i) - alpha * mi / (Math.sqrt(vi) + eps);
            part.setWeight(i, WeightOptimizer.clamp(w, lo, hi));
        }
        a.advancePowers(c);
    }

    /**
     * Starts a plain Adam step of source {@code src}'s row at optimization index {@code idx} for a kernel that applies
     * it in its own pass over the row (one pass reading every column at once instead of two). True when the row's
     * update is one: Adam, a new update index, no catch-up over several, no batch accumulator ({@code accumulates}
     * false); then {@code step} holds the row's constants, the kernel applies {@link #adamSynapse}'s arithmetic per
     * synapse and then calls {@link #finishAdam}. False: nothing changed, the caller uses {@link #apply}.
     */
    public boolean startAdam(SourceClocks clocks, int src, long idx, boolean accumulates, AdamStep step) {
        if (spec.type() != OptimizerSpec.Type.ADAM || accumulates) {
            return false;
        }
        clocks.load(src, clock0);
        final OptimizerClock c = clock0;
        final long kNew = 1 + idx / spec.batchSize();
        if (c.k >= kNew || catchesUp(c, kNew)) {
            return false;
        }
        step.prepare(spec, c);
        step.kNew = kNew;
        return true;
    }

    /** Ends the step {@link #startAdam} started: the source's clock advanced as {@link #apply} advances it. */
    public void finishAdam(SourceClocks clocks, int src, AdamStep step, double etaNow) {
        step.advancePowers(clock0);
        advance(clocks, src, clock0, step.kNew, etaNow);
    }

    /**
     * Adam's update of synapse i with gradient g: its moments in {@code m}, {@code v} and its weight, in the order of
     * {@link WeightOptimizer} (bit for bit). The row loops ({@link #adam}, HotRows.closeOpenAdam) write these lines
     * out instead of calling this: called from both, C2 compiled it on its own first, and a compiled method of its
     * size is not inlined again ("already compiled into a big method"), which made the fused pass 1.4x slower than
     * the two passes it replaced. {@code RowOptimizerTest} checks this and {@link #adam} against NEST's per-synapse
     * arithmetic, {@code HotRowsTest} the fused pass against the two passes.
     */
    public static void adamSynapse(long i, double g, MemorySegment m, MemorySegment v, Projection.Part part,
                                   double b1, double oneMinusB1, double b2, double oneMinusB2, double alpha,
                                   double eps, double lo, double hi) {
        double mi = b1 * m.getAtIndex(SynapseLayout.STATE, i) + oneMinusB1 * g;
        double vi = b2 * v.getAtIndex(SynapseLayout.STATE, i) + oneMinusB2 * g * g;
        m.setAtIndex(SynapseLayout.STATE, i, mi);
        v.setAtIndex(SynapseLayout.STATE, i, vi);
        double w = part.weight(i) - alpha * mi / (Math.sqrt(vi) + eps);
        part.setWeight(i, WeightOptimizer.clamp(w, lo, hi));
    }

    /** The per-row constants of one Adam step (bias correction folded into alpha); one per worker. */
    public static final class AdamStep {
        public double b1;
        public double oneMinusB1;
        public double b2;
        public double oneMinusB2;
        public double alpha;
        public double eps;
        public double lo;
        public double hi;
        double p1;
        double p2;
        long kNew;

        void prepare(OptimizerSpec spec, OptimizerClock c) {
            b1 = spec.beta1();
            b2 = spec.beta2();
            eps = spec.epsilon();
            lo = spec.wMin();
            hi = spec.wMax();
            p1 = c.b1pow * b1;
            p2 = c.b2pow * b2;
            alpha = c.etaCurrent * Math.sqrt(1.0 - p2) / (1.0 - p1);
            oneMinusB1 = 1.0 - b1;
            oneMinusB2 = 1.0 - b2;
        }

        /** The clock's bias-correction powers after this step. */
        void advancePowers(OptimizerClock c) {
            c.b1pow = p1;
            c.b2pow = p2;
        }
    }
}
