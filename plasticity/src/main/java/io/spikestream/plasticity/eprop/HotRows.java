package io.spikestream.plasticity.eprop;

import io.spikestream.network.Projection;
import io.spikestream.network.SynapseLayout;
import io.spikestream.plasticity.optim.RowOptimizer;
import io.spikestream.plasticity.optim.WeightOptimizer;

import java.lang.foreign.MemorySegment;

import static io.spikestream.plasticity.eprop.HotHistory.C;
import static io.spikestream.plasticity.eprop.HotHistory.D;
import static io.spikestream.plasticity.eprop.HotHistory.DBL;
import static io.spikestream.plasticity.eprop.HotHistory.NEURON_STRIDE;

/**
 * The row kernels of the hot layout ({@link HotHistory}): one pass per presynaptic event closes the synapses' window
 * since the previous event and opens the next one, reading only the targets' entries of the last two steps (on the
 * block grid each window gets: no window crosses a block boundary).
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

    /** Per-row constants of one event (reused, one per worker). Ring offsets include the window's grid. */
    static final class Window {
        // closing
        /**
         * It integrated no steps although opened to (a second event at the same stamp): the opening is undone (the
         * trace before it recovered from eh and the entry of t0, the start terms cancelled).
         */
        boolean undo;
        /** A of the window undone. */
        double aOld;
        /** Offsets of its step t0's S and psi within a neuron's ring. */
        int offS0Old;
        int offPsiOld;
        /** beta of the window (0 for a window that did not integrate). */
        double beta;
        /** 1: the closing adds end terms; 0: a window that did not integrate, or one undone at a block start. */
        double closeTerms;
        /** k^(t1 - b) of the window's block b (undo: k^(t0 - b); 1 for a window that did not integrate). */
        double kEnd;
        /** Offset of the line of the closed window's grid within a neuron's values: D, C of step t1 (undo: t0 - 1). */
        int offT1;
        /** Offset of S of step t1 on that grid (undo: of step t0 - 1). */
        int offT1S;
        /** kappa^dec where pending decays are applied at this event, else 1. */
        double decK;
        // opening: eh = kinvN (kapO e + psi aN) - betaN S(t0), start terms times startTerms; an opening without steps
        // to integrate keeps the trace (kinvN = kapO = 1, aN = betaN = startTerms = 0: exact)
        double kapO;
        double aN;
        double kinvN;
        double betaN;
        /** 0 when the new window starts a block (its prefixes before t0 are zero) or does not integrate, else 1. */
        double startTerms;
        /** Offsets of the new window's psi(t0), S(t0) and of its grid's line (D, C at t0 - 1). */
        int offPsi;
        int offS0;
        int offM;
        /** 1 for a flush (the gradient stays in the column), 0 for a spike (it goes to the optimizer's scratch). */
        double keep;
    }

    /**
     * Every event but an undone one, without a branch per synapse: a window (or one that did not integrate:
     * closeTerms = 0, beta = 0, kEnd = 1) closes at its last step t1 (hot: the step before last) and the next one
     * opens (or not: see {@link Window}).
     */
    static void closeOpen(MemorySegment eb, MemorySegment gs, MemorySegment gOut, Projection.Part part,
                          HotHistory h, long i0, long i1, Window rw) {
        final MemorySegment ring = h.ring;
        final double beta = rw.beta;
        final double closeTerms = rw.closeTerms;
        final double kEnd = rw.kEnd;
        final double decK = rw.decK;
        final int offT1 = rw.offT1;
        final int offT1S = rw.offT1S;
        final double kapO = rw.kapO;
        final double aN = rw.aN;
        final double kinvN = rw.kinvN;
        final double betaN = rw.betaN;
        final double startTerms = rw.startTerms;
        final int offPsi = rw.offPsi;
        final int offS0 = rw.offS0;
        final int offM = rw.offM;
        final double keep = rw.keep;
        for (long i = i0; i < i1; i++) {
            long nb = (long) part.target(i) * NEURON_STRIDE;
            double eh = eb.getAtIndex(SynapseLayout.STATE, i);
            double g = gs.getAtIndex(SynapseLayout.STATE, i);
            long e1 = nb + offT1;
            g += (eh * ring.getAtIndex(DBL, e1 + D) + beta * ring.getAtIndex(DBL, e1 + C)) * closeTerms;
            double e = kEnd * (eh + beta * ring.getAtIndex(DBL, nb + offT1S)) * decK;
            e = kinvN * (kapO * e + ring.getAtIndex(DBL, nb + offPsi) * aN) - betaN * ring.getAtIndex(DBL, nb + offS0);
            long em = nb + offM;
            double start = -(e * ring.getAtIndex(DBL, em + D) + betaN * ring.getAtIndex(DBL, em + C)) * startTerms;
            eb.setAtIndex(SynapseLayout.STATE, i, e);
            gOut.setAtIndex(SynapseLayout.STATE, i - i0, g);
            gs.setAtIndex(SynapseLayout.STATE, i, g * keep + start);
        }
    }

    /**
     * {@link #closeOpen} of a spike (keep = 0) with the row's Adam step in the same pass: each synapse's closed
     * gradient goes straight into Adam's arithmetic ({@link RowOptimizer#adamSynapse}), so the moments' and weights'
     * columns are fetched together with the trace's, not in a second pass over the row. At K = 100 (short rows, every
     * column's first lines a cache miss) the benchmark network ran 1.17x faster on one thread (4 alternating pairs).
     * The arithmetic is closeOpen's, then the optimizer's: the same bits ({@code HotRowsTest}). Both are written out
     * here rather than called as per-synapse methods, for the reason given at {@link RowOptimizer#adamSynapse}.
     */
    static void closeOpenAdam(MemorySegment eb, MemorySegment gs, Projection.Part part, HotHistory h, long i0,
                              long i1, Window rw, MemorySegment m, MemorySegment v, RowOptimizer.AdamStep a) {
        final MemorySegment ring = h.ring;
        final double beta = rw.beta;
        final double closeTerms = rw.closeTerms;
        final double kEnd = rw.kEnd;
        final double decK = rw.decK;
        final int offT1 = rw.offT1;
        final int offT1S = rw.offT1S;
        final double kapO = rw.kapO;
        final double aN = rw.aN;
        final double kinvN = rw.kinvN;
        final double betaN = rw.betaN;
        final double startTerms = rw.startTerms;
        final int offPsi = rw.offPsi;
        final int offS0 = rw.offS0;
        final int offM = rw.offM;
        final double keep = rw.keep;
        final double b1 = a.b1;
        final double oneMinusB1 = a.oneMinusB1;
        final double b2 = a.b2;
        final double oneMinusB2 = a.oneMinusB2;
        final double alpha = a.alpha;
        final double eps = a.eps;
        final double lo = a.lo;
        final double hi = a.hi;
        for (long i = i0; i < i1; i++) {
            long nb = (long) part.target(i) * NEURON_STRIDE;
            double eh = eb.getAtIndex(SynapseLayout.STATE, i);
            double g = gs.getAtIndex(SynapseLayout.STATE, i);
            long e1 = nb + offT1;
            g += (eh * ring.getAtIndex(DBL, e1 + D) + beta * ring.getAtIndex(DBL, e1 + C)) * closeTerms;
            double e = kEnd * (eh + beta * ring.getAtIndex(DBL, nb + offT1S)) * decK;
            e = kinvN * (kapO * e + ring.getAtIndex(DBL, nb + offPsi) * aN) - betaN * ring.getAtIndex(DBL, nb + offS0);
            long em = nb + offM;
            double start = -(e * ring.getAtIndex(DBL, em + D) + betaN * ring.getAtIndex(DBL, em + C)) * startTerms;
            eb.setAtIndex(SynapseLayout.STATE, i, e);
            // keep is 0 here, but g * 0 + start is closeOpen's expression: the same sign of a zero start term
            gs.setAtIndex(SynapseLayout.STATE, i, g * keep + start);
            // RowOptimizer.adamSynapse, written out (see there why)
            double mi = b1 * m.getAtIndex(SynapseLayout.STATE, i) + oneMinusB1 * g;
            double vi = b2 * v.getAtIndex(SynapseLayout.STATE, i) + oneMinusB2 * g * g;
            m.setAtIndex(SynapseLayout.STATE, i, mi);
            v.setAtIndex(SynapseLayout.STATE, i, vi);
            double w = part.weight(i) - alpha * mi / (Math.sqrt(vi) + eps);
            part.setWeight(i, WeightOptimizer.clamp(w, lo, hi));
        }
    }

    /** A window opened at the same stamp (undone), then the opening as in {@link #closeOpen}. */
    static void undoOpen(MemorySegment eb, MemorySegment gs, MemorySegment gOut, Projection.Part part, HotHistory h,
                         long i0, long i1, Window rw) {
        final MemorySegment ring = h.ring;
        final double invKappa = 1.0 / h.kappa;
        final double beta = rw.beta;
        final double closeTerms = rw.closeTerms;
        final double aOld = rw.aOld;
        final int offS0Old = rw.offS0Old;
        final int offPsiOld = rw.offPsiOld;
        final double kEnd = rw.kEnd;
        final double decK = rw.decK;
        final int offT1 = rw.offT1;
        final int offT1S = rw.offT1S;
        final double kapO = rw.kapO;
        final double aN = rw.aN;
        final double kinvN = rw.kinvN;
        final double betaN = rw.betaN;
        final double startTerms = rw.startTerms;
        final int offPsi = rw.offPsi;
        final int offS0 = rw.offS0;
        final int offM = rw.offM;
        final double keep = rw.keep;
        for (long i = i0; i < i1; i++) {
            long nb = (long) part.target(i) * NEURON_STRIDE;
            double eh = eb.getAtIndex(SynapseLayout.STATE, i);
            double g = gs.getAtIndex(SynapseLayout.STATE, i);
            // eh = k^(b-t0) (k e + psi A) - beta S(t0): back to e, and the start terms cancelled
            double e = (kEnd * (eh + beta * ring.getAtIndex(DBL, nb + offS0Old))
                - ring.getAtIndex(DBL, nb + offPsiOld) * aOld) * invKappa;
            long e1 = nb + offT1;
            g += (eh * ring.getAtIndex(DBL, e1 + D) + beta * ring.getAtIndex(DBL, e1 + C)) * closeTerms;
            e *= decK;
            e = kinvN * (kapO * e + ring.getAtIndex(DBL, nb + offPsi) * aN) - betaN * ring.getAtIndex(DBL, nb + offS0);
            long em = nb + offM;
            double start = -(e * ring.getAtIndex(DBL, em + D) + betaN * ring.getAtIndex(DBL, em + C)) * startTerms;
            eb.setAtIndex(SynapseLayout.STATE, i, e);
            gOut.setAtIndex(SynapseLayout.STATE, i - i0, g);
            gs.setAtIndex(SynapseLayout.STATE, i, g * keep + start);
        }
    }
}
