package io.spikestream.plasticity.eprop;

import io.spikestream.network.Projection;
import io.spikestream.network.SynapseLayout;

import java.lang.foreign.MemorySegment;

import static io.spikestream.plasticity.eprop.HotHistory.C;
import static io.spikestream.plasticity.eprop.HotHistory.CARRY_FIELDS;
import static io.spikestream.plasticity.eprop.HotHistory.D;
import static io.spikestream.plasticity.eprop.HotHistory.DBL;
import static io.spikestream.plasticity.eprop.HotHistory.NEURON_STRIDE;
import static io.spikestream.plasticity.eprop.HotHistory.PSI;
import static io.spikestream.plasticity.eprop.HotHistory.S;

/**
 * The row kernels of the hot layout ({@link HotHistory}): one pass per presynaptic event closes the synapses' window
 * since the previous event and opens the next one, reading only the targets' entries of the last two steps (and, for
 * a window that crossed a block boundary, the targets' block carries).
 *
 * <p>Per synapse, between events: {@code eh} (the eligibility trace in the frame of the open window's block b:
 * {@code ebar_tau = k^(tau-b) (eh + beta S(tau))} for every step tau of the window, beta = Y P^(b-u0) the same for the
 * whole row) and {@code g} (the gradient since the last optimizer application, with the window's start terms
 * {@code -(eh D(t0-1) + beta C(t0-1))} already in it). Closing adds {@code eh D(t1) + beta C(t1)}; a window that
 * did not integrate (its cutoff used up) keeps the plain trace in {@code eh} instead. Row-constant cases are
 * multiplications by 0 or 1 (exact), not branches: a branch first taken after C2 compiled the loop would send it back
 * to the interpreter (measured: 2x slower at K = 100 with branches). See docs/fast-eprop.md.
 */
final class HotRows {

    private HotRows() {
    }

    /** Per-row constants of one event (reused, one per worker). */
    static final class Window {
        // closing
        /** The window being closed integrated steps (its column holds eh, not the plain trace). */
        boolean active;
        /**
         * It integrated no steps although opened to (a second event at the same stamp): the opening is undone (the
         * trace before it recovered from eh and the entry of t0, the start terms cancelled).
         */
        boolean undo;
        /** ... and it opened at a block start (no start terms): 0, else 1. */
        double undoTerms;
        /** A of the window undone. */
        double aOld;
        /** Offset of its step t0's entry within a neuron's ring. */
        int slotT0;
        int crossings;
        /** beta of each block of the window, first to last (0 for a window that did not integrate). */
        double[] betas = new double[8];
        /** Offset of each crossed block's carry within a neuron's carries. */
        int[] carrySlot = new int[8];
        /** Whether the closing adds end terms (1) or not (0: a window that did not integrate). */
        double closeTerms;
        /** k^(t1 - b) of the window's last block b (undo: k^(t0 - b); 1 for a window that did not integrate). */
        double kEnd;
        /** Offset of step t1's entry within a neuron's ring (undo: of step t0 - 1). */
        int slotT1;
        /** kappa^dec where pending decays are applied at this event, else 1. */
        double decK;
        // opening: eh = kinvN (kapO e + psi aN) - betaN S(t0), start terms times startTerms; an opening without steps
        // to integrate keeps the trace (kinvN = kapO = 1, aN = betaN = startTerms = 0: exact)
        boolean openActive;
        double kapO;
        double aN;
        double kinvN;
        double betaN;
        /** 0 when the new window starts a block (its prefixes before t0 are zero) or does not integrate, else 1. */
        double startTerms;
        int slotPsi;
        int slotM;
        /** 1 for a flush (the gradient stays in the column), 0 for a spike (it goes to the optimizer's scratch). */
        double keep;

        void crossings(int c) {
            crossings = c;
            if (betas.length < c + 1) {
                betas = new double[c + 1];
                carrySlot = new int[c + 1];
            }
        }
    }

    /**
     * The common event, without a branch per synapse: a window inside one block (or one that did not integrate:
     * closeTerms = 0, beta = 0, kEnd = 1) closes at its last step t1 (hot: the step before last) and the next one
     * opens (or not: see {@link Window}).
     */
    static void single(MemorySegment eb, MemorySegment gs, MemorySegment gOut, Projection.Part part,
                       HotHistory h, long i0, long i1, Window rw) {
        final MemorySegment ring = h.ring;
        final double beta = rw.betas[0];
        final double closeTerms = rw.closeTerms;
        final double kEnd = rw.kEnd;
        final double decK = rw.decK;
        final int slotT1 = rw.slotT1;
        final double kapO = rw.kapO;
        final double aN = rw.aN;
        final double kinvN = rw.kinvN;
        final double betaN = rw.betaN;
        final double startTerms = rw.startTerms;
        final int slotPsi = rw.slotPsi;
        final int slotM = rw.slotM;
        final double keep = rw.keep;
        for (long i = i0; i < i1; i++) {
            long nb = (long) part.target(i) * NEURON_STRIDE;
            double eh = eb.getAtIndex(SynapseLayout.STATE, i);
            double g = gs.getAtIndex(SynapseLayout.STATE, i);
            long e1 = nb + slotT1;
            g += (eh * ring.getAtIndex(DBL, e1 + D) + beta * ring.getAtIndex(DBL, e1 + C)) * closeTerms;
            double e = kEnd * (eh + beta * ring.getAtIndex(DBL, e1 + S)) * decK;
            long ep = nb + slotPsi;
            e = kinvN * (kapO * e + ring.getAtIndex(DBL, ep + PSI) * aN) - betaN * ring.getAtIndex(DBL, ep + S);
            long em = nb + slotM;
            double start = -(e * ring.getAtIndex(DBL, em + D) + betaN * ring.getAtIndex(DBL, em + C)) * startTerms;
            eb.setAtIndex(SynapseLayout.STATE, i, e);
            gOut.setAtIndex(SynapseLayout.STATE, i - i0, g);
            gs.setAtIndex(SynapseLayout.STATE, i, g * keep + start);
        }
    }

    /**
     * The rarer closes: a window that crossed block boundaries (the targets' carries), one opened at the same stamp
     * (undone); the opening as in {@link #single}.
     */
    static void general(MemorySegment eb, MemorySegment gs, MemorySegment gOut, Projection.Part part, HotHistory h,
                        long i0, long i1, Window rw) {
        final MemorySegment ring = h.ring;
        final MemorySegment carries = h.carries;
        final long carryStride = (long) h.carrySlots * CARRY_FIELDS;
        final double kB = h.kappaBlock;
        final double invKappa = 1.0 / h.kappa;
        final boolean undo = rw.undo;
        final double undoTerms = rw.undoTerms;
        final double aOld = rw.aOld;
        final int slotT0 = rw.slotT0;
        final int c = rw.crossings;
        final double[] betas = rw.betas;
        final int[] carrySlot = rw.carrySlot;
        final double kEnd = rw.kEnd;
        final double decK = rw.decK;
        final int slotT1 = rw.slotT1;
        final double kapO = rw.kapO;
        final double aN = rw.aN;
        final double kinvN = rw.kinvN;
        final double betaN = rw.betaN;
        final double startTerms = rw.startTerms;
        final int slotPsi = rw.slotPsi;
        final int slotM = rw.slotM;
        final double keep = rw.keep;
        for (long i = i0; i < i1; i++) {
            int j = part.target(i);
            long nb = (long) j * NEURON_STRIDE;
            double eh = eb.getAtIndex(SynapseLayout.STATE, i);
            double g = gs.getAtIndex(SynapseLayout.STATE, i);
            double e;
            if (undo) {
                long e0 = nb + slotT0;
                e = (kEnd * (eh + betas[0] * ring.getAtIndex(DBL, e0 + S)) - ring.getAtIndex(DBL, e0 + PSI) * aOld)
                    * invKappa;
                long e1 = nb + slotT1;
                g += (eh * ring.getAtIndex(DBL, e1 + D) + betas[0] * ring.getAtIndex(DBL, e1 + C)) * undoTerms;
            } else {
                long cb = (long) j * carryStride;
                for (int q = 0; q < c; q++) {
                    // the block ends inside the window: its carry, then the frame moves on to the next block
                    long k = cb + carrySlot[q];
                    g += eh * carries.getAtIndex(DBL, k + D) + betas[q] * carries.getAtIndex(DBL, k + C);
                    eh = kB * (eh + betas[q] * carries.getAtIndex(DBL, k + S));
                }
                long e1 = nb + slotT1;
                g += eh * ring.getAtIndex(DBL, e1 + D) + betas[c] * ring.getAtIndex(DBL, e1 + C);
                e = kEnd * (eh + betas[c] * ring.getAtIndex(DBL, e1 + S));
            }
            e *= decK;
            long ep = nb + slotPsi;
            e = kinvN * (kapO * e + ring.getAtIndex(DBL, ep + PSI) * aN) - betaN * ring.getAtIndex(DBL, ep + S);
            long em = nb + slotM;
            double start = -(e * ring.getAtIndex(DBL, em + D) + betaN * ring.getAtIndex(DBL, em + C)) * startTerms;
            eb.setAtIndex(SynapseLayout.STATE, i, e);
            gOut.setAtIndex(SynapseLayout.STATE, i - i0, g);
            gs.setAtIndex(SynapseLayout.STATE, i, g * keep + start);
        }
    }
}
