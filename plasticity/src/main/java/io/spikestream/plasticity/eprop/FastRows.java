package io.spikestream.plasticity.eprop;

import io.spikestream.network.Projection;
import io.spikestream.network.SynapseLayout;

import java.lang.foreign.MemorySegment;

import static io.spikestream.plasticity.eprop.PrefixHistory.C;
import static io.spikestream.plasticity.eprop.PrefixHistory.CR;
import static io.spikestream.plasticity.eprop.PrefixHistory.D;
import static io.spikestream.plasticity.eprop.PrefixHistory.DBL;
import static io.spikestream.plasticity.eprop.PrefixHistory.DR;
import static io.spikestream.plasticity.eprop.PrefixHistory.FR;
import static io.spikestream.plasticity.eprop.PrefixHistory.LS;
import static io.spikestream.plasticity.eprop.PrefixHistory.PSI;
import static io.spikestream.plasticity.eprop.PrefixHistory.S;
import static io.spikestream.plasticity.eprop.PrefixHistory.SR;

/**
 * The row kernels of {@link FastEpropRule}: given the window constants of one presynaptic event (the same for
 * every synapse of the row: {@link Window}), each loop integrates the eligibility traces and the gradient of every
 * synapse of the row from its target's prefix sums. Nothing here knows about sources, clocks or scheduling.
 *
 * <p>One loop per window shape, each without shape branches inside. Kept as separate methods (too large to inline)
 * so that the JIT compiles each on its own as it becomes hot, instead of recompiling one large method, unswitched
 * into every combination of shapes, each time a shape first occurs (seconds of C2 time in the first simulated
 * second). The classic layout and the compact one with kappa != kappa_reg (ebar and ebar_reg); the compact layout with
 * kappa == kappa_reg has the hot history and its own kernels ({@link HotRows}).
 *
 * <p>Per synapse: {@code e} = ebar, {@code er} = ebar_reg, {@code g} = the gradient accumulated since the last
 * optimizer application (carried over an internal flush, restarted otherwise).
 */
final class FastRows {

    private FastRows() {
    }

    /** The per-row constants of one window, shared by the row loops below (reused, one per worker). */
    static final class Window {
        double a;
        double y;
        double decK;
        double decKr;
        double kM1;
        double kM2;
        double krM1;
        double krM2;
        double kx;
        double rx;
        double krx;
        double rrx;
        /** Value index of the entries of step t1 (the window's last step). */
        long slotT1;
    }

    static void decayOnly(MemorySegment eb, MemorySegment ebr, MemorySegment gs, long i0, long i1, boolean prevFlush,
                          Window rw) {
        final double decK = rw.decK;
        final double decKr = rw.decKr;
        for (long i = i0; i < i1; i++) {
            double g = prevFlush ? gs.getAtIndex(SynapseLayout.STATE, i) : 0.0;
            eb.setAtIndex(SynapseLayout.STATE, i, eb.getAtIndex(SynapseLayout.STATE, i) * decK);
            ebr.setAtIndex(SynapseLayout.STATE, i, ebr.getAtIndex(SynapseLayout.STATE, i) * decKr);
            gs.setAtIndex(SynapseLayout.STATE, i, g);
        }
    }

    static void oneStep(MemorySegment eb, MemorySegment ebr, MemorySegment gs, PrefixHistory hist, long i0, long i1,
                        boolean prevFlush, double[] pre, Window rw) {
        final double kappa = hist.kappa;
        final double kappaReg = hist.kappaReg;
        final double oneMinusKr = 1.0 - kappaReg;
        final double a = rw.a;
        final double decK = rw.decK;
        final double decKr = rw.decKr;
        final int fields = PrefixHistory.FIELDS;
        for (long i = i0; i < i1; i++) {
            double e = eb.getAtIndex(SynapseLayout.STATE, i);
            double er = ebr.getAtIndex(SynapseLayout.STATE, i);
            double g = prevFlush ? gs.getAtIndex(SynapseLayout.STATE, i) : 0.0;
            int k = (int) (i - i0) * fields;
            double e0 = pre[k + PSI] * a;
            e = kappa * e + e0;
            er = kappaReg * er + oneMinusKr * e0;
            g += pre[k + LS] * e + pre[k + FR] * er;
            eb.setAtIndex(SynapseLayout.STATE, i, e * decK);
            ebr.setAtIndex(SynapseLayout.STATE, i, er * decKr);
            gs.setAtIndex(SynapseLayout.STATE, i, g);
        }
    }

    static void singleBlock(MemorySegment eb, MemorySegment ebr, MemorySegment gs, Projection.Part part,
                            PrefixHistory hist, long i0, long i1, boolean prevFlush, double[] pre, double[] base,
                            Window rw) {
        final MemorySegment ring = hist.ring;
        final double kappa = hist.kappa;
        final double kappaReg = hist.kappaReg;
        final double oneMinusKr = 1.0 - kappaReg;
        final double a = rw.a;
        final double y = rw.y;
        final double kM1 = rw.kM1;
        final double kM2 = rw.kM2;
        final double krM1 = rw.krM1;
        final double krM2 = rw.krM2;
        final double kx = rw.kx;
        final double rx = rw.rx;
        final double krx = rw.krx;
        final double rrx = rw.rrx;
        final double decK = rw.decK;
        final double decKr = rw.decKr;
        final long slotT1 = rw.slotT1;
        final int fields = PrefixHistory.FIELDS;
        for (long i = i0; i < i1; i++) {
            int j = part.target(i);
            double e = eb.getAtIndex(SynapseLayout.STATE, i);
            double er = ebr.getAtIndex(SynapseLayout.STATE, i);
            double g = prevFlush ? gs.getAtIndex(SynapseLayout.STATE, i) : 0.0;
            int k = (int) (i - i0) * fields;
            double e0 = pre[k + PSI] * a;
            e = kappa * e + e0;
            er = kappaReg * er + oneMinusKr * e0;
            g += pre[k + LS] * e + pre[k + FR] * er;
            double s0 = base[k + S];
            double d0 = base[k + D];
            double c0 = base[k + C];
            double sr0 = base[k + SR];
            double dr0 = base[k + DR];
            double cr0 = base[k + CR];
            long e1 = slotT1 + (long) j * fields;
            double dD = ring.getAtIndex(DBL, e1 + D) - d0;
            double dDr = ring.getAtIndex(DBL, e1 + DR) - dr0;
            double q = kx * dD;
            double rr = kx * (rx * (ring.getAtIndex(DBL, e1 + C) - c0 - s0 * dD));
            double w = rx * (ring.getAtIndex(DBL, e1 + S) - s0);
            double qr = krx * dDr;
            double rrr = krx * (rrx * (ring.getAtIndex(DBL, e1 + CR) - cr0 - sr0 * dDr));
            double wr = rrx * (ring.getAtIndex(DBL, e1 + SR) - sr0);
            g += e * kappa * q + y * rr + er * kappaReg * qr + oneMinusKr * y * rrr;
            e = kM1 * e + y * kM2 * w;
            er = krM1 * er + oneMinusKr * y * krM2 * wr;
            eb.setAtIndex(SynapseLayout.STATE, i, e * decK);
            ebr.setAtIndex(SynapseLayout.STATE, i, er * decKr);
            gs.setAtIndex(SynapseLayout.STATE, i, g);
        }
    }

    static void manyBlocks(MemorySegment eb, MemorySegment ebr, MemorySegment gs, Projection.Part part,
                           PrefixHistory hist, long i0, long i1, boolean prevFlush, double[] pre, double[] win,
                           PrefixHistory.WindowPlan plan, Window rw) {
        final double kappa = hist.kappa;
        final double kappaReg = hist.kappaReg;
        final double oneMinusKr = 1.0 - kappaReg;
        final double a = rw.a;
        final double y = rw.y;
        final double kM1 = rw.kM1;
        final double kM2 = rw.kM2;
        final double krM1 = rw.krM1;
        final double krM2 = rw.krM2;
        final double decK = rw.decK;
        final double decKr = rw.decKr;
        final int fields = PrefixHistory.FIELDS;
        for (long i = i0; i < i1; i++) {
            int j = part.target(i);
            double e = eb.getAtIndex(SynapseLayout.STATE, i);
            double er = ebr.getAtIndex(SynapseLayout.STATE, i);
            double g = prevFlush ? gs.getAtIndex(SynapseLayout.STATE, i) : 0.0;
            int k = (int) (i - i0) * fields;
            double e0 = pre[k + PSI] * a;
            e = kappa * e + e0;
            er = kappaReg * er + oneMinusKr * e0;
            g += pre[k + LS] * e + pre[k + FR] * er;
            hist.window(j, plan, pre, k, win);
            g += e * kappa * win[0] + y * win[1] + er * kappaReg * win[3] + oneMinusKr * y * win[4];
            e = kM1 * e + y * kM2 * win[2];
            er = krM1 * er + oneMinusKr * y * krM2 * win[5];
            eb.setAtIndex(SynapseLayout.STATE, i, e * decK);
            ebr.setAtIndex(SynapseLayout.STATE, i, er * decKr);
            gs.setAtIndex(SynapseLayout.STATE, i, g);
        }
    }
}
