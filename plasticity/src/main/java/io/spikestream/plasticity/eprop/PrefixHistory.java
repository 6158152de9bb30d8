package io.spikestream.plasticity.eprop;

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
 * <p>Layout (off-heap, time-major so that the entries of one step for all neurons are contiguous):
 * {@code ring[((slot * n) + neuron) * FIELDS + field]} with slot = step mod {@link #ringSteps}.
 * psi and S are written in the update of step t; L (known two steps later) and D, C at the start of step t+2.
 * Owned per chunk of neurons by one worker; not threadsafe otherwise.
 */
final class PrefixHistory {

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

    private static final ValueLayout.OfDouble DBL = ValueLayout.JAVA_DOUBLE;

    final int n;
    final int fields;
    final int ringSteps;
    final int ringMask;
    final int block;
    final int blockMask;
    /**
     * On the Java heap rather than off-heap: this is the hottest random-access structure of the engine, and plain
     * array loads let the JIT drop the segment bounds/liveness checks from the gather loop (measured 1.3x).
     * It is per neuron, not per synapse, and is written to checkpoints through MemorySegment.ofArray.
     */
    final double[] ring;

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
        this.ringSteps = Integer.highestOneBit(Math.max(4, ringSteps - 1)) << 1;
        this.ringMask = this.ringSteps - 1;
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
        long len0 = (long) this.ringSteps * n * fields;
        if (len0 > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("history ring of " + len0 + " values is too large: shorten "
                + "eprop_isi_trace_cutoff or the population");
        }
        this.ring = new double[(int) len0];
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

    int index(long step, int j, int field) {
        return (int) (((step & ringMask) * n + j) * fields + field);
    }

    double get(long step, int j, int field) {
        return ring[index(step, j, field)];
    }

    void set(long step, int j, int field, double v) {
        ring[index(step, j, field)] = v;
    }

    /** pow tables are indexed by exponent + block. */
    int off(long x) {
        return (int) x + block;
    }

    // ------------------------------------------------------------------ writers (recurrent)

    /** Step t, after the neuron update: raw psi, fr and the psi prefix sums. */
    void writePsi(long t, int j, double psi, double fr) {
        long b = t & ~(long) blockMask;
        int x = (int) (t - b);
        double s0 = 0.0;
        double sr0 = 0.0;
        if (x > 0) {
            s0 = get(t - 1, j, S);
            sr0 = get(t - 1, j, SR);
        }
        int base = index(t, j, 0);
        ring[base + S] = s0 + psi * powRho[x + block];
        ring[base + SR] = sr0 + psi * powRhoR[x + block];
        ring[base + PSI] = psi;
        ring[base + FR] = fr;
    }

    /** Start of step tau+2: the learning signal of step tau is complete; extend D, C and the fr sums. */
    void writeLearningSignal(long tau, int j, double ls) {
        long b = tau & ~(long) blockMask;
        int x = (int) (tau - b);
        int base = index(tau, j, 0);
        double d0 = 0.0;
        double c0 = 0.0;
        double dr0 = 0.0;
        double cr0 = 0.0;
        if (x > 0) {
            int prev = index(tau - 1, j, 0);
            d0 = ring[prev + D];
            c0 = ring[prev + C];
            dr0 = ring[prev + DR];
            cr0 = ring[prev + CR];
        }
        double fr = ring[base + FR];
        double lk = ls * powK[x + block];
        double fk = fr * powKr[x + block];
        ring[base + LS] = ls;
        ring[base + D] = d0 + lk;
        ring[base + C] = c0 + lk * ring[base + S];
        ring[base + DR] = dr0 + fk;
        ring[base + CR] = cr0 + fk * ring[base + SR];
    }

    /**
     * Copies the FIELDS values of step {@code t} for the targets of a row into {@code dst} (FIELDS per synapse).
     * A tight loop of independent loads: the memory system overlaps the cache misses of many targets, which the
     * long arithmetic loop that follows could not (the ring is too large for the caches at 10^4+ neurons).
     */
    void gather(long t, MemorySegment targets, long i0, long i1, double[] dst) {
        final double[] r = ring;
        final int slotBase = (int) (t & ringMask) * n;
        final int f = fields;
        int k = 0;
        if (f == FIELDS) {
            // explicit copies: for 9 values the JIT's unrolled loads beat an arraycopy stub call
            for (long i = i0; i < i1; i++, k += FIELDS) {
                int b = (slotBase + targets.getAtIndex(ValueLayout.JAVA_INT, i)) * FIELDS;
                dst[k] = r[b];
                dst[k + 1] = r[b + 1];
                dst[k + 2] = r[b + 2];
                dst[k + 3] = r[b + 3];
                dst[k + 4] = r[b + 4];
                dst[k + 5] = r[b + 5];
                dst[k + 6] = r[b + 6];
                dst[k + 7] = r[b + 7];
                dst[k + 8] = r[b + 8];
            }
            return;
        }
        for (long i = i0; i < i1; i++) {
            int b = (slotBase + targets.getAtIndex(ValueLayout.JAVA_INT, i)) * f;
            System.arraycopy(r, b, dst, k, f);
            k += f;
        }
    }

    /**
     * Window sums over [u0, t1] (u0 <= t1) of neuron j into {@code out}: {Q, R, W, Qr, Rr, Wr} as in the class
     * comment, where W, Wr are the inner sums up to t1. {@code pre[preOff..]} holds neuron j's entry of step
     * u0 - 1 (as gathered), so that the first block needs no further read there.
     */
    void window(int j, long u0, long t1, double[] pre, int preOff, double[] out) {
        double q = 0;
        double r = 0;
        double w = 0;
        double qr = 0;
        double rr = 0;
        double wr = 0;
        long a = u0;
        while (a <= t1) {
            long b = a & ~(long) blockMask;
            long e = Math.min(t1, b + blockMask);
            double s0 = 0;
            double d0 = 0;
            double c0 = 0;
            double sr0 = 0;
            double dr0 = 0;
            double cr0 = 0;
            if (a != b) {
                // only the first block can start inside a block, at a = u0: its entry u0 - 1 was gathered
                s0 = pre[preOff + S];
                d0 = pre[preOff + D];
                c0 = pre[preOff + C];
                sr0 = pre[preOff + SR];
                dr0 = pre[preOff + DR];
                cr0 = pre[preOff + CR];
            }
            int i1 = index(e, j, 0);
            double dS = ring[i1 + S] - s0;
            double dD = ring[i1 + D] - d0;
            double dC = ring[i1 + C] - c0;
            double dSr = ring[i1 + SR] - sr0;
            double dDr = ring[i1 + DR] - dr0;
            double dCr = ring[i1 + CR] - cr0;
            int x = off(b - u0);
            double kx = powK[x];
            double rx = powRho[x];
            double krx = powKr[x];
            double rrx = powRhoR[x];
            r += kx * (w * dD + rx * (dC - s0 * dD));
            q += kx * dD;
            w += rx * dS;
            rr += krx * (wr * dDr + rrx * (dCr - sr0 * dDr));
            qr += krx * dDr;
            wr += rrx * dSr;
            a = e + 1;
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
        long b = t & ~(long) blockMask;
        int x = (int) (t - b);
        double s0 = x > 0 ? get(t - 1, j, E_SUM) : 0.0;
        int base = index(t, j, 0);
        ring[base + E_SUM] = s0 + err * powP[x + block];
        ring[base + E_RAW] = err;
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
