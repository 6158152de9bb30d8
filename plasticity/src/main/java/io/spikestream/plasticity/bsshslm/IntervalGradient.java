package io.spikestream.plasticity.bsshslm;

import io.spikestream.network.Projection;
import io.spikestream.network.SynapseLayout;

/**
 * The gradient of one closed update interval for every synapse of a row ({@link BsshslmEpropRule}; NEST's
 * {@code eprop_synapse_bsshslm_2020::compute_gradient}, spec §5.7): the presynaptic trace over the recorded
 * inter-spike intervals, once for the row, then per synapse the eligibility integrated step by step against the
 * target's {@link IntervalArchive}, in NEST's order of operations (both bsshslm fixtures bit for bit).
 */
final class IntervalGradient {

    private IntervalGradient() {
    }

    /**
     * The gradient of the closed interval (NEST's compute_gradient) added to every synapse's accumulator: the
     * presynaptic trace over the ISIs from the trigger spike on, shared by the row, then per synapse the
     * eligibility against the target's archive.
     */
    static void accumulate(BsshslmTarget ps, BsshslmSources st, Projection.Part part, int src,
                           BsshslmEpropRule.Scratch sc, boolean average, long window, long interval) {
        int[] isi = st.isi[src];
        int count = st.isiCount[src];
        long total = 0;
        for (int q = 0; q < count; q++) {
            total += isi[q];
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("e-prop interval of " + total + " steps is too long");
        }
        int n = (int) total;
        if (sc.zbar.length < n) {
            sc.zbar = new double[Math.max(n, sc.zbar.length * 2)];
        }
        final double[] seq = sc.zbar;
        final double pV = ps.pV;
        final double pZ = ps.pZ;
        double zbar = 0.0;
        int q = 0;
        for (int c = 0; c < count; c++) {
            double z = 1.0; // the spike that opens this ISI
            for (int i = 0; i < isi[c]; i++) {
                zbar = pV * zbar + pZ * z;
                seq[q++] = zbar;
                z = 0.0;
            }
        }
        final long t0 = st.tTrigger[src];
        final double divisor = average ? (double) window : 1.0;
        if (ps.rec != null) {
            RecurrentNeurons rn = ps.rec;
            long rateKey = st.tPrevUpdate[src] + RecurrentNeurons.SHIFT + interval;
            int pop0 = rn.pop.globalOffset();
            for (long i = part.rowStart(src), e = part.rowEnd(src); i < e; i++) {
                int tgt = part.target(i);
                double g = rn.adaptive
                    ? gradientAdaptive(rn.archive[tgt], seq, n, t0, ps, pop0 + tgt, rateKey)
                    : gradientPlain(rn.archive[tgt], seq, n, t0, ps.kappa, pop0 + tgt, rateKey);
                if (average) {
                    g /= divisor;
                }
                st.grad.setAtIndex(SynapseLayout.STATE, i, st.grad.getAtIndex(SynapseLayout.STATE, i) + g);
            }
        } else {
            ReadoutNeurons ro = ps.out;
            int pop0 = ro.pop.globalOffset();
            for (long i = part.rowStart(src), e = part.rowEnd(src); i < e; i++) {
                int tgt = part.target(i);
                IntervalArchive a = ro.archive[tgt];
                double g = 0.0;
                for (int c = 0; c < n; c++) {
                    int slot = a.require(t0 + c, pop0 + tgt);
                    g += a.get(slot, ReadoutNeurons.ERR) * seq[c];
                }
                if (average) {
                    g /= divisor;
                }
                st.grad.setAtIndex(SynapseLayout.STATE, i, st.grad.getAtIndex(SynapseLayout.STATE, i) + g);
            }
        }
    }

    private static double gradientPlain(IntervalArchive a, double[] seq, int n, long t0, double kappa, int id,
                                        long rateKey) {
        double ebar = 0.0;
        double g = 0.0;
        double sumE = 0.0;
        for (int c = 0; c < n; c++) {
            int slot = a.require(t0 + c, id);
            double psi = a.get(slot, RecurrentNeurons.PSI);
            double ls = a.get(slot, RecurrentNeurons.LS);
            double e = psi * seq[c];
            ebar = kappa * ebar + (1.0 - kappa) * e;
            g += ls * ebar;
            sumE += e;
        }
        return g + a.rateAt(rateKey, id) * sumE;
    }

    private static double gradientAdaptive(IntervalArchive a, double[] seq, int n, long t0, BsshslmTarget ps, int id,
                                           long rateKey) {
        final double kappa = ps.kappa;
        final double beta = ps.beta;
        final double pA = ps.pA;
        double ebar = 0.0;
        double eps = 0.0;
        double g = 0.0;
        double sumE = 0.0;
        for (int c = 0; c < n; c++) {
            int slot = a.require(t0 + c, id);
            double psi = a.get(slot, RecurrentNeurons.PSI);
            double ls = a.get(slot, RecurrentNeurons.LS);
            double e = psi * (seq[c] - beta * eps);
            eps = pA * eps + e;
            ebar = kappa * ebar + (1.0 - kappa) * e;
            g += ls * ebar;
            sumE += e;
        }
        return g + a.rateAt(rateKey, id) * sumE;
    }
}
