package io.spikestream.plasticity.eprop;

import io.spikestream.network.LifPopulation;
import io.spikestream.network.Projection;
import io.spikestream.network.QuietDecay;
import io.spikestream.network.ReadoutPopulation;
import io.spikestream.network.TimeGrid;
import io.spikestream.plasticity.LearningSignalIndex;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/** The state {@link FastEpropRule} keeps: per target population, and per projection part (per source, per synapse). */
final class FastEpropState {

    private FastEpropState() {
    }

    /** A recurrent (eprop_iaf) target population. */
    static final class Recurrent {
        final LifPopulation pop;
        final SurrogateGradient surrogate;
        final double height;
        final double width;
        final double kappaReg;
        final double cReg;
        final double fTargetPerStep;
        final double h;
        final long cutoff;
        final double[] fAv;
        final double[] psiNow;
        /** Scratch of one step: regularisation signal and learning signal per neuron (each worker its chunk). */
        final double[] fr;
        final double[] ls;
        /**
         * Per neuron (hot layout): whether its history entries can change ({@link HotHistory#CALM} and the other
         * states; see {@link #afterUpdate}). A cache: clearing it to MOVING changes no result.
         */
        final byte[] calm;
        /** The prefix-sum ring of the classic and general layouts (null in the hot layout). */
        PrefixHistory hist;
        /** The hot layout's history (kappa == kappa_reg, compact layout), or null. */
        HotHistory hot;
        /** Feedback into this population, or null without any. */
        LearningSignalIndex feedback;

        Recurrent(LifPopulation pop, TimeGrid grid) {
            if (pop.model().adaptive()) {
                throw new IllegalArgumentException("fast e-prop does not support adaptive neurons (" + pop.model().nestName()
                    + " population " + pop.label() + "); use the NEST-exact rule");
            }
            this.pop = pop;
            var p = pop.params();
            surrogate = SurrogateGradient.byName(p.s("surrogate_gradient_function"));
            height = p.d("surrogate_gradient_height");
            width = p.d("surrogate_gradient_width");
            kappaReg = p.d("kappa_reg");
            cReg = p.d("c_reg");
            h = grid.resolutionMs();
            fTargetPerStep = p.d("f_target") / 1000.0 * h;
            cutoff = grid.steps(p.d("eprop_isi_trace_cutoff"));
            fAv = new double[pop.size()];
            psiNow = new double[pop.size()];
            fr = new double[pop.size()];
            ls = new double[pop.size()];
            calm = new byte[pop.size()];
        }

        long heapBytes() {
            return 6L * pop.size() * Double.BYTES + calm.length + (feedback == null ? 0 : feedback.bytes());
        }

        /**
         * Start of step t, neurons [from, to): the learning signals of step t - 2 are complete (the readouts' errors
         * of t - 1 through the feedback connections): extend the L prefix sums with them.
         */
        void extendLearningSignals(int from, int to, long t, FastWindows.Scratch sc) {
            LearningSignalIndex fb = feedback;
            if (fb == null) {
                Arrays.fill(ls, from, to, 0.0);
            } else {
                double[] err = sc.errors.length >= fb.slots() ? sc.errors : (sc.errors = new double[fb.slots()]);
                for (int q = 0; q < fb.sources(); q++) {
                    ReadoutPopulation ro = (ReadoutPopulation) fb.source(q);
                    int base = fb.sourceSlot(q);
                    for (int s = 0; s < ro.size(); s++) {
                        err[base + s] = ro.error(t - 1, s);
                    }
                }
                for (int j = from; j < to; j++) {
                    ls[j] = fb.signal(j, err);
                }
            }
            if (hot != null) {
                hot.writeLearningSignals(t - 2, from, to, ls);
            } else {
                hist.writeLearningSignals(t - 2, from, to, ls);
            }
        }

        /**
         * After the neurons' update of step t, [from, to): surrogate gradient, firing-rate average, regularisation,
         * written to the history. In the hot layout a neuron {@link HotHistory#CALM} whose update left it at rest
         * ({@link LifPopulation#resting}) is skipped, here and in the history's writes, except at a block start: its
         * psi, f_av and the entries it would write are those it wrote last, bit for bit. For: its v, r, theta and z are
         * those of the step before, so psi is too, and psi is 0 (a signed zero adds nothing to S whatever the power);
         * f_av is a fixed point of its decay; and the two parities of its history are equal, so each write repeats the
         * other. So a neuron that gets no spikes costs the update's check and the learning signals' pass. (The other
         * layouts write a new ring entry every step: nothing to skip.)
         */
        void afterUpdate(int from, int to, long t) {
            final double[] v = pop.vPsi();
            final int[] rr = pop.rPsi();
            final double[] th = pop.thetaPsi();
            final double[] z = pop.z();
            final boolean[] rest = pop.resting();
            final byte[] state = calm;
            // no neuron of the chunk at rest (the common case of a spiking population): no flags to look at
            final boolean look = hot != null && pop.restingIn(from, to) > 0;
            final boolean skip = look && !hot.blockStart(t);
            final double kr = kappaReg;
            for (int j = from; j < to; j++) {
                final boolean resting = look && rest[j];
                if (skip && resting && state[j] == HotHistory.CALM) {
                    continue;
                }
                double psi = surrogate.psi(rr[j], v[j], th[j], height, width);
                psiNow[j] = psi;
                double fOld = fAv[j];
                double f = kr * fOld + (1.0 - kr) * z[j] / h;
                fAv[j] = f;
                fr[j] = cReg * (f - fTargetPerStep);
                state[j] = resting && psi == 0.0 && Double.doubleToRawLongBits(f) == Double.doubleToRawLongBits(fOld)
                    ? HotHistory.CHECK : HotHistory.MOVING;
            }
            if (hot != null) {
                hot.writePsi(t, from, to, psiNow, fr, look ? state : null);
            } else {
                hist.writePsi(t, from, to, psiNow, fr);
            }
        }

        /**
         * A quiet stretch [from, to) skipped: f_av decays as {@link #afterUpdate} would with z = 0 (step by step
         * until it stops changing: bit-identical), psi is that of the neurons' state at to - 1.
         */
        void skipQuiet(long from, long to) {
            Arrays.fill(calm, HotHistory.MOVING);
            final double kr = kappaReg;
            final double[] before = new double[fAv.length];
            long t = from;
            while (t < to) {
                long chunkEnd = Math.min(to, t + QuietDecay.CHECK_EVERY);
                System.arraycopy(fAv, 0, before, 0, fAv.length);
                for (; t < chunkEnd; t++) {
                    for (int j = 0; j < fAv.length; j++) {
                        fAv[j] = kr * fAv[j] + (1.0 - kr) * 0.0 / h;
                    }
                }
                if (QuietDecay.same(before, 0, fAv)) {
                    break;
                }
            }
            final double[] v = pop.vPsi();
            final int[] rr = pop.rPsi();
            final double[] th = pop.thetaPsi();
            for (int j = 0; j < psiNow.length; j++) {
                psiNow[j] = surrogate.psi(rr[j], v[j], th[j], height, width);
            }
        }
    }

    /** A readout (eprop_readout) target population. */
    static final class Readout {
        final ReadoutPopulation pop;
        final long cutoff;
        PrefixHistory hist;

        Readout(ReadoutPopulation pop, TimeGrid grid) {
            this.pop = pop;
            this.cutoff = grid.steps(pop.params().d("eprop_isi_trace_cutoff"));
        }
    }

    /** One worker's part of a plastic projection: per-source bookkeeping and per-synapse columns. */
    static final class Part extends SourceTraces {
        Projection proj;
        Projection.Part part;
        Recurrent rec;
        Readout out;
        long cutoff;
        int closeInterval;
        /** Internal closes when the window's cutoff is reached (hot layout), not only after closeInterval steps. */
        boolean closeAtCutoff;
        // per source (and those of SourceTraces)
        long[] nextClose;
        // close wheel: sources due at stamp s are in wheel[s & wheelMask]
        int[][] wheel;
        int[] wheelCount;
        int wheelMask;
        // per synapse (ebarReg only in the general layout, acc only with batch_size > 1, m and v only with Adam)
        MemorySegment ebar;
        MemorySegment ebarReg;
        MemorySegment grad;
        MemorySegment acc;
        MemorySegment m;
        MemorySegment v;

        /**
         * Checkpoint layout: previous stamps, flush flags, presynaptic trace and buffer, cutoff counters, optimizer
         * clocks, next internal closes, the close wheel exactly as it is (stale entries included), every column.
         */
        void writeState(StateWriter out) {
            writeSources(out);
            out.putLongs(nextClose);
            out.putInts(wheelCount);
            for (int slot = 0; slot < wheelCount.length; slot++) {
                if (wheelCount[slot] > 0) {
                    out.putInts(wheel[slot], 0, wheelCount[slot]);
                }
            }
            out.putSegment(ebar);
            out.putSegment(ebarReg);
            out.putSegment(grad);
            out.putSegment(acc);
            out.putSegment(m);
            out.putSegment(v);
        }

        void readState(StateReader in) throws CheckpointException {
            readSources(in);
            in.readLongs(nextClose, "next internal closes");
            in.readInts(wheelCount, "close wheel counts");
            for (int slot = 0; slot < wheelCount.length; slot++) {
                int c = wheelCount[slot];
                if (c < 0) {
                    throw new CheckpointException(CheckpointException.Kind.CORRUPT, "negative close wheel count");
                }
                if (c > 0) {
                    int[] list = in.getInts("close wheel slot " + slot);
                    if (list.length != c) {
                        throw new CheckpointException(CheckpointException.Kind.CORRUPT, "close wheel slot " + slot
                            + " holds " + list.length + " sources, its count says " + c);
                    }
                    for (int src : list) {
                        if (src < 0 || src >= prev.length) {
                            throw new CheckpointException(CheckpointException.Kind.CORRUPT, "close wheel names source "
                                + src + " of " + prev.length);
                        }
                    }
                    wheel[slot] = list;
                } else if (wheel[slot] != null) {
                    wheel[slot] = null;
                }
        }
        in.readSegment(ebar, "ebar");
        in.readSegment(ebarReg, "ebar_reg");
        in.readSegment(grad, "gradient");
        in.readSegment(acc, "optimizer accumulator");
        in.readSegment(m, "Adam m");
        in.readSegment(v, "Adam v");
        }

        void sizeWheel(int interval) {
            closeInterval = interval;
            int w = Integer.highestOneBit(Math.max(2, interval + 1)) << 1;
            wheel = new int[w][];
            wheelCount = new int[w];
            wheelMask = w - 1;
        }

        long synapseBytes() {
            long b = 0;
            for (MemorySegment seg : new MemorySegment[] {ebar, ebarReg, grad, acc, m, v}) {
                b += seg == null ? 0 : seg.byteSize();
            }
            return b;
        }

        /** Heap bytes of the per-source state (wheel lists included). */
        long sourceBytes() {
            long b = sourceTraceBytes() + nextClose.length * (long) Long.BYTES + wheelCount.length * 4L;
            for (int[] list : wheel) {
                b += list == null ? 0 : list.length * 4L + 16;
            }
            return b;
        }
    }
}
