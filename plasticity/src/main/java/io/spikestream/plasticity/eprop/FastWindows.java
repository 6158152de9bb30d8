package io.spikestream.plasticity.eprop;

import io.spikestream.network.Projection;
import io.spikestream.network.SynapseLayout;
import io.spikestream.plasticity.LearningSignalIndex;
import io.spikestream.plasticity.eprop.FastEpropState.Part;
import io.spikestream.plasticity.eprop.FastEpropState.Recurrent;
import io.spikestream.plasticity.optim.OptimizerSpec;
import io.spikestream.plasticity.optim.RowOptimizer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * The O(1) update of {@link FastEpropRule} for one presynaptic event (or internal flush) of one source in one
 * projection part: the presynaptic side of the window since the source's previous event (trace, cutoff, pending
 * decays), the choice of row kernel ({@link FastRows}) for the window's shape, the optimizer, and the scheduling of
 * the source's next internal flush on the close wheel.
 */
final class FastWindows {

    private FastWindows() {
    }

    /** One worker's scratch: gathered history entries, window constants, the row optimizer, the error vector. */
    static final class Scratch {
        final double[] win = new double[6];
        final FastRows.Window row = new FastRows.Window();
        final PrefixHistory.WindowPlan plan = new PrefixHistory.WindowPlan();
        double[] gathered = new double[1024 * PrefixHistory.FIELDS];
        /** Zero prefixes, the layout of {@link #gathered}: the sums before a window that starts a block. */
        double[] zeros = new double[gathered.length];
        final RowOptimizer optimizer;
        /** Errors of the readouts feeding a population, one slot each (see {@link LearningSignalIndex}). */
        double[] errors = new double[0];
        final HotRows.Window hot = new HotRows.Window();
        /** The row constants of a spike's Adam step fused into its closing pass ({@link HotRows#closeOpenAdam}). */
        final RowOptimizer.AdamStep adam = new RowOptimizer.AdamStep();
        /** The hot layout's closed gradients of one row, for the optimizer (off-heap: its loop reads segments only). */
        final MemorySegment closed;

        /** @param parts the parts of this worker: the closed-gradient column holds the longest hot-layout row */
        Scratch(OptimizerSpec spec, List<Part> parts, Arena arena) {
            optimizer = new RowOptimizer(spec);
            long longestRow = 1;
            for (Part st : parts) {
                if (st.rec != null && st.rec.hot != null) {
                    for (int src = 0; src < st.prev.length; src++) {
                        longestRow = Math.max(longestRow, st.part.rowEnd(src) - st.part.rowStart(src));
                    }
                }
            }
            closed = arena.allocate(SynapseLayout.STATE, longestRow);
        }
    }

    static void process(Part st, int src, long s, boolean flush, Scratch sc, double etaNow) {
        long p = st.prev[src];
        if (st.rec != null && st.rec.hot != null) {
            hotEvent(st, src, p, s, flush, sc, etaNow);
        } else if (p != 0) {
            if (st.rec != null) {
                gradientRecurrent(st, src, p, s, flush, sc, etaNow);
            } else {
                gradientReadout(st, src, p, s, flush, sc, etaNow);
            }
        }
        st.prev[src] = s;
        st.prevFlush[src] = flush;
        // schedule the next internal flush while the new window still has steps to integrate
        long remNext = flush ? st.rem[src] : st.cutoff;
        if (remNext > 0) {
            // hot layout: closed when its cutoff is reached (or after closeInterval steps), while its end is hot
            long due = s + (st.closeAtCutoff ? Math.min(remNext, st.closeInterval) : st.closeInterval);
            st.nextClose[src] = due;
            int slot = (int) (due & st.wheelMask);
            int c = st.wheelCount[slot];
            int[] list = st.wheel[slot];
            if (list == null || c == list.length) {
                st.wheel[slot] = list = list == null ? new int[8] : Arrays.copyOf(list, c * 2);
            }
            list[c] = src;
            st.wheelCount[slot] = c + 1;
        } else {
            st.nextClose[src] = 0;
        }
    }

    /**
     * The hot layout ({@link HotHistory}, {@link HotRows}): one pass over the row closes the window since the
     * previous event p (if any) and opens the next one at s. The presynaptic part (A, Y, the cutoff m, pending decays)
     * is that of {@link #gradientRecurrent}; the window's frame is the block b0 (on the grid it gets) of its first step
     * t0 = p - 1, where beta = Y P^(b0 - p); the new window's frame is the block of s - 1.
     */
    private static void hotEvent(Part st, int src, long p, long s, boolean flush, Scratch sc, double etaNow) {
        final HotHistory h = st.rec.hot;
        final Projection.Part part = st.part;
        final HotRows.Window rw = sc.hot;
        final double pV = h.pV;
        // by default a close without end terms (the source's first event, a window that did not integrate)
        rw.undo = false;
        rw.beta = 0.0;
        rw.closeTerms = 0.0;
        rw.kEnd = 1.0;
        rw.decK = 1.0;
        rw.offT1 = HotHistory.line(0);
        rw.offT1S = HotHistory.at(0, HotHistory.S, s - 2);
        if (p != 0) {
            final boolean prevFlush = st.prevFlush[src];
            final long n = s - p;
            final long rem = prevFlush ? st.rem[src] : st.cutoff;
            final double zc = prevFlush ? 0.0 : 1.0;
            final long m = Math.min(rem, n);
            final long t0 = p - 1;
            final double a = pV * st.zbar[src] + st.zbuf[src];
            final double y = pV * a + zc;
            double zbarEnd;
            if (m == 0) {
                zbarEnd = st.zbar[src];
            } else if (m == 1) {
                zbarEnd = a;
                st.zbuf[src] = zc;
            } else {
                zbarEnd = y * h.powP[h.off(m - 2)];
                st.zbuf[src] = 0.0;
            }
            st.rem[src] = rem - m;
            long dec = st.dec[src] + (n - m);
            final boolean decay = !flush && dec > 0;
            rw.decK = decay ? Math.pow(h.kappa, dec) : 1.0;
            if (rem >= 1) {
                // the window was opened with steps to integrate: its column holds eh in the frame of its block b0
                final int grid = h.gridFor(t0, Math.min(rem, st.closeInterval));
                final long b0 = h.blockStart(grid, t0);
                rw.beta = y * h.powP[h.off(b0 - p)];
                if (m == 0) {
                    // no steps (a second event at the same stamp: a spike of multiplicity > 1, or a spike after an
                    // internal close): undo the opening, back to the trace before it and the gradient without its
                    // start terms
                    rw.undo = true;
                    rw.closeTerms = t0 == b0 ? 0.0 : 1.0;
                    rw.kEnd = h.powK[h.off(t0 - b0)];
                    rw.aOld = a;
                    rw.offS0Old = HotHistory.at(grid, HotHistory.S, t0);
                    rw.offPsiOld = HotHistory.at(grid, HotHistory.PSI, t0);
                    rw.offT1 = HotHistory.line(grid);
                    rw.offT1S = HotHistory.at(grid, HotHistory.S, t0 - 1);
                } else {
                    final long t1 = t0 + m - 1;
                    if (t1 != s - 2) {
                        // the history keeps s - 1 and s - 2 only: a window must close at its last step's next stamp
                        throw new IllegalStateException("a hot window of source " + src + " ends at step " + t1
                            + " but closes at stamp " + s + " (the cutoff's internal close was missed)");
                    }
                    rw.closeTerms = 1.0;
                    rw.kEnd = h.powK[h.off(t1 - b0)];
                    rw.offT1 = HotHistory.line(grid);
                    rw.offT1S = HotHistory.at(grid, HotHistory.S, t1);
                }
            }
            if (decay) {
                zbarEnd *= Math.pow(pV, dec);
                dec = 0;
            }
            st.zbar[src] = zbarEnd;
            st.dec[src] = dec;
        }
        // the new window: steps to integrate unless a flush finds the cutoff used up
        final long remNew = flush ? st.rem[src] : st.cutoff;
        final long t0 = s - 1;
        final boolean openActive = remNew >= 1;
        if (openActive) {
            final int grid = h.gridFor(t0, Math.min(remNew, st.closeInterval));
            final long b0 = h.blockStart(grid, t0);
            final double a = pV * st.zbar[src] + st.zbuf[src];
            final double y = pV * a + (flush ? 0.0 : 1.0);
            rw.kapO = h.kappa;
            rw.aN = a;
            rw.kinvN = h.powK[h.off(b0 - t0)];
            rw.betaN = y * h.powP[h.off(b0 - s)];
            rw.startTerms = t0 == b0 ? 0.0 : 1.0;
            rw.offPsi = HotHistory.at(grid, HotHistory.PSI, t0);
            rw.offS0 = HotHistory.at(grid, HotHistory.S, t0);
            rw.offM = HotHistory.line(grid);
        } else {
            rw.kapO = 1.0;
            rw.aN = 0.0;
            rw.kinvN = 1.0;
            rw.betaN = 0.0;
            rw.startTerms = 0.0;
            rw.offPsi = HotHistory.at(0, HotHistory.PSI, t0);
            rw.offS0 = HotHistory.at(0, HotHistory.S, t0);
            rw.offM = HotHistory.line(0);
        }
        rw.keep = flush ? 1.0 : 0.0;
        final long i0 = part.rowStart(src);
        final long i1 = part.rowEnd(src);
        if (i1 == i0) {
            return;
        }
        final boolean optimize = p != 0 && !flush;
        if (!rw.undo && optimize && sc.optimizer.startAdam(st.clocks, src, s - 1, st.acc != null, sc.adam)) {
            // a spike's plain Adam step (the common case): applied in the closing pass itself
            HotRows.closeOpenAdam(st.ebar, st.grad, part, h, i0, i1, rw, st.m, st.v, sc.adam);
            sc.optimizer.finishAdam(st.clocks, src, sc.adam, etaNow);
            return;
        }
        if (rw.undo) {
            HotRows.undoOpen(st.ebar, st.grad, sc.closed, part, h, i0, i1, rw);
        } else {
            HotRows.closeOpen(st.ebar, st.grad, sc.closed, part, h, i0, i1, rw);
        }
        if (optimize) {
            sc.optimizer.apply(st.clocks, src, part, i0, i1, s - 1, sc.closed, i0, st.acc, st.m, st.v, etaNow);
        }
    }

    /**
     * The window of source {@code src} from its previous event p to this one at s (spec §3.3): the presynaptic
     * trace's part (A = zbar at t0, Y = zbar at t0+1, the cutoff m, pending decays) once for the row, then the row
     * kernel of the window's shape, then the optimizer.
     */
    private static void gradientRecurrent(Part st, int src, long p, long s, boolean flush, Scratch sc, double etaNow) {
        final Recurrent r = st.rec;
        final PrefixHistory hist = r.hist;
        final Projection.Part part = st.part;
        final boolean prevFlush = st.prevFlush[src];
        final long n = s - p;
        final long rem = prevFlush ? st.rem[src] : st.cutoff;
        final double zc = prevFlush ? 0.0 : 1.0;
        final long m = Math.min(rem, n);
        final long t0 = p - 1;
        final double pV = hist.pV;
        final double a = pV * st.zbar[src] + st.zbuf[src];
        final double y = pV * a + zc;
        double zbarEnd;
        if (m == 0) {
            zbarEnd = st.zbar[src];
        } else if (m == 1) {
            zbarEnd = a;
            st.zbuf[src] = zc;
        } else {
            zbarEnd = y * hist.powP[hist.off(m - 2)];
            st.zbuf[src] = 0.0;
        }
        st.rem[src] = rem - m;
        long dec = st.dec[src] + (n - m);
        final boolean decay = !flush && dec > 0;
        final FastRows.Window rw = sc.row;
        rw.a = a;
        rw.y = y;
        rw.decK = decay ? Math.pow(hist.kappa, dec) : 1.0;
        rw.kM1 = m >= 1 ? hist.powK[hist.off(m - 1)] : 1.0;
        rw.kM2 = m >= 2 ? hist.powK[hist.off(m - 2)] : 1.0;
        rw.decKr = decay ? Math.pow(hist.kappaReg, dec) : 1.0;
        rw.krM1 = m >= 1 ? hist.powKr[hist.off(m - 1)] : 1.0;
        rw.krM2 = m >= 2 ? hist.powKr[hist.off(m - 2)] : 1.0;
        final long i0 = part.rowStart(src);
        final long i1 = part.rowEnd(src);
        if (m >= 1) {
            int need = (int) (i1 - i0) * hist.fields;
            if (sc.gathered.length < need) {
                sc.gathered = new double[Math.max(need, sc.gathered.length * 2)];
                sc.zeros = new double[sc.gathered.length];
            }
            hist.gather(t0, part.targets, i0, i1, sc.gathered);
        }
        if (m == 0) {
            FastRows.decayOnly(st.ebar, st.ebarReg, st.grad, i0, i1, prevFlush, rw);
        } else if (m == 1) {
            FastRows.oneStep(st.ebar, st.ebarReg, st.grad, hist, i0, i1, prevFlush, sc.gathered, rw);
        } else {
            // most windows lie in one block, and then each synapse needs only its target's entries at t0 (gathered)
            // and t1 (the step just completed, hot in cache); the others take PrefixHistory.window per synapse
            final long u0 = t0 + 1;
            final long t1 = t0 + m - 1;
            final long b = u0 & ~(long) hist.blockMask;
            if (t1 <= b + hist.blockMask) {
                int x = hist.off(b - u0);
                rw.kx = hist.powK[x];
                rw.rx = hist.powRho[x];
                rw.krx = hist.powKr[x];
                rw.rrx = hist.powRhoR[x];
                rw.slotT1 = hist.slotBase(t1);
                // a window from the block's first step has zero prefixes before it: read them from zeros
                double[] base = u0 == b ? sc.zeros : sc.gathered;
                FastRows.singleBlock(st.ebar, st.ebarReg, st.grad, part, hist, i0, i1, prevFlush, sc.gathered, base,
                    rw);
            } else {
                hist.plan(u0, t1, sc.plan);
                FastRows.manyBlocks(st.ebar, st.ebarReg, st.grad, part, hist, i0, i1, prevFlush, sc.gathered, sc.win,
                    sc.plan, rw);
            }
        }
        if (!flush && i1 > i0) {
            sc.optimizer.apply(st.clocks, src, part, i0, i1, t0 + n, st.grad, st.acc, st.m, st.v, etaNow);
        }
        if (decay) {
            zbarEnd *= Math.pow(pV, dec);
            dec = 0;
        }
        st.zbar[src] = zbarEnd;
        st.dec[src] = dec;
    }

    private static void gradientReadout(Part st, int src, long p, long s, boolean flush, Scratch sc, double etaNow) {
        final PrefixHistory hist = st.out.hist;
        final Projection.Part part = st.part;
        final boolean prevFlush = st.prevFlush[src];
        final long n = s - p;
        final long rem = prevFlush ? st.rem[src] : st.cutoff;
        final double zc = prevFlush ? 0.0 : 1.0;
        final long m = Math.min(rem, n);
        final long t0 = p - 1;
        final double pV = hist.pV;
        final double a = pV * st.zbar[src] + st.zbuf[src];
        final double y = pV * a + zc;
        double zbarEnd;
        if (m == 0) {
            zbarEnd = st.zbar[src];
        } else if (m == 1) {
            zbarEnd = a;
            st.zbuf[src] = zc;
        } else {
            zbarEnd = y * hist.powP[hist.off(m - 2)];
            st.zbuf[src] = 0.0;
        }
        st.rem[src] = rem - m;
        long dec = st.dec[src] + (n - m);
        final boolean decay = !flush && dec > 0;
        final long i0 = part.rowStart(src);
        final long i1 = part.rowEnd(src);
        for (long i = i0; i < i1; i++) {
            int j = part.target(i);
            double g = prevFlush ? st.grad.getAtIndex(SynapseLayout.STATE, i) : 0.0;
            if (m >= 1) {
                g += hist.get(t0, j, PrefixHistory.E_RAW) * a;
                if (m >= 2) {
                    g += y * hist.errorWindow(j, t0 + 1, t0 + m - 1, hist.get(t0, j, PrefixHistory.E_SUM));
                }
            }
            st.grad.setAtIndex(SynapseLayout.STATE, i, g);
        }
        if (!flush && i1 > i0) {
            sc.optimizer.apply(st.clocks, src, part, i0, i1, t0 + n, st.grad, st.acc, st.m, st.v, etaNow);
        }
        if (decay) {
            zbarEnd *= Math.pow(pV, dec);
            dec = 0;
        }
        st.zbar[src] = zbarEnd;
        st.dec[src] = dec;
    }
}
