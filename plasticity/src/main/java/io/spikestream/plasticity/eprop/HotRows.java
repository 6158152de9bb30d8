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
 * did not integrate (its cutoff used up) keeps the plain trace in {@code eh} instead. See docs/fast-eprop.md.
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
        /** ... and it opened at a block start (no start terms). */
        boolean undoAtBlockStart;
        /** A of the window undone. */
        double aOld;
        /** Offset of its step t0's entry within a neuron's ring. */
        int slotT0;
        int crossings;
        /** beta of each block of the window, first to last. */
        double[] betas = new double[8];
        /** Offset of each crossed block's carry within a neuron's carries. */
        int[] carrySlot = new int[8];
        /** k^(t1 - b) of the window's last block b (undo: k^(t0 - b)). */
        double kEnd;
        /** Offset of step t1's entry within a neuron's ring (undo: of step t0 - 1). */
        int slotT1;
        /** kappa^dec where pending decays are applied at this event, else 1. */
        double decK;
        // opening
        boolean openActive;
        /** The new window starts a block: its prefixes before t0 are zero. */
        boolean zeroOpen;
        double aN;
        double kinvN;
        double betaN;
        int slotPsi;
        int slotM;
        /** A spike (the optimizer follows: the closed gradient goes to the scratch column), not a flush. */
        boolean spike;

        void crossings(int c) {
            crossings = c;
            if (betas.length < c + 1) {
                betas = new double[c + 1];
                carrySlot = new int[c + 1];
            }
        }
    }

    /**
     * The common event: a window that integrated steps inside one block closes (at the step before last, hot) and the
     * next one opens.
     */
    static void closeOpen(MemorySegment eb, MemorySegment gs, MemorySegment gOut, Projection.Part part,
                          HotHistory h, long i0, long i1, Window rw) {
        final MemorySegment ring = h.ring;
        final double kappa = h.kappa;
        final double beta = rw.betas[0];
        final double kEnd = rw.kEnd;
        final double decK = rw.decK;
        final int slotT1 = rw.slotT1;
        final boolean openActive = rw.openActive;
        final boolean zeroOpen = rw.zeroOpen;
        final double aN = rw.aN;
        final double kinvN = rw.kinvN;
        final double betaN = rw.betaN;
        final int slotPsi = rw.slotPsi;
        final int slotM = rw.slotM;
        final boolean spike = rw.spike;
        for (long i = i0; i < i1; i++) {
            long nb = (long) part.target(i) * NEURON_STRIDE;
            double eh = eb.getAtIndex(SynapseLayout.STATE, i);
            double g = gs.getAtIndex(SynapseLayout.STATE, i);
            long e1 = nb + slotT1;
            g += eh * ring.getAtIndex(DBL, e1 + D) + beta * ring.getAtIndex(DBL, e1 + C);
            double e = kEnd * (eh + beta * ring.getAtIndex(DBL, e1 + S)) * decK;
            double start = 0.0;
            if (openActive) {
                long ep = nb + slotPsi;
                e = kinvN * (kappa * e + ring.getAtIndex(DBL, ep + PSI) * aN) - betaN * ring.getAtIndex(DBL, ep + S);
                if (!zeroOpen) {
                    long em = nb + slotM;
                    start = -(e * ring.getAtIndex(DBL, em + D) + betaN * ring.getAtIndex(DBL, em + C));
                }
            }
            eb.setAtIndex(SynapseLayout.STATE, i, e);
            if (spike) {
                gOut.setAtIndex(SynapseLayout.STATE, i - i0, g);
                gs.setAtIndex(SynapseLayout.STATE, i, start);
            } else {
                gs.setAtIndex(SynapseLayout.STATE, i, g + start);
            }
        }
    }

    /**
     * Every other event: the source's first (nothing to close), a window that did not integrate (only the decay of
     * the trace), one of no steps at a block start, one that crossed block boundaries (the targets' carries).
     */
    static void general(MemorySegment eb, MemorySegment gs, MemorySegment gOut, Projection.Part part, HotHistory h,
                        long i0, long i1, Window rw) {
        final MemorySegment ring = h.ring;
        final MemorySegment carries = h.carries;
        final long carryStride = (long) h.carrySlots * CARRY_FIELDS;
        final double kappa = h.kappa;
        final double kB = h.kappaBlock;
        final boolean active = rw.active;
        final boolean undo = rw.undo;
        final boolean undoAtBlockStart = rw.undoAtBlockStart;
        final double aOld = rw.aOld;
        final double invKappa = 1.0 / kappa;
        final int slotT0 = rw.slotT0;
        final int c = rw.crossings;
        final double[] betas = rw.betas;
        final int[] carrySlot = rw.carrySlot;
        final double kEnd = rw.kEnd;
        final double decK = rw.decK;
        final int slotT1 = rw.slotT1;
        final boolean openActive = rw.openActive;
        final boolean zeroOpen = rw.zeroOpen;
        final double aN = rw.aN;
        final double kinvN = rw.kinvN;
        final double betaN = rw.betaN;
        final int slotPsi = rw.slotPsi;
        final int slotM = rw.slotM;
        final boolean spike = rw.spike;
        for (long i = i0; i < i1; i++) {
            int j = part.target(i);
            long nb = (long) j * NEURON_STRIDE;
            double eh = eb.getAtIndex(SynapseLayout.STATE, i);
            double g = gs.getAtIndex(SynapseLayout.STATE, i);
            double e;
            if (!active) {
                e = eh;
            } else if (undo) {
                long e0 = nb + slotT0;
                e = (kEnd * (eh + betas[0] * ring.getAtIndex(DBL, e0 + S)) - ring.getAtIndex(DBL, e0 + PSI) * aOld)
                    * invKappa;
                if (!undoAtBlockStart) {
                    long e1 = nb + slotT1;
                    g += eh * ring.getAtIndex(DBL, e1 + D) + betas[0] * ring.getAtIndex(DBL, e1 + C);
                }
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
            double start = 0.0;
            if (openActive) {
                long ep = nb + slotPsi;
                e = kinvN * (kappa * e + ring.getAtIndex(DBL, ep + PSI) * aN) - betaN * ring.getAtIndex(DBL, ep + S);
                if (!zeroOpen) {
                    long em = nb + slotM;
                    start = -(e * ring.getAtIndex(DBL, em + D) + betaN * ring.getAtIndex(DBL, em + C));
                }
            }
            eb.setAtIndex(SynapseLayout.STATE, i, e);
            if (spike) {
                gOut.setAtIndex(SynapseLayout.STATE, i - i0, g);
                gs.setAtIndex(SynapseLayout.STATE, i, start);
            } else {
                gs.setAtIndex(SynapseLayout.STATE, i, g + start);
            }
        }
    }
}
