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
 * {@code C = sum L' k^(u-b) S(u)}, rebased at every block start b), but only what the next events and writers read,
 * and on two block grids, the second offset by half a block. A synapse folds the terms at its window's start into its
 * own state at the opening event and reads the terms at the end at the closing event, both within two steps of the
 * present (docs/fast-eprop.md, "Hot history"), so nothing older is kept. A window is at most half a block long
 * ({@link #longestWindow}), so it lies inside one block of one of the grids: no window reads a block boundary.
 *
 * <p>Layout (off-heap, long-indexed): per neuron one cache line (8 doubles) per grid, {@code ring[j * NEURON_STRIDE +
 * grid * LINE + field]}: D and C of the last complete step, then S and psi of the two latest steps, and (grid 0's line
 * only) the regularisation part of L' of those two steps, each pair indexed by the step's parity. At stamp s (the
 * events of step s, between the start of the step and the neurons' update) the last complete step is s - 2 (its L
 * arrived at the start of step s) and the latest is s - 1: an event reads psi and S of s - 1 and S, D, C of s - 2, all
 * in the line of its window's grid. The update of step s then writes psi and S of s over those of s - 2, and the
 * start of step s + 1 folds L of s - 1 into D and C. So the writers touch two lines per neuron and step, and an event
 * one line per synapse (two when the window it closes and the one it opens are on different grids). Owned per chunk of
 * neurons by one worker.
 */
final class HotHistory {

    /** Offsets within a grid's line; S, PSI and LS are followed by the same of the other parity ({@link #at}). */
    static final int D = 0;
    static final int C = 1;
    static final int S = 2;
    static final int PSI = 4;
    static final int LS = 6;
    /** Doubles per grid line: one cache line. */
    static final int LINE = 8;
    /** Values of one neuron: a line per grid. */
    static final int NEURON_STRIDE = 2 * LINE;

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

    /** Offset within a neuron's values of {@code field} (S, PSI or LS) of step t on {@code grid}. */
    static int at(int grid, int field, long t) {
        return grid * LINE + field + (int) (t & 1);
    }

    /** Offset within a neuron's values of the line of {@code grid} (D and C of the last complete step). */
    static int line(int grid) {
        return grid * LINE;
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
     * each grid (the prefix sums restart there), both parities of S and psi rewritten, and the two steps L lags.
     */
    long resumeSteps() {
        return (long) block + half + 2 + 2;
    }

    // ------------------------------------------------------------------ writers

    /** {@link #writePsi}'s per-neuron states ({@code calm}): the neuron's entries changed, or may have. */
    static final byte MOVING = 0;
    /** The neuron's last written step repeated the one before bit for bit, and this step is not written. */
    static final byte CALM = 1;
    /** Written this step, to be compared with the step before (the psi pass found it at rest, psi 0, f_av fixed). */
    static final byte CHECK = 2;

    /** Whether step t is a block start of either grid (the prefix sums restart: S may change with psi 0). */
    boolean blockStart(long t) {
        return (t & blockMask) == 0 || ((t - half) & blockMask) == 0;
    }

    /**
     * Step t, after the neuron update, neurons [from, to): psi, its prefix S on both grids, and the regularisation part
     * of L' ({@code (1 - kappa) fr}; L is added when it is known), over the entries of step t - 2 (read by no one after
     * the events of step t). A neuron {@link #CALM} is left as it is (its entries would be written again as they are:
     * see {@link FastEpropState.Recurrent#afterUpdate}); one to {@link #CHECK} becomes CALM if every value written
     * equals that of step t - 1 bit for bit, else {@link #MOVING}. Without {@code calm} (no neuron of the chunk at
     * rest) every neuron is written.
     */
    void writePsi(long t, int from, int to, double[] psi, double[] fr, byte[] calm) {
        final MemorySegment r = ring;
        final int x0 = (int) (t & blockMask);
        final int x1 = (int) ((t - half) & blockMask);
        final double rx0 = powRho[x0 + block];
        final double rx1 = powRho[x1 + block];
        // 0 at a block start of the grid: the prefix restarts
        final double keep0 = x0 == 0 ? 0.0 : 1.0;
        final double keep1 = x1 == 0 ? 0.0 : 1.0;
        final int s0 = at(0, S, t);
        final int q0 = at(0, S, t - 1);
        final int s1 = at(1, S, t);
        final int q1 = at(1, S, t - 1);
        final int p0 = at(0, PSI, t);
        final int pq = at(0, PSI, t - 1);
        final int p1 = at(1, PSI, t);
        final int l0 = at(0, LS, t);
        final int lq = at(0, LS, t - 1);
        final double oneMinusK = 1.0 - kappa;
        final boolean look = calm != null;
        for (int j = from; j < to; j++) {
            final byte state = look ? calm[j] : MOVING;
            if (state == CALM) {
                continue;
            }
            long nb = (long) j * NEURON_STRIDE;
            double pj = psi[j];
            double sq0 = r.getAtIndex(DBL, nb + q0);
            double sq1 = r.getAtIndex(DBL, nb + q1);
            double sn0 = sq0 * keep0 + pj * rx0;
            double sn1 = sq1 * keep1 + pj * rx1;
            double lj = oneMinusK * fr[j];
            if (state == CHECK) {
                boolean same = (Double.doubleToRawLongBits(sn0) ^ Double.doubleToRawLongBits(sq0)
                    | Double.doubleToRawLongBits(sn1) ^ Double.doubleToRawLongBits(sq1)
                    | Double.doubleToRawLongBits(pj) ^ Double.doubleToRawLongBits(r.getAtIndex(DBL, nb + pq))
                    | Double.doubleToRawLongBits(lj) ^ Double.doubleToRawLongBits(r.getAtIndex(DBL, nb + lq))) == 0L;
                calm[j] = same ? CALM : MOVING;
            }
            r.setAtIndex(DBL, nb + s0, sn0);
            r.setAtIndex(DBL, nb + p0, pj);
            r.setAtIndex(DBL, nb + l0, lj);
            r.setAtIndex(DBL, nb + s1, sn1);
            r.setAtIndex(DBL, nb + p1, pj);
        }
    }

    /**
     * Start of step tau + 2: the learning signals of step tau, neurons [from, to), are complete: D and C of tau on both
     * grids (the arithmetic of {@link PrefixHistory#writeLearningSignals}) over those of tau - 1.
     */
    void writeLearningSignals(long tau, int from, int to, double[] ls) {
        final MemorySegment r = ring;
        final int x0 = (int) (tau & blockMask);
        final int x1 = (int) ((tau - half) & blockMask);
        final double kx0 = powK[x0 + block];
        final double kx1 = powK[x1 + block];
        final double keep0 = x0 == 0 ? 0.0 : 1.0;
        final double keep1 = x1 == 0 ? 0.0 : 1.0;
        final int l0 = at(0, LS, tau);
        final int s0 = at(0, S, tau);
        final int s1 = at(1, S, tau);
        final int g1 = line(1);
        for (int j = from; j < to; j++) {
            long nb = (long) j * NEURON_STRIDE;
            double l = ls[j] + r.getAtIndex(DBL, nb + l0);
            double lk0 = l * kx0;
            r.setAtIndex(DBL, nb + D, r.getAtIndex(DBL, nb + D) * keep0 + lk0);
            r.setAtIndex(DBL, nb + C, r.getAtIndex(DBL, nb + C) * keep0 + lk0 * r.getAtIndex(DBL, nb + s0));
            double lk1 = l * kx1;
            r.setAtIndex(DBL, nb + g1 + D, r.getAtIndex(DBL, nb + g1 + D) * keep1 + lk1);
            r.setAtIndex(DBL, nb + g1 + C, r.getAtIndex(DBL, nb + g1 + C) * keep1 + lk1 * r.getAtIndex(DBL, nb + s1));
        }
    }
}
