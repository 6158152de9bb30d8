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
 * {@code C = sum L' k^(u-b) S(u)}, rebased at every block start b), but only for the last {@link #RING} steps, and on
 * two block grids, the second offset by half a block. A synapse folds the terms at its window's start into its own
 * state at the opening event and reads the terms at the end at the closing event, both within two steps of the
 * present (docs/fast-eprop.md, "Hot history"), so nothing older is kept. A window is at most half a block long
 * ({@link #longestWindow}), so it lies inside one block of one of the grids: no window reads a block boundary.
 *
 * <p>Layout (off-heap, long-indexed, neuron-major so that the two entries a synaptic event reads, steps s - 1 and
 * s - 2, lie next to each other; an entry is 8 doubles, one cache line):
 * {@code ring[(j * RING + step % RING) * FIELDS + field]}, fields {S, D, C} of grid 0, the same of grid 1, psi, L'.
 * psi and S of step t are written in the update of step t; L (known two steps later) and D, C at the start of step
 * t + 2. At stamp s the rows read the entries of s - 1 (S, psi) and s - 2 (S, D, C): four slots keep both while s and
 * s - 2 are being written. Owned per chunk of neurons by one worker.
 */
final class HotHistory {

    /** Offsets within a grid's three values; grid g's start at {@code g * GRID_FIELDS}. */
    static final int S = 0;
    static final int D = 1;
    static final int C = 2;
    static final int GRID_FIELDS = 3;
    static final int PSI = 6;
    static final int LS = 7;
    static final int FIELDS = 8;
    static final int RING = 4;
    static final int RING_MASK = RING - 1;
    /** Values of one neuron's ring. */
    static final int NEURON_STRIDE = RING * FIELDS;

    static final ValueLayout.OfDouble DBL = ValueLayout.JAVA_DOUBLE;

    final int n;
    final int block;
    final int blockMask;
    /** Grid 1's blocks start half a block after grid 0's. */
    final int half;
    /** The most steps a window integrates before it is closed: at most half a block, so one grid holds it whole. */
    final int longestWindow;
    final MemorySegment ring;

    final double pV;
    final double kappa;
    // power tables pow[x + block] for x in [-block, block + 1]
    final double[] powK;
    final double[] powP;
    final double[] powRho;

    /**
     * @param window the most steps a window should integrate before it is closed (the cutoff); capped at half a
     *               block ({@link #longestWindow})
     */
    HotHistory(int n, int window, double pV, double kappa, Arena arena) {
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
        this.half = b / 2;
        // a window [t0, t0 + w - 1] and the step before it fit in one block of a grid whenever w <= B / 2
        this.longestWindow = Math.max(1, Math.min(window, half));
        this.ring = LargeSegments.allocate(arena, DBL, (long) n * NEURON_STRIDE);
        int len = 2 * block + 2;
        powK = table(kappa, len);
        powP = table(pV, len);
        powRho = table(rho, len);
    }

    private double[] table(double base, int len) {
        double[] t = new double[len];
        for (int i = 0; i < len; i++) {
            t[i] = Math.pow(base, i - block);
        }
        return t;
    }

    static HotHistory recurrent(LifPopulation pop, TimeGrid grid, int window, Arena arena) {
        Params p = pop.params();
        double pV = Math.exp(-grid.resolutionMs() / p.d("tau_m"));
        double k = p.d("kappa");
        if (!(k > 0 && k <= 1) || !PrefixHistory.foldable(pop)) {
            throw new IllegalArgumentException("the hot history needs 0 < kappa == kappa_reg <= 1 (population "
                + pop.label() + " has kappa=" + k + ", kappa_reg=" + p.d("kappa_reg") + ")");
        }
        return new HotHistory(pop.size(), window, pV, k, arena);
    }

    /** Power-table index of exponent x. */
    int off(long x) {
        return (int) x + block;
    }

    /** Value offset of step t's entry within a neuron's ring. */
    static int slot(long t) {
        return (int) (t & RING_MASK) * FIELDS;
    }

    /** Start of the block of {@code grid} that holds step t. */
    long blockStart(int grid, long t) {
        long o = grid == 0 ? 0 : half;
        return ((t - o) & ~(long) blockMask) + o;
    }

    /**
     * The grid a window gets: the first whose block holds both the step before its first step t0 (or starts at t0)
     * and its last possible step t0 + w - 1 (w <= {@link #longestWindow}: one of them does).
     */
    int gridFor(long t0, long w) {
        return t0 + w - 1 < blockStart(0, t0) + block ? 0 : 1;
    }

    long bytes() {
        return ring.byteSize();
    }

    /**
     * Steps after a quiet skip until what a window opened then can read is what stepping would hold: a block start of
     * each grid (the prefix sums restart there), the ring turned over, and the two steps L lags.
     */
    long resumeSteps() {
        return (long) block + half + RING + 2;
    }

    // ------------------------------------------------------------------ writers

    /**
     * Step t, after the neuron update, neurons [from, to): psi, its prefix S on both grids, and the regularisation part
     * of L' ({@code (1 - kappa) fr}; L is added when it is known).
     */
    void writePsi(long t, int from, int to, double[] psi, double[] fr) {
        final MemorySegment r = ring;
        final int x0 = (int) (t & blockMask);
        final int x1 = (int) ((t - half) & blockMask);
        final double rx0 = powRho[x0 + block];
        final double rx1 = powRho[x1 + block];
        // 0 at a block start of the grid: the prefix restarts
        final double keep0 = x0 == 0 ? 0.0 : 1.0;
        final double keep1 = x1 == 0 ? 0.0 : 1.0;
        final int cur = slot(t);
        final int prev = slot(t - 1);
        final double oneMinusK = 1.0 - kappa;
        for (int j = from; j < to; j++) {
            long nb = (long) j * NEURON_STRIDE;
            long e = nb + cur;
            long q = nb + prev;
            double pj = psi[j];
            r.setAtIndex(DBL, e + S, r.getAtIndex(DBL, q + S) * keep0 + pj * rx0);
            r.setAtIndex(DBL, e + GRID_FIELDS + S, r.getAtIndex(DBL, q + GRID_FIELDS + S) * keep1 + pj * rx1);
            r.setAtIndex(DBL, e + PSI, pj);
            r.setAtIndex(DBL, e + LS, oneMinusK * fr[j]);
        }
    }

    /**
     * Start of step tau + 2: the learning signals of step tau, neurons [from, to), are complete: L' and D, C of tau
     * on both grids (the arithmetic of {@link PrefixHistory#writeLearningSignals}).
     */
    void writeLearningSignals(long tau, int from, int to, double[] ls) {
        final MemorySegment r = ring;
        final int x0 = (int) (tau & blockMask);
        final int x1 = (int) ((tau - half) & blockMask);
        final double kx0 = powK[x0 + block];
        final double kx1 = powK[x1 + block];
        final double keep0 = x0 == 0 ? 0.0 : 1.0;
        final double keep1 = x1 == 0 ? 0.0 : 1.0;
        final int cur = slot(tau);
        final int prev = slot(tau - 1);
        for (int j = from; j < to; j++) {
            long nb = (long) j * NEURON_STRIDE;
            long e = nb + cur;
            long q = nb + prev;
            double l = ls[j] + r.getAtIndex(DBL, e + LS);
            r.setAtIndex(DBL, e + LS, l);
            double lk0 = l * kx0;
            r.setAtIndex(DBL, e + D, r.getAtIndex(DBL, q + D) * keep0 + lk0);
            r.setAtIndex(DBL, e + C, r.getAtIndex(DBL, q + C) * keep0 + lk0 * r.getAtIndex(DBL, e + S));
            double lk1 = l * kx1;
            int g1 = GRID_FIELDS;
            r.setAtIndex(DBL, e + g1 + D, r.getAtIndex(DBL, q + g1 + D) * keep1 + lk1);
            r.setAtIndex(DBL, e + g1 + C, r.getAtIndex(DBL, q + g1 + C) * keep1 + lk1 * r.getAtIndex(DBL, e + g1 + S));
        }
    }
}
