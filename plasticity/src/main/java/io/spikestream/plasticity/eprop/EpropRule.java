package io.spikestream.plasticity.eprop;

import io.spikestream.network.LifPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.NeuronModel;
import io.spikestream.network.PlasticityRule;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.ReadoutPopulation;
import io.spikestream.network.SynapseLayout;
import io.spikestream.network.SynapseModel;
import io.spikestream.plasticity.LearningSignalIndex;
import io.spikestream.plasticity.optim.OptimizerClock;
import io.spikestream.plasticity.optim.OptimizerSpec;
import io.spikestream.plasticity.optim.WeightOptimizer;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.Checkpointable;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Event-driven e-prop exactly as NEST 3.10 runs it ({@code eprop_synapse} with {@code eprop_iaf*} and
 * {@code eprop_readout} targets; spec §1-§4): a synapse does nothing until its presynaptic neuron spikes
 * (or sends a flush event); then it walks the postsynaptic history over the interval since its previous
 * event, step by step, integrating its eligibility traces and gradient, calls the optimizer, and lets the
 * target erase the history no synapse needs any more. Same floating-point operations in the same order
 * as NEST, so the fixtures are reproduced bit for bit.
 *
 * <p>State. Per synapse (off-heap, one segment per variable): {@code ebar, ebar_reg, G, acc}, plus
 * {@code eps} for adaptive targets and Adam's {@code m, v}. Per (projection part, source) — because every
 * synapse of a source sees the same events, NEST's per-synapse copies of these are identical: the previous
 * stamp, flush flag, presynaptic trace {@code zbar}, its one-step buffer, cutoff counters and the
 * optimizer clock. Per postsynaptic neuron: the history ({@link NeuronHistory}).
 *
 * <p>Cost is O(min(ISI, cutoff)) per synaptic event (plus Adam's catch-up iterations); see
 * {@code FastEpropRule} for the O(1) formulation. Threading: worker k touches only part k and neurons of
 * chunk k.
 */
public final class EpropRule implements PlasticityRule, io.spikestream.plasticity.LearningRateControl, Checkpointable {

    public static final String SYNAPSE = "eprop_synapse";
    public static final String LEARNING_SIGNAL = "eprop_learning_signal_connection";

    private final String synapseName;
    private final String feedbackName;
    private final OptimizerSpec spec;
    private volatile double eta;
    private boolean dale;

    private Network network;
    private ProjState[] projStates;
    private final Map<Population, RecurrentTarget> recurrent = new IdentityHashMap<>();
    private final Map<Population, ReadoutTarget> readouts = new IdentityHashMap<>();
    private RecurrentTarget[] recurrentByPop;
    private ReadoutTarget[] readoutByPop;
    private Scratch[] scratch;

    private EpropRule(String synapseName, String feedbackName, OptimizerSpec spec) {
        this.synapseName = synapseName;
        this.feedbackName = feedbackName;
        this.spec = spec;
        this.eta = spec.eta();
    }

    /**
     * Registers {@code eprop_synapse} and {@code eprop_learning_signal_connection} with {@code net}, with the
     * given optimizer (NEST: {@code SetDefaults("eprop_synapse", {"optimizer": ...})}).
     */
    public static EpropRule install(Network net, OptimizerSpec spec) {
        return install(net, SYNAPSE, LEARNING_SIGNAL, spec);
    }

    /** As {@link #install(Network, OptimizerSpec)} under other model names (NEST's CopyModel). */
    public static EpropRule install(Network net, String synapseName, String feedbackName, OptimizerSpec spec) {
        EpropRule rule = new EpropRule(synapseName, feedbackName, spec);
        net.registerSynapseModel(new SynapseModel(synapseName, rule, true));
        net.registerSynapseModel(new SynapseModel(feedbackName, rule, false));
        return rule;
    }

    public OptimizerSpec optimizer() {
        return spec;
    }

    /**
     * Changes the learning rate (e.g. 0 to freeze learning for a test phase while the simulation goes on).
     * As in NEST, each synapse uses the new rate from its next-but-one update.
     */
    public void setEta(double newEta) {
        if (!(newEta >= 0) || Double.isInfinite(newEta)) {
            throw new IllegalArgumentException("eta >= 0 required, got " + newEta);
        }
        this.eta = newEta;
    }

    public double eta() {
        return eta;
    }

    /**
     * Dale's law (a spikestream extension, off in NEST): every synapse keeps the sign of its source's initial
     * weights; an update that would cross zero stops at zero. All outgoing weights of a source in one
     * projection must then share a sign. Call before the first simulate.
     */
    public void enforceDale(boolean on) {
        if (network != null) {
            throw new IllegalStateException("enforceDale must be set before the network is prepared");
        }
        this.dale = on;
    }

    private static double keepSign(double w, byte sign) {
        return sign > 0 ? Math.max(w, 0.0) : (sign < 0 ? Math.min(w, 0.0) : w);
    }

    // ------------------------------------------------------------------ attach

    /** Per (projection, part) state. */
    private static final class PartState {
        // per source
        long[] prev;
        boolean[] prevFlush;
        double[] zbar;
        double[] zbuf;
        long[] rem;
        long[] dec;
        long[] clockK;
        double[] clockB1;
        double[] clockB2;
        long[] clockN;
        double[] clockEta;
        byte[] sign; // Dale's law: +1 excitatory, -1 inhibitory source (null when off)
        // per synapse
        MemorySegment ebar;
        MemorySegment ebarReg;
        MemorySegment eps;
        MemorySegment grad;
        MemorySegment acc;
        MemorySegment m;
        MemorySegment v;
    }

    private static final class ProjState {
        RecurrentTarget rec;
        ReadoutTarget out;
        PartState[] parts;
    }

    private static final class Scratch {
        double[] zbarSeq = new double[256];
        final OptimizerClock clock0 = new OptimizerClock();
        final OptimizerClock clock = new OptimizerClock();
        final double[] opt = new double[3];
    }

    @Override
    public void attach(Network net) {
        this.network = net;
        List<Projection> all = net.projections();
        projStates = new ProjState[all.size()];
        List<Projection> feedback = new ArrayList<>();
        for (Projection p : all) {
            String name = p.model().name();
            if (name.equals(feedbackName)) {
                feedback.add(p);
            } else if (name.equals(synapseName)) {
                attachPlastic(p);
            }
        }
        for (RecurrentTarget rt : recurrent.values()) {
            rt.createHistories();
        }
        for (ReadoutTarget ot : readouts.values()) {
            ot.createHistories();
        }
        attachFeedback(feedback);
        recurrentByPop = new RecurrentTarget[net.populations().size()];
        readoutByPop = new ReadoutTarget[net.populations().size()];
        recurrent.forEach((pop, rt) -> recurrentByPop[pop.index()] = rt);
        readouts.forEach((pop, ot) -> readoutByPop[pop.index()] = ot);
        scratch = new Scratch[net.workers()];
        for (int k = 0; k < scratch.length; k++) {
            scratch[k] = new Scratch();
        }
        registerRecordables();
    }

    private void attachPlastic(Projection p) {
        if (p.uniformDelay() != 1) {
            throw new IllegalArgumentException(synapseName + " requires a delay of exactly one step (the resolution "
                + network.grid().resolutionMs() + " ms); " + p + " has " + (p.uniformDelay() < 0 ? "per-connection delays"
                : p.uniformDelay() + " steps"));
        }
        if (p.source().model().kind() == NeuronModel.Kind.READOUT) {
            throw new IllegalArgumentException(synapseName + " cannot start at a readout: " + p);
        }
        ProjState ps = new ProjState();
        Population tgt = p.target();
        if (tgt instanceof LifPopulation lif) {
            ps.rec = recurrent.computeIfAbsent(lif, x -> new RecurrentTarget(lif, network.grid()));
        } else if (tgt instanceof ReadoutPopulation ro) {
            ps.out = readouts.computeIfAbsent(ro, x -> new ReadoutTarget(ro, network.grid()));
        } else {
            throw new IllegalArgumentException(synapseName + " must target an e-prop neuron or readout: " + p);
        }
        int[] indeg = ps.rec != null ? ps.rec.indegree : ps.out.indegree;
        boolean adaptive = ps.rec != null && ps.rec.adaptive;
        boolean adam = spec.type() == OptimizerSpec.Type.ADAM;
        int nSrc = p.source().size();
        ps.parts = new PartState[p.parts()];
        for (int k = 0; k < p.parts(); k++) {
            Projection.Part part = p.part(k);
            PartState st = new PartState();
            st.prev = new long[nSrc];
            st.prevFlush = new boolean[nSrc];
            st.zbar = new double[nSrc];
            st.zbuf = new double[nSrc];
            st.rem = new long[nSrc];
            st.dec = new long[nSrc];
            st.clockK = new long[nSrc];
            java.util.Arrays.fill(st.clockK, 1L);
            st.clockB1 = new double[nSrc];
            java.util.Arrays.fill(st.clockB1, 1.0);
            st.clockB2 = new double[nSrc];
            java.util.Arrays.fill(st.clockB2, 1.0);
            st.clockN = new long[nSrc];
            st.clockEta = new double[nSrc];
            java.util.Arrays.fill(st.clockEta, spec.eta());
            long n = Math.max(1, part.nnz);
            st.ebar = network.arena().allocate(SynapseLayout.STATE, n);
            st.ebarReg = network.arena().allocate(SynapseLayout.STATE, n);
            st.grad = network.arena().allocate(SynapseLayout.STATE, n);
            st.acc = network.arena().allocate(SynapseLayout.STATE, n);
            if (adaptive) {
                st.eps = network.arena().allocate(SynapseLayout.STATE, n);
            }
            if (adam) {
                st.m = network.arena().allocate(SynapseLayout.STATE, n);
                st.v = network.arena().allocate(SynapseLayout.STATE, n);
            }
            if (dale) {
                st.sign = daleSigns(p, part);
            }
            for (long i = 0; i < part.nnz; i++) {
                indeg[part.target(i)]++;
                double w = part.weight(i);
                if (w < spec.wMin() || w > spec.wMax()) {
                    throw new IllegalArgumentException(synapseName + ": initial weight " + w + " outside [Wmin, Wmax] = ["
                        + spec.wMin() + ", " + spec.wMax() + "] in " + p);
                }
            }
            ps.parts[k] = st;
        }
        projStates[p.index()] = ps;
    }

    private byte[] daleSigns(Projection p, Projection.Part part) {
        byte[] sign = new byte[p.source().size()];
        for (int s = 0; s < sign.length; s++) {
            for (long i = part.rowStart(s); i < part.rowEnd(s); i++) {
                double w = part.weight(i);
                byte sg = (byte) (w > 0 ? 1 : (w < 0 ? -1 : 0));
                if (sg != 0 && sign[s] != 0 && sg != sign[s]) {
                    throw new IllegalArgumentException("Dale's law: source " + s + " of " + p
                        + " has outgoing weights of both signs");
                }
                if (sg != 0) {
                    sign[s] = sg;
                }
            }
            if (sign[s] == 0) {
                sign[s] = 1; // all-zero rows count as excitatory
            }
        }
        return sign;
    }

    private void attachFeedback(List<Projection> feedback) {
        Map<RecurrentTarget, List<Projection>> into = new IdentityHashMap<>();
        for (Projection p : feedback) {
            if (!(p.source() instanceof ReadoutPopulation)) {
                throw new IllegalArgumentException(feedbackName + " must start at a readout: " + p);
            }
            if (!(p.target() instanceof LifPopulation lif)) {
                throw new IllegalArgumentException(feedbackName + " must end at a recurrent e-prop neuron: " + p);
            }
            RecurrentTarget rt = recurrent.get(lif);
            if (rt == null) {
                continue; // no plastic synapses into these neurons: learning signals have nowhere to go
            }
            into.computeIfAbsent(rt, x -> new ArrayList<>()).add(p);
        }
        // flat rows per target neuron in ascending readout id (NEST's delivery order of learning signals), shared
        // with FastEpropRule: 12 bytes per feedback synapse, no object per synapse
        into.forEach((rt, list) -> rt.attachFeedback(LearningSignalIndex.build(rt.pop, list)));
    }

    private void registerRecordables() {
        for (RecurrentTarget rt : recurrent.values()) {
            network.addRecordable(rt.pop, "surrogate_gradient", j -> rt.psiNow[j]);
            network.addRecordable(rt.pop, "learning_signal", j -> rt.learningSignalNow[j]);
            network.addRecordable(rt.pop, "eprop_history_duration", rt::historyDuration);
        }
        for (ReadoutTarget ot : readouts.values()) {
            network.addRecordable(ot.pop, "eprop_history_duration", ot::historyDuration);
        }
    }

    // ------------------------------------------------------------------ engine hooks

    @Override
    public void beginStep(int worker, long t) {
        for (RecurrentTarget rt : recurrent.values()) {
            rt.deliverLearningSignals(rt.pop.chunkStart(worker), rt.pop.chunkEnd(worker), t);
        }
    }

    @Override
    public void afterUpdate(int worker, Population pop, int from, int to, long t) {
        RecurrentTarget rt = recurrentByPop[pop.index()];
        if (rt != null) {
            rt.afterUpdate(from, to, t);
            return;
        }
        ReadoutTarget ot = readoutByPop[pop.index()];
        if (ot != null) {
            ot.afterUpdate(from, to, t);
        }
    }

    @Override
    public boolean onPresynapticEvent(int worker, Projection proj, Projection.Part part, int src, long s, boolean flush) {
        ProjState ps = projStates[proj.index()];
        PartState st = ps.parts[worker];
        long p = st.prev[src];
        NeuronHistory[] hist = ps.rec != null ? ps.rec.history : ps.out.history;
        long cutoff = ps.rec != null ? ps.rec.cutoff : ps.out.cutoff;
        if (p != 0) {
            if (ps.rec != null) {
                gradientRecurrent(ps.rec, st, part, src, p, s, flush, scratch[worker]);
            } else {
                gradientReadout(ps.out, st, part, src, p, s, flush, scratch[worker]);
            }
        }
        for (long i = part.rowStart(src), e = part.rowEnd(src); i < e; i++) {
            hist[part.target(i)].cleanUp(s, p, cutoff);
        }
        st.prev[src] = s;
        st.prevFlush[src] = flush;
        return true;
    }

    /**
     * Builds the presynaptic trace over the window [p-1, p-1+m) shared by every synapse of the row (spec
     * §3.3: the spike at p enters zbar at index p through the one-step buffer). Returns m.
     */
    private static int presynapticTrace(PartState st, int src, long p, long s, long cutoff, double pV, Scratch sc) {
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

    private void loadClock(PartState st, int src, OptimizerClock c) {
        c.set(st.clockK[src], st.clockB1[src], st.clockB2[src], st.clockN[src], st.clockEta[src]);
    }

    private void storeClock(PartState st, int src, OptimizerClock c) {
        st.clockK[src] = c.k;
        st.clockB1[src] = c.b1pow;
        st.clockB2[src] = c.b2pow;
        st.clockN[src] = c.nOptimize;
        st.clockEta[src] = c.etaCurrent;
    }

    private void gradientRecurrent(RecurrentTarget rt, PartState st, Projection.Part part, int src, long p, long s,
                                   boolean flush, Scratch sc) {
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
        final double etaNow = eta;
        loadClock(st, src, sc.clock0);
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
            st.grad.setAtIndex(SynapseLayout.STATE, i, g);
            st.acc.setAtIndex(SynapseLayout.STATE, i, o[0]);
            if (adam) {
                st.m.setAtIndex(SynapseLayout.STATE, i, o[1]);
                st.v.setAtIndex(SynapseLayout.STATE, i, o[2]);
            }
            part.setWeight(i, w);
        }
        if (part.rowEnd(src) > part.rowStart(src)) {
            storeClock(st, src, sc.clock);
        }
        if (decay) {
            st.zbar[src] *= Math.pow(rt.pV, dec);
            st.dec[src] = 0;
        }
    }

    private void gradientReadout(ReadoutTarget ot, PartState st, Projection.Part part, int src, long p, long s,
                                 boolean flush, Scratch sc) {
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
        final double etaNow = eta;
        loadClock(st, src, sc.clock0);
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
            st.grad.setAtIndex(SynapseLayout.STATE, i, g);
            st.acc.setAtIndex(SynapseLayout.STATE, i, o[0]);
            if (adam) {
                st.m.setAtIndex(SynapseLayout.STATE, i, o[1]);
                st.v.setAtIndex(SynapseLayout.STATE, i, o[2]);
            }
            part.setWeight(i, w);
        }
        if (part.rowEnd(src) > part.rowStart(src)) {
            storeClock(st, src, sc.clock);
        }
        if (decay) {
            st.zbar[src] *= Math.pow(ot.pV, dec);
            st.dec[src] = 0;
        }
    }

    // ------------------------------------------------------------------ checkpoints

    @Override
    public String checkpointShape() {
        return "EpropRule synapse=" + synapseName + " feedback=" + feedbackName + " dale=" + dale + " optimizer=" + spec;
    }

    /**
     * Complete learning state: the learning rate in force; per (projection part, source) the previous stamp, flush
     * flag, presynaptic trace and buffer, cutoff counters, optimizer clock and Dale signs; every per-synapse
     * segment (eligibility traces, gradient, accumulator, Adam's moments); per target neuron f_av, the last psi and
     * learning signal and the history with its update markers. Targets in population order.
     */
    @Override
    public void writeState(StateWriter out) {
        out.putDouble(eta);
        for (ProjState ps : projStates) {
            if (ps == null) {
                continue;
            }
            for (PartState st : ps.parts) {
                out.putLongs(st.prev);
                out.putBooleans(st.prevFlush);
                out.putDoubles(st.zbar);
                out.putDoubles(st.zbuf);
                out.putLongs(st.rem);
                out.putLongs(st.dec);
                out.putLongs(st.clockK);
                out.putDoubles(st.clockB1);
                out.putDoubles(st.clockB2);
                out.putLongs(st.clockN);
                out.putDoubles(st.clockEta);
                if (st.sign != null) {
                    out.putBytes(st.sign);
                }
                out.putSegment(st.ebar);
                out.putSegment(st.ebarReg);
                out.putSegment(st.eps);
                out.putSegment(st.grad);
                out.putSegment(st.acc);
                out.putSegment(st.m);
                out.putSegment(st.v);
            }
        }
        for (RecurrentTarget rt : recurrentByPop) {
            if (rt != null) {
                out.putDoubles(rt.fAv);
                out.putDoubles(rt.psiNow);
                out.putDoubles(rt.learningSignalNow);
                writeHistories(out, rt.history);
            }
        }
        for (ReadoutTarget ot : readoutByPop) {
            if (ot != null) {
                writeHistories(out, ot.history);
            }
        }
    }

    private static void writeHistories(StateWriter out, NeuronHistory[] h) {
        for (NeuronHistory x : h) {
            out.putBoolean(x != null);
            if (x != null) {
                x.writeState(out);
            }
        }
    }

    @Override
    public void readState(StateReader in) throws CheckpointException {
        double e = in.getDouble();
        for (ProjState ps : projStates) {
            if (ps == null) {
                continue;
            }
            for (PartState st : ps.parts) {
                in.readLongs(st.prev, "previous stamps");
                in.readBooleans(st.prevFlush, "previous flush flags");
                in.readDoubles(st.zbar, "zbar");
                in.readDoubles(st.zbuf, "zbar buffer");
                in.readLongs(st.rem, "cutoff remainders");
                in.readLongs(st.dec, "pending decays");
                in.readLongs(st.clockK, "optimizer steps");
                in.readDoubles(st.clockB1, "beta_1 powers");
                in.readDoubles(st.clockB2, "beta_2 powers");
                in.readLongs(st.clockN, "optimizer update counts");
                in.readDoubles(st.clockEta, "learning rates in force");
                if (st.sign != null) {
                    byte[] sg = in.getBytes();
                    if (sg.length != st.sign.length) {
                        throw new CheckpointException(CheckpointException.Kind.INCOMPATIBLE_SHAPE, "Dale signs: "
                            + sg.length + " sources in the checkpoint, " + st.sign.length + " here");
                    }
                    System.arraycopy(sg, 0, st.sign, 0, sg.length);
                }
                in.readSegment(st.ebar, "ebar");
                in.readSegment(st.ebarReg, "ebar_reg");
                in.readSegment(st.eps, "epsilon");
                in.readSegment(st.grad, "gradient");
                in.readSegment(st.acc, "optimizer accumulator");
                in.readSegment(st.m, "Adam m");
                in.readSegment(st.v, "Adam v");
            }
        }
        for (RecurrentTarget rt : recurrentByPop) {
            if (rt != null) {
                in.readDoubles(rt.fAv, "f_av");
                in.readDoubles(rt.psiNow, "psi");
                in.readDoubles(rt.learningSignalNow, "learning signal");
                readHistories(in, rt.history);
            }
        }
        for (ReadoutTarget ot : readoutByPop) {
            if (ot != null) {
                readHistories(in, ot.history);
            }
        }
        eta = e;
    }

    private static void readHistories(StateReader in, NeuronHistory[] h) throws CheckpointException {
        for (int j = 0; j < h.length; j++) {
            boolean present = in.getBoolean();
            if (present != (h[j] != null)) {
                throw new CheckpointException(CheckpointException.Kind.INCOMPATIBLE_SHAPE, "e-prop history of neuron " + j
                    + (present ? " exists in the checkpoint but not here" : " is missing from the checkpoint"));
            }
            if (present) {
                h[j].readState(in, j);
            }
        }
    }

    // ------------------------------------------------------------------ inspection (tests, tools, checkpoints)

    /** Adam's first moment of synapse {@code syn} in part {@code k} of {@code proj} (0 for gradient descent). */
    public double adamM(Projection proj, int k, long syn) {
        PartState st = projStates[proj.index()].parts[k];
        return st.m == null ? 0.0 : st.m.getAtIndex(SynapseLayout.STATE, syn);
    }

    public double adamV(Projection proj, int k, long syn) {
        PartState st = projStates[proj.index()].parts[k];
        return st.v == null ? 0.0 : st.v.getAtIndex(SynapseLayout.STATE, syn);
    }

    /** Retained history entries of neuron {@code j} of {@code pop} (0 without incoming e-prop synapses). */
    public int historyLength(Population pop, int j) {
        RecurrentTarget rt = recurrent.get(pop);
        if (rt != null) {
            return rt.history[j] == null ? 0 : rt.history[j].retained();
        }
        ReadoutTarget ot = readouts.get(pop);
        return ot == null || ot.history[j] == null ? 0 : ot.history[j].retained();
    }

    /** Physical history slots of neuron {@code j} (what its archive occupies in memory). */
    public int historySlots(Population pop, int j) {
        RecurrentTarget rt = recurrent.get(pop);
        if (rt != null) {
            return rt.history[j] == null ? 0 : rt.history[j].physicalLength();
        }
        ReadoutTarget ot = readouts.get(pop);
        return ot == null || ot.history[j] == null ? 0 : ot.history[j].physicalLength();
    }

    /** Off-heap bytes of per-synapse learning state (excluding the engine's target index and weight). */
    public long synapseStateBytes() {
        long b = 0;
        for (ProjState ps : projStates) {
            if (ps == null) {
                continue;
            }
            for (PartState st : ps.parts) {
                for (MemorySegment seg : new MemorySegment[] {st.ebar, st.ebarReg, st.eps, st.grad, st.acc, st.m, st.v}) {
                    b += seg == null ? 0 : seg.byteSize();
                }
            }
        }
        return b;
    }
}
