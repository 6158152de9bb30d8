package io.spikestream.plasticity.eprop;

import io.spikestream.network.Projection;
import io.spikestream.network.SynapseLayout;
import io.spikestream.plasticity.eprop.EpropState.PartState;
import io.spikestream.plasticity.eprop.EpropState.Scratch;
import io.spikestream.plasticity.optim.OptimizerSpec;
import io.spikestream.plasticity.optim.WeightOptimizer;

/**
 * The update kernels of {@link EpropRule} (NEST's event-driven e-prop, bit for bit): for one presynaptic event (or
 * flush) of one source, the presynaptic trace over the window since its previous event, then per synapse of the row
 * the step-by-step walk over the target's history (eligibility traces, gradient) and the optimizer. The same
 * floating-point operations in the same order as NEST. Nothing here knows about attaching, hooks or checkpoints.
 */
final class EpropUpdates {

    private EpropUpdates() {
    }

    /** Dale's law: an update that would cross zero stops at zero. */
    static double keepSign(double w, byte sign) {
        return sign > 0 ? Math.max(w, 0.0) : (sign < 0 ? Math.min(w, 0.0) : w);
    }

    /**
     * Builds the presynaptic trace over the window [p-1, p-1+m) shared by every synapse of the row (spec
     * §3.3: the spike at p enters zbar at index p through the one-step buffer). Returns m.
     */
    static int presynapticTrace(PartState st, int src, long p, long s, long cutoff, double pV, Scratch sc) {
        long n = s - p;
        boolean prevFlush = st.prevFlush[src];
        long rem = prevFlush ? st.rem[src] : cutoff;
        double zc = prevFlush ? 0.0 : 1.0;
        long m = Math.min(rem, n);
        if (m > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("e-prop window of " + m + " steps is too long; set eprop_isi_trace_cutoff "
                + "or flush_event_send_interval");
        }
        int mi = (int) m;
        if (sc.zbarSeq.length < mi) {
            sc.zbarSeq = new double[Math.max(mi, sc.zbarSeq.length * 2)];
        }
        double[] seq = sc.zbarSeq;
        double zbar = st.zbar[src];
        double zbuf = st.zbuf[src];
        for (int i = 0; i < mi; i++) {
            double z = zbuf;
            zbuf = zc;
            zc = 0.0;
            zbar = pV * zbar + z;
            seq[i] = zbar;
        }
        st.zbar[src] = zbar;
        st.zbuf[src] = zbuf;
        st.rem[src] = rem - m;
        st.dec[src] += n - m;
        return mi;
    }

    static void gradientRecurrent(RecurrentTarget rt, PartState st, Projection.Part part, int src, long p, long s,
                                  boolean flush, Scratch sc, OptimizerSpec spec, double etaNow) {
        final boolean prevFlush = st.prevFlush[src];
        final int m = presynapticTrace(st, src, p, s, rt.cutoff, rt.pV, sc);
        final long t0 = p - 1;
        final long n = s - p;
        final long dec = st.dec[src];
        final boolean decay = !flush && dec > 0;
        final double kappa = rt.kappa;
        final double kappaReg = rt.kappaReg;
        final double oneMinusKappaReg = 1.0 - kappaReg;
        final boolean adaptive = rt.adaptive;
        final double beta = rt.beta;
        final double pA = rt.pA;
        final double decK = decay ? Math.pow(kappa, dec) : 1.0;
        final double decKr = decay ? Math.pow(kappaReg, dec) : 1.0;
        final double decA = decay && adaptive ? Math.pow(pA, dec) : 1.0;
        final boolean each = spec.optimizeEachStep();
        final boolean adam = spec.type() == OptimizerSpec.Type.ADAM;
        final double[] seq = sc.zbarSeq;
        final double[] o = sc.opt;
        st.clocks.load(src, sc.clock0);
        final int pop0 = rt.pop.globalOffset();
        for (long i = part.rowStart(src), e = part.rowEnd(src); i < e; i++) {
            int tgt = part.target(i);
            NeuronHistory h = rt.history[tgt];
            double ebar = st.ebar.getAtIndex(SynapseLayout.STATE, i);
            double ebr = st.ebarReg.getAtIndex(SynapseLayout.STATE, i);
            double eps = adaptive ? st.eps.getAtIndex(SynapseLayout.STATE, i) : 0.0;
            double g = prevFlush ? st.grad.getAtIndex(SynapseLayout.STATE, i) : 0.0;
            double w = part.weight(i);
            sc.clock.copyFrom(sc.clock0);
            o[0] = st.acc.getAtIndex(SynapseLayout.STATE, i);
            if (adam) {
                o[1] = st.m.getAtIndex(SynapseLayout.STATE, i);
                o[2] = st.v.getAtIndex(SynapseLayout.STATE, i);
            }
            for (int q = 0; q < m; q++) {
                long tau = t0 + q;
                int slot = h.require(tau, pop0 + tgt);
                double psi = h.get(slot, RecurrentTarget.PSI);
                double ls = h.get(slot, RecurrentTarget.LS);
                double fr = h.get(slot, RecurrentTarget.FR);
                double el;
                if (adaptive) {
                    el = psi * (seq[q] - beta * eps);
                    eps = pA * eps + el;
                } else {
                    el = psi * seq[q];
                }
                ebar = kappa * ebar + el;
                ebr = kappaReg * ebr + oneMinusKappaReg * el;
                double gi = ls * ebar + fr * ebr;
                if (each) {
                    g = gi;
                    w = WeightOptimizer.optimize(spec, etaNow, sc.clock, tau + 1, gi, w, o);
                    if (st.sign != null) {
                        w = keepSign(w, st.sign[src]);
                    }
                } else {
                    g += gi;
                }
            }
            if (decay) {
                ebar *= decK;
                ebr *= decKr;
                if (adaptive) {
                    eps *= decA;
                }
            }
            if (!flush && !each) {
                w = WeightOptimizer.optimize(spec, etaNow, sc.clock, t0 + n, g, w, o);
                if (st.sign != null) {
                    w = keepSign(w, st.sign[src]);
                }
            }
            st.ebar.setAtIndex(SynapseLayout.STATE, i, ebar);
            st.ebarReg.setAtIndex(SynapseLayout.STATE, i, ebr);
            if (adaptive) {
                st.eps.setAtIndex(SynapseLayout.STATE, i, eps);
            }
            storeSynapse(st, part, i, g, w, o, adam);
        }
        endRow(st, part, src, sc, decay, rt.pV, dec);
    }

    static void gradientReadout(ReadoutTarget ot, PartState st, Projection.Part part, int src, long p, long s,
                                boolean flush, Scratch sc, OptimizerSpec spec, double etaNow) {
        final boolean prevFlush = st.prevFlush[src];
        final int m = presynapticTrace(st, src, p, s, ot.cutoff, ot.pV, sc);
        final long t0 = p - 1;
        final long n = s - p;
        final long dec = st.dec[src];
        final boolean decay = !flush && dec > 0;
        final boolean each = spec.optimizeEachStep();
        final boolean adam = spec.type() == OptimizerSpec.Type.ADAM;
        final double[] seq = sc.zbarSeq;
        final double[] o = sc.opt;
        st.clocks.load(src, sc.clock0);
        final int pop0 = ot.pop.globalOffset();
        for (long i = part.rowStart(src), e = part.rowEnd(src); i < e; i++) {
            int tgt = part.target(i);
            NeuronHistory h = ot.history[tgt];
            double g = prevFlush ? st.grad.getAtIndex(SynapseLayout.STATE, i) : 0.0;
            double w = part.weight(i);
            sc.clock.copyFrom(sc.clock0);
            o[0] = st.acc.getAtIndex(SynapseLayout.STATE, i);
            if (adam) {
                o[1] = st.m.getAtIndex(SynapseLayout.STATE, i);
                o[2] = st.v.getAtIndex(SynapseLayout.STATE, i);
            }
            for (int q = 0; q < m; q++) {
                long tau = t0 + q;
                int slot = h.require(tau, pop0 + tgt);
                double gi = h.get(slot, ReadoutTarget.ERR) * seq[q];
                if (each) {
                    g = gi;
                    w = WeightOptimizer.optimize(spec, etaNow, sc.clock, tau + 1, gi, w, o);
                    if (st.sign != null) {
                        w = keepSign(w, st.sign[src]);
                    }
                } else {
                    g += gi;
                }
            }
            if (!flush && !each) {
                w = WeightOptimizer.optimize(spec, etaNow, sc.clock, t0 + n, g, w, o);
                if (st.sign != null) {
                    w = keepSign(w, st.sign[src]);
                }
            }
            storeSynapse(st, part, i, g, w, o, adam);
        }
        endRow(st, part, src, sc, decay, ot.pV, dec);
    }

    /** Stores synapse i's gradient, optimizer state and weight after its update. */
    private static void storeSynapse(PartState st, Projection.Part part, long i, double g, double w, double[] o,
                                     boolean adam) {
        st.grad.setAtIndex(SynapseLayout.STATE, i, g);
        st.acc.setAtIndex(SynapseLayout.STATE, i, o[0]);
        if (adam) {
            st.m.setAtIndex(SynapseLayout.STATE, i, o[1]);
            st.v.setAtIndex(SynapseLayout.STATE, i, o[2]);
        }
        part.setWeight(i, w);
    }

    /** After a source's row: its optimizer clock (if it has synapses here), and the presynaptic trace's pending decay. */
    private static void endRow(PartState st, Projection.Part part, int src, Scratch sc, boolean decay, double pV, long dec) {
        if (part.rowEnd(src) > part.rowStart(src)) {
            st.clocks.store(src, sc.clock);
        }
        if (decay) {
            st.zbar[src] *= Math.pow(pV, dec);
            st.dec[src] = 0;
        }
    }
}
