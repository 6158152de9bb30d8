package io.spikestream.plasticity.optim;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The per-synapse loops of {@link RowOptimizer} in SIMD lanes (the Vector API, {@code jdk.incubator.vector}).
 * C2 does not vectorize these loops by itself: they read and write five off-heap segments that it cannot prove
 * disjoint (JDK 25 has no runtime aliasing checks for segments), and so runs them a synapse at a time, with a scalar
 * square root and divide each (~4 ns per synapse against ~1.3 ns here, on AVX2).
 *
 * <p>Bit for bit the scalar loop: every lane operation is the IEEE-754 operation of the scalar code, correctly
 * rounded (multiply, add, subtract, divide, square root), in the scalar code's order and grouping, and never fused
 * (no FMA); the clamp takes the scalar clamp's two comparisons ({@code w < lo}, {@code hi < w}), so NaN and signed
 * zeros come out as there. Each method does the whole vectors of {@code [i0, i1)} and returns the index where it
 * stopped; the caller's scalar loop does the rest.
 *
 * <p>Only loaded when the JVM has the module ({@code --add-modules jdk.incubator.vector}); see
 * {@link RowOptimizer#VECTOR_AVAILABLE}.
 */
final class VectorRows {

    private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final long BYTES = Double.BYTES;

    private VectorRows() {
    }

    /** NEST's std::clamp, lane-wise: lo where {@code w < lo}, else hi where {@code hi < w}, else w. */
    private static DoubleVector clamp(DoubleVector w, double lo, double hi) {
        VectorMask<Double> below = w.compare(VectorOperators.LT, lo);
        VectorMask<Double> above = w.compare(VectorOperators.GT, hi).andNot(below);
        return w.blend(hi, above).blend(lo, below);
    }

    /**
     * Adam's step on {@code [i0, i1)}, as the scalar loop of {@link RowOptimizer#apply}: with {@code acc}
     * (batch &gt; 1) the gradient is {@code (acc + grad) / batch} and acc is zeroed.
     *
     * @return the first index not done (the scalar tail starts there)
     */
    static long adam(MemorySegment grad, MemorySegment acc, MemorySegment m, MemorySegment v, MemorySegment weights,
                     long i0, long i1, double batch, double b1, double b2, double oneMinusB1, double oneMinusB2,
                     double eps, double alpha, double lo, double hi) {
        final long end = i0 + (i1 - i0) / LANES * LANES;
        final DoubleVector zero = DoubleVector.zero(SPECIES);
        long i = i0;
        for (; i < end; i += LANES) {
            final long o = i * BYTES;
            DoubleVector g = DoubleVector.fromMemorySegment(SPECIES, grad, o, ORDER);
            if (acc != null) {
                g = DoubleVector.fromMemorySegment(SPECIES, acc, o, ORDER).add(g).div(batch);
                zero.intoMemorySegment(acc, o, ORDER);
            }
            // b1 * m + (1 - b1) * g;  b2 * v + ((1 - b2) * g) * g
            DoubleVector mi = DoubleVector.fromMemorySegment(SPECIES, m, o, ORDER).mul(b1).add(g.mul(oneMinusB1));
            DoubleVector vi = DoubleVector.fromMemorySegment(SPECIES, v, o, ORDER).mul(b2)
                .add(g.mul(oneMinusB2).mul(g));
            mi.intoMemorySegment(m, o, ORDER);
            vi.intoMemorySegment(v, o, ORDER);
            // w - (alpha * m) / (sqrt(v) + eps)
            DoubleVector w = DoubleVector.fromMemorySegment(SPECIES, weights, o, ORDER)
                .sub(mi.mul(alpha).div(vi.sqrt().add(eps)));
            clamp(w, lo, hi).intoMemorySegment(weights, o, ORDER);
        }
        return i;
    }

    /**
     * Gradient descent on {@code [i0, i1)}, as the scalar loop of {@link RowOptimizer#apply}.
     *
     * @return the first index not done (the scalar tail starts there)
     */
    static long gradientDescent(MemorySegment grad, MemorySegment acc, MemorySegment weights, long i0, long i1,
                                double batch, double eta, double lo, double hi) {
        final long end = i0 + (i1 - i0) / LANES * LANES;
        final DoubleVector zero = DoubleVector.zero(SPECIES);
        long i = i0;
        for (; i < end; i += LANES) {
            final long o = i * BYTES;
            DoubleVector g = DoubleVector.fromMemorySegment(SPECIES, grad, o, ORDER);
            if (acc != null) {
                g = DoubleVector.fromMemorySegment(SPECIES, acc, o, ORDER).add(g).div(batch);
                zero.intoMemorySegment(acc, o, ORDER);
            }
            DoubleVector w = DoubleVector.fromMemorySegment(SPECIES, weights, o, ORDER).sub(g.mul(eta));
            clamp(w, lo, hi).intoMemorySegment(weights, o, ORDER);
        }
        return i;
    }
}
