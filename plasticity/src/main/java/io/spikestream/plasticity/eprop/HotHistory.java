package io.spikestream.plasticity.eprop;

import io.spikestream.network.LargeSegments;
import io.spikestream.network.LifPopulation;
import io.spikestream.network.Params;
import io.spikestream.network.TimeGrid;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The history of a recurrent population for the "hot" layout of {@link FastEpropRule} (kappa == kappa_reg): the
 * folded prefix sums of {@link PrefixHistory} ({@code S = sum psi rho^(u-b)}, {@code D = sum L' k^(u-b)},
 * {@code C = sum L' k^(u-b) S(u)}, rebased at every block start b), but only for the last {@link #RING} steps, plus
 * each neuron's values at the end of its last {@link #carrySlots} blocks (the block carries). A synapse folds the
 * terms at its window's start into its own state at the opening event and reads the terms at the end at the closing
 * event, both within two steps of the present (docs/fast-eprop.md, "Hot history"), so nothing older is kept.
 *
 * <p>Layout (off-heap, long-indexed, neuron-major so that the two entries a synaptic event reads, steps s - 1 and
 * s - 2, lie next to each other): {@code ring[(j * RING + step % RING) * FIELDS + field]},
 * {@code carries[(j * carrySlots + block % carrySlots) * 3 + {S, D, C}]}. psi and S of step t are written in the
 * update of step t; L (known two steps later) and D, C at the start of step t + 2. At stamp s the rows read the
 * entries of s - 1 (S, psi) and s - 2 (S, D, C): four slots keep both while s and s - 2 are being written. Owned per
 * chunk of neurons by one worker.
 */
final class HotHistory {

    static final int S = 0;
    static final int D = 1;
    static final int C = 2;
    static final int PSI = 3;
    static final int LS = 4;
    static final int FIELDS = 5;
    static final int RING = 4;
    static final int RING_MASK = RING - 1;
    /** Values of one neuron's ring. */
    static final int NEURON_STRIDE = RING * FIELDS;
    static final int CARRY_FIELDS = 3;

    static final ValueLayout.OfDouble DBL = ValueLayout.JAVA_DOUBLE;

    final int n;
    final int block;
    final int blockMask;
    final int carrySlots;
    final int carryMask;
    final MemorySegment ring;
    final MemorySegment carries;

    final double pV;
    final double kappa;
    /** kappa^B and P^B: a synapse's frame moved from one block to the next. */
    final double kappaBlock;
    final double pBlock;
    // power tables pow[x + block] for x in [-block, max(block, longest window) + 1]
    final double[] powK;
    final double[] powP;
    final double[] powRho;

    /**
     * @param longestWindow the most steps a window can integrate before it is closed (sizes the carries: a window
     *                      reads the carry of every block it crosses)
     */
    HotHistory(int n, int longestWindow, double pV, double kappa, Arena arena) {
        this.n = n;
        this.pV = pV;
        this.kappa = kappa;
        double rho = pV / kappa;
        double maxLog = Math.max(Math.abs(Math.log(kappa)), Math.max(Math.abs(Math.log(rho)), Math.abs(Math.log(pV))));
        // the same bound as PrefixHistory's: every rebasing factor within 1e4
        int b = 2048;
        while (b > 4 && b * maxLog > Math.log(1e4)) {
            b >>= 1;
        }
        this.block = b;
        this.blockMask = b - 1;
        // blocks from the one of a window's start to the one of the present step: at most (window + 2) / B + 2
        this.carrySlots = Integer.highestOneBit(Math.max(2, (longestWindow + 2) / b + 2) - 1) << 1;
        this.carryMask = carrySlots - 1;
        this.ring = LargeSegments.allocate(arena, DBL, (long) n * NEURON_STRIDE);
        this.carries = LargeSegments.allocate(arena, DBL, (long) n * carrySlots * CARRY_FIELDS);
        // exponents from -block (frames) to the longest window (the presynaptic trace's decay over a window)
        int len = block + Math.max(block, longestWindow) + 2;
        powK = table(kappa, len);
        powP = table(pV, len);
        powRho = table(rho, len);
        kappaBlock = Math.pow(kappa, block);
        pBlock = Math.pow(pV, block);
    }

    private double[] table(double base, int len) {
        double[] t = new double[len];
        for (int i = 0; i < len; i++) {
            t[i] = Math.pow(base, i - block);
        }
        return t;
    }

    static HotHistory recurrent(LifPopulation pop, TimeGrid grid, int longestWindow, Arena arena) {
        Params p = pop.params();
        double pV = Math.exp(-grid.resolutionMs() / p.d("tau_m"));
        double k = p.d("kappa");
        if (!(k > 0 && k <= 1) || !PrefixHistory.foldable(pop)) {
            throw new IllegalArgumentException("the hot history needs 0 < kappa == kappa_reg <= 1 (population "
                + pop.label() + " has kappa=" + k + ", kappa_reg=" + p.d("kappa_reg") + ")");
        }
        return new HotHistory(pop.size(), longestWindow, pV, k, arena);
    }

    /** Power-table index of exponent x. */
    int off(long x) {
        return (int) x + block;
    }

    /** Value offset of step t's entry within a neuron's ring. */
    static int slot(long t) {
        return (int) (t & RING_MASK) * FIELDS;
    }

    /** Value offset of block {@code blockStart}'s carry within a neuron's carries. */
    int carrySlot(long blockStart) {
        return (int) ((blockStart / block) & carryMask) * CARRY_FIELDS;
    }

    long bytes() {
        return ring.byteSize() + carries.byteSize();
    }

    /**
     * Steps after a quiet skip until what a window opened then can read is what stepping would hold: a block start
     * (the prefix sums restart there, and every carry such a window reads is written after it), the ring turned
     * over, and the two steps L lags.
     */
    long resumeSteps() {
        return (long) block + RING + 2;
    }

    // ------------------------------------------------------------------ writers

    /**
     * Step t, after the neuron update, neurons [from, to): psi, its prefix S, and the regularisation part of L'
     * ({@code (1 - kappa) fr}; L is added when it is known). The same arithmetic as {@link PrefixHistory#writePsi}.
     */
    void writePsi(long t, int from, int to, double[] psi, double[] fr) {
        final MemorySegment r = ring;
        final int x = (int) (t & blockMask);
        final double rx = powRho[x + block];
        final int cur = slot(t);
        final int prev = slot(t - 1);
        final boolean first = x == 0;
        final boolean last = x == blockMask;
        final long carry = carrySlot(t);
        final double oneMinusK = 1.0 - kappa;
        for (int j = from; j < to; j++) {
            long nb = (long) j * NEURON_STRIDE;
            double s0 = first ? 0.0 : r.getAtIndex(DBL, nb + prev + S);
            double s = s0 + psi[j] * rx;
            r.setAtIndex(DBL, nb + cur + S, s);
            r.setAtIndex(DBL, nb + cur + PSI, psi[j]);
            r.setAtIndex(DBL, nb + cur + LS, oneMinusK * fr[j]);
            if (last) {
                carries.setAtIndex(DBL, (long) j * carrySlots * CARRY_FIELDS + carry + S, s);
            }
        }
    }

    /**
     * Start of step tau + 2: the learning signals of step tau, neurons [from, to), are complete: L' and D, C of tau
     * (the same arithmetic as {@link PrefixHistory#writeLearningSignals}).
     */
    void writeLearningSignals(long tau, int from, int to, double[] ls) {
        final MemorySegment r = ring;
        final int x = (int) (tau & blockMask);
        final double kx = powK[x + block];
        final int cur = slot(tau);
        final int prev = slot(tau - 1);
        final boolean first = x == 0;
        final boolean last = x == blockMask;
        final long carry = carrySlot(tau);
        for (int j = from; j < to; j++) {
            long nb = (long) j * NEURON_STRIDE;
            double d0 = 0.0;
            double c0 = 0.0;
            if (!first) {
                d0 = r.getAtIndex(DBL, nb + prev + D);
                c0 = r.getAtIndex(DBL, nb + prev + C);
            }
            long e = nb + cur;
            double l = ls[j] + r.getAtIndex(DBL, e + LS);
            double lk = l * kx;
            double d = d0 + lk;
            double c = c0 + lk * r.getAtIndex(DBL, e + S);
            r.setAtIndex(DBL, e + LS, l);
            r.setAtIndex(DBL, e + D, d);
            r.setAtIndex(DBL, e + C, c);
            if (last) {
                long cb = (long) j * carrySlots * CARRY_FIELDS + carry;
                carries.setAtIndex(DBL, cb + D, d);
                carries.setAtIndex(DBL, cb + C, c);
            }
        }
    }
}
