package io.spikestream.plasticity.eprop;

import io.spikestream.network.LargeSegments;
import io.spikestream.network.LifPopulation;
import io.spikestream.network.Params;
import io.spikestream.network.ReadoutPopulation;
import io.spikestream.network.TimeGrid;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The history of a postsynaptic population kept as block-rebased prefix sums, so that a synapse can integrate
 * its eligibility traces and gradient over any window of the recent past in O(1) (the identity behind
 * {@link FastEpropRule}).
 *
 * <p>Between presynaptic events a synapse's presynaptic trace is a pure exponential
 * {@code zbar_tau = Y * P^(tau - u0)}, so its gradient over a window [u0, t1] is linear in the traces at the
 * window start with coefficients that depend only on the target's history:
 *
 * <pre>
 *   Q = sum_tau L_tau k^(tau-u0)                     W(tau) = sum_{u0 <= u <= tau} psi_u rho^(u-u0),  rho = P / k
 *   R = sum_tau L_tau k^(tau-u0) W(tau)
 *   G += E k Q + Y R  (+ the same with fr, k_reg, rho_reg, times (1 - k_reg) for the regularisation part)
 * </pre>
 *
 * Each step stores, per neuron, the inclusive prefix sums (within its block of {@link #block} steps, rebased at
 * every block start so that no power over- or underflows)
 * {@code S = sum psi rho^(u-b)}, {@code D = sum L k^(tau-b)}, {@code C = sum L k^(tau-b) S(tau)} and their
 * regularisation twins, plus the raw psi, L, fr of the step. A window then needs the entries at its start
 * and end (and at block boundaries in between). Block length is chosen so that the rebasing factors stay
 * within 1e4, which bounds the cancellation error near 1e-12 relative.
 *
 * <p>With kappa == kappa_reg (NEST's default) the compact layout keeps no such ring for recurrent populations: the
 * regularisation trace folds into the learning signal and a synapse reads only hot entries ({@link HotHistory}).
 *
 * <p>Layout (off-heap, long-indexed, time-major so that the entries of one step for all neurons are contiguous):
 * {@code ring[((slot * n) + neuron) * fields + field]} with {@code slot = step mod ringSteps}; the ring length
 * is what the windows need, not rounded to a power of two (callers compute a step's slot base once per step or
 * row, so the modulo is off the per-synapse path). psi and S are written in the update of step t; L (known two
 * steps later) and D, C at the start of step t+2. Owned per chunk of neurons by one worker; not threadsafe
 * otherwise.
 */
final class PrefixHistory {

    // general layout (kappa != kappa_reg)
    static final int S = 0;
    static final int D = 1;
    static final int C = 2;
    static final int SR = 3;
    static final int DR = 4;
    static final int CR = 5;
    static final int PSI = 6;
    static final int LS = 7;
    static final int FR = 8;
    static final int FIELDS = 9;
    // readout populations: error and its prefix
    static final int E_SUM = 0;
    static final int E_RAW = 1;
    static final int OUT_FIELDS = 2;

    static final ValueLayout.OfDouble DBL = ValueLayout.JAVA_DOUBLE;

    final int n;
    final int fields;
    final int ringSteps;
    final int block;
    final int blockMask;
    /**
     * Off-heap and long-indexed: at 10^6 neurons the ring holds ~4e8 values, beyond any Java array. Segment accesses
     * in the gather loop cost a bounds check each; the row loops read a handful of values per synapse.
     */
    final MemorySegment ring;

    // decay constants and power tables pow[x + block] for x in [-block, max(block, ringSteps) + 1]
    final double pV;
    final double kappa;
    final double kappaReg;
    final double[] powK;
    final double[] powKr;
    final double[] powRho;
    final double[] powRhoR;
    final double[] powP;

    PrefixHistory(int n, int fields, int ringSteps, double pV, double kappa, double kappaReg, Arena arena) {
        this.n = n;
        this.fields = fields;
        this.ringSteps = Math.max(4, ringSteps);
        this.pV = pV;
        this.kappa = kappa;
        this.kappaReg = kappaReg;
        double rho = pV / kappa;
        double rhoR = pV / kappaReg;
        double maxLog = Math.max(Math.max(Math.abs(Math.log(kappa)), Math.abs(Math.log(kappaReg))),
            Math.max(Math.max(Math.abs(Math.log(rho)), Math.abs(Math.log(rhoR))), Math.abs(Math.log(pV))));
        int b = 2048;
        while (b > 4 && b * maxLog > Math.log(1e4)) {
            b >>= 1;
        }
        this.block = b;
        this.blockMask = b - 1;
        // huge pages where available: the row kernels read this ring at random (see LargeSegments)
        this.ring = LargeSegments.allocate(arena, DBL, (long) this.ringSteps * n * fields);
        // exponents from -block (rebasing to a later block) to max(block, ring) (within-block terms, window lengths)
        int len = block + Math.max(block, this.ringSteps) + 2;
        powK = table(kappa, len);
        powKr = table(kappaReg, len);
        powRho = table(rho, len);
        powRhoR = table(rhoR, len);
        powP = table(pV, len);
    }

    private double[] table(double base, int len) {
        double[] t = new double[len];
        for (int i = 0; i < len; i++) {
            t[i] = Math.pow(base, i - block);
        }
        return t;
    }

    /** Whether a recurrent population's regularisation trace folds into its learning signal (kappa == kappa_reg). */
    static boolean foldable(LifPopulation pop) {
        return pop.params().d("kappa") == pop.params().d("kappa_reg");
    }

    static PrefixHistory recurrent(LifPopulation pop, TimeGrid grid, int ringSteps, Arena arena) {
        Params p = pop.params();
        double pV = Math.exp(-grid.resolutionMs() / p.d("tau_m"));
        double k = p.d("kappa");
        double kr = p.d("kappa_reg");
        if (!(k > 0 && k <= 1 && kr > 0 && kr <= 1)) {
            throw new IllegalArgumentException("fast e-prop needs 0 < kappa, kappa_reg <= 1 (population " + pop.label()
                + " has kappa=" + k + ", kappa_reg=" + kr + "); use the NEST-exact rule for kappa = 0");
        }
        return new PrefixHistory(pop.size(), FIELDS, ringSteps, pV, k, kr, arena);
    }

    static PrefixHistory readout(ReadoutPopulation pop, TimeGrid grid, int ringSteps, Arena arena) {
        double pV = Math.exp(-grid.resolutionMs() / pop.params().d("tau_m"));
        return new PrefixHistory(pop.size(), OUT_FIELDS, ringSteps, pV, 1.0, 1.0, arena);
    }

    /** Index (in values) of the first entry of step {@code step}: slot * n * fields. */
    long slotBase(long step) {
        return (step % ringSteps) * n * fields;
    }

    long index(long step, int j, int field) {
        return slotBase(step) + (long) j * fields + field;
    }

    double get(long step, int j, int field) {
        return ring.getAtIndex(DBL, index(step, j, field));
    }

    /** Bytes of the ring. */
    long bytes() {
        return ring.byteSize();
    }

    /** pow tables are indexed by exponent + block. */
    int off(long x) {
        return (int) x + block;
    }

    // ------------------------------------------------------------------ writers (recurrent)

    /**
     * Step t, after the neuron update, neurons [from, to): raw psi, fr and the psi prefix sums ({@code fr} is the
     * regularisation signal c_reg (f_av - f_target)).
     */
    void writePsi(long t, int from, int to, double[] psi, double[] fr) {
        final MemorySegment r = ring;
        final int f = fields;
        final int x = (int) (t & blockMask);
        final double rx = powRho[x + block];
        final long base = slotBase(t);
        final long prev = x > 0 ? slotBase(t - 1) : -1;
        final double rrx = powRhoR[x + block];
        for (int j = from; j < to; j++) {
            long e = base + (long) j * f;
            double s0 = 0.0;
            double sr0 = 0.0;
            if (prev >= 0) {
                long p = prev + (long) j * f;
                s0 = r.getAtIndex(DBL, p + S);
                sr0 = r.getAtIndex(DBL, p + SR);
            }
            r.setAtIndex(DBL, e + S, s0 + psi[j] * rx);
            r.setAtIndex(DBL, e + SR, sr0 + psi[j] * rrx);
            r.setAtIndex(DBL, e + PSI, psi[j]);
            r.setAtIndex(DBL, e + FR, fr[j]);
        }
    }

    /**
     * Start of step tau+2: the learning signals {@code ls[j]} of step tau, neurons [from, to), are complete; extend
     * D, C (and the fr sums).
     */
    void writeLearningSignals(long tau, int from, int to, double[] ls) {
        final MemorySegment r = ring;
        final int f = fields;
        final int x = (int) (tau & blockMask);
        final double kx = powK[x + block];
        final long base = slotBase(tau);
        final long prev = x > 0 ? slotBase(tau - 1) : -1;
        final double krx = powKr[x + block];
        for (int j = from; j < to; j++) {
            long e = base + (long) j * f;
            double d0 = 0.0;
            double c0 = 0.0;
            double dr0 = 0.0;
            double cr0 = 0.0;
            if (prev >= 0) {
                long p = prev + (long) j * f;
                d0 = r.getAtIndex(DBL, p + D);
                c0 = r.getAtIndex(DBL, p + C);
                dr0 = r.getAtIndex(DBL, p + DR);
                cr0 = r.getAtIndex(DBL, p + CR);
            }
            double lk = ls[j] * kx;
            double fk = r.getAtIndex(DBL, e + FR) * krx;
            r.setAtIndex(DBL, e + LS, ls[j]);
            r.setAtIndex(DBL, e + D, d0 + lk);
            r.setAtIndex(DBL, e + C, c0 + lk * r.getAtIndex(DBL, e + S));
            r.setAtIndex(DBL, e + DR, dr0 + fk);
            r.setAtIndex(DBL, e + CR, cr0 + fk * r.getAtIndex(DBL, e + SR));
        }
    }

    /**
     * Copies the entries of step {@code t} for the targets of a row into {@code dst} ({@link #fields} per synapse).
     * A tight loop of independent loads: the memory system overlaps the cache misses of many targets, which the
     * long arithmetic loop that follows could not (the ring is too large for the caches at 10^4+ neurons).
     */
    void gather(long t, MemorySegment targets, long i0, long i1, double[] dst) {
        final MemorySegment r = ring;
        final long slotBase = slotBase(t);
        final int f = fields;
        int k = 0;
        for (long i = i0; i < i1; i++, k += f) {
            long b = slotBase + (long) targets.getAtIndex(ValueLayout.JAVA_INT, i) * f;
            MemorySegment.copy(r, DBL, b * Double.BYTES, dst, k, f);
        }
    }

    /**
     * The block parts of a window [u0, t1]: the same for every synapse of a row, so planned once per row
     * ({@link #plan}) and then used per synapse ({@link #window}) without recomputing slots (a modulo each).
     */
    static final class WindowPlan {
        int parts;
        /** Value index of the entries of each part's last step. */
        long[] endSlot = new long[16];
        /** Power-table index of b - u0 for each part's block start b. */
        int[] x = new int[16];
        /** Whether the first part starts inside its block (at u0): its prefixes before are the gathered entry. */
        boolean firstInside;
    }

    void plan(long u0, long t1, WindowPlan p) {
        int most = (int) ((t1 - u0) / block) + 2;
        if (p.x.length < most) {
            p.endSlot = new long[most];
            p.x = new int[most];
        }
        int c = 0;
        long a = u0;
        p.firstInside = (u0 & blockMask) != 0;
        while (a <= t1) {
            long b = a & ~(long) blockMask;
            long e = Math.min(t1, b + blockMask);
            p.endSlot[c] = slotBase(e);
            p.x[c] = off(b - u0);
            c++;
            a = e + 1;
        }
        p.parts = c;
    }

    /**
     * Window sums over the planned window [u0, t1] of neuron j into {@code out}: {Q, R, W, Qr, Rr, Wr} as in the
     * class comment, where W, Wr are the inner sums up to t1. {@code pre[preOff..]} holds
     * neuron j's entry of step u0 - 1 (as gathered), so that the first block needs no further read there.
     */
    void window(int j, WindowPlan plan, double[] pre, int preOff, double[] out) {
        final MemorySegment rg = ring;
        final long jOff = (long) j * fields;
        double q = 0;
        double r = 0;
        double w = 0;
        double qr = 0;
        double rr = 0;
        double wr = 0;
        for (int c = 0; c < plan.parts; c++) {
            double s0 = 0;
            double d0 = 0;
            double c0 = 0;
            double sr0 = 0;
            double dr0 = 0;
            double cr0 = 0;
            if (c == 0 && plan.firstInside) {
                // only the first block can start inside a block, at u0: its entry u0 - 1 was gathered
                s0 = pre[preOff + S];
                d0 = pre[preOff + D];
                c0 = pre[preOff + C];
                sr0 = pre[preOff + SR];
                dr0 = pre[preOff + DR];
                cr0 = pre[preOff + CR];
            }
            long i1 = plan.endSlot[c] + jOff;
            double dS = rg.getAtIndex(DBL, i1 + S) - s0;
            double dD = rg.getAtIndex(DBL, i1 + D) - d0;
            double dC = rg.getAtIndex(DBL, i1 + C) - c0;
            int x = plan.x[c];
            double kx = powK[x];
            double rx = powRho[x];
            r += kx * (w * dD + rx * (dC - s0 * dD));
            q += kx * dD;
            w += rx * dS;
            double dSr = rg.getAtIndex(DBL, i1 + SR) - sr0;
            double dDr = rg.getAtIndex(DBL, i1 + DR) - dr0;
            double dCr = rg.getAtIndex(DBL, i1 + CR) - cr0;
            double krx = powKr[x];
            double rrx = powRhoR[x];
            rr += krx * (wr * dDr + rrx * (dCr - sr0 * dDr));
            qr += krx * dDr;
            wr += rrx * dSr;
        }
        out[0] = q;
        out[1] = r;
        out[2] = w;
        out[3] = qr;
        out[4] = rr;
        out[5] = wr;
    }

    // ------------------------------------------------------------------ readouts

    void writeError(long t, int j, double err) {
        int x = (int) (t & blockMask);
        double s0 = x > 0 ? get(t - 1, j, E_SUM) : 0.0;
        long base = index(t, j, 0);
        ring.setAtIndex(DBL, base + E_SUM, s0 + err * powP[x + block]);
        ring.setAtIndex(DBL, base + E_RAW, err);
    }

    /** sum_{tau in [u0, t1]} err_tau P^(tau - u0) for readout j; {@code preSum} is its E_SUM at u0 - 1. */
    double errorWindow(int j, long u0, long t1, double preSum) {
        double q = 0;
        long a = u0;
        while (a <= t1) {
            long b = a & ~(long) blockMask;
            long e = Math.min(t1, b + blockMask);
            double s0 = a != b ? preSum : 0.0;
            q += powP[off(b - u0)] * (get(e, j, E_SUM) - s0);
            a = e + 1;
        }
        return q;
    }
}
