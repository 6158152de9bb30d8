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
import io.spikestream.plasticity.LearningRate;
import io.spikestream.plasticity.LearningSignalIndex;
import io.spikestream.plasticity.eprop.EpropState.PartState;
import io.spikestream.plasticity.eprop.EpropState.ProjState;
import io.spikestream.plasticity.eprop.EpropState.Scratch;
import io.spikestream.plasticity.optim.OptimizerSpec;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.Checkpointable;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

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
 *
 * <p>This class does the bookkeeping (attaching, hooks, checkpoints); the per-row update kernels are in
 * {@link EpropUpdates}, the state in {@link EpropState}, the optimizer clocks in
 * {@link io.spikestream.plasticity.optim.SourceClocks}, the learning signals in {@link LearningSignalIndex}.
 */
public final class EpropRule implements PlasticityRule, io.spikestream.plasticity.LearningRateControl, Checkpointable {

    public static final String SYNAPSE = "eprop_synapse";
    public static final String LEARNING_SIGNAL = "eprop_learning_signal_connection";

    private final String synapseName;
    private final String feedbackName;
    private final OptimizerSpec spec;
    private final LearningRate eta;
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
        this.eta = new LearningRate(spec.eta());
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
        SynapseModel.registerRule(net, rule, synapseName, feedbackName);
        return rule;
    }

    public OptimizerSpec optimizer() {
        return spec;
    }

    /**
     * Changes the learning rate (e.g. 0 to freeze learning for a test phase while the simulation goes on).
     * As in NEST, each synapse uses the new rate from its next-but-one update.
     */
    @Override
    public void setEta(double newEta) {
        eta.set(newEta);
    }

    @Override
    public double eta() {
        return eta.get();
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

    // ------------------------------------------------------------------ attach

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
            PartState st = new PartState(nSrc, spec.eta());
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
                EpropUpdates.gradientRecurrent(ps.rec, st, part, src, p, s, flush, scratch[worker], spec, eta.get());
            } else {
                EpropUpdates.gradientReadout(ps.out, st, part, src, p, s, flush, scratch[worker], spec, eta.get());
            }
        }
        for (long i = part.rowStart(src), e = part.rowEnd(src); i < e; i++) {
            hist[part.target(i)].cleanUp(s, p, cutoff);
        }
        st.prev[src] = s;
        st.prevFlush[src] = flush;
        return true;
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
        out.putDouble(eta.get());
        for (ProjState ps : projStates) {
            if (ps == null) {
                continue;
            }
            for (PartState st : ps.parts) {
                st.writeState(out);
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
        double e = LearningRate.checked(in.getDouble());
        for (ProjState ps : projStates) {
            if (ps == null) {
                continue;
            }
            for (PartState st : ps.parts) {
                st.readState(in);
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
        eta.set(e);
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
        return projStates[proj.index()].parts[k].adamM(syn);
    }

    public double adamV(Projection proj, int k, long syn) {
        return projStates[proj.index()].parts[k].adamV(syn);
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
                b += st.synapseBytes();
            }
        }
        return b;
    }
}
