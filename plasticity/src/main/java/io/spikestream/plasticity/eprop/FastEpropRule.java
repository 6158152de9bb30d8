package io.spikestream.plasticity.eprop;

import io.spikestream.network.LargeSegments;
import io.spikestream.network.LifPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.NeuronModel;
import io.spikestream.network.PlasticityRule;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.ReadoutPopulation;
import io.spikestream.network.SynapseLayout;
import io.spikestream.network.SynapseModel;
import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.Checkpointable;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;
import io.spikestream.plasticity.LearningRate;
import io.spikestream.plasticity.LearningRateControl;
import io.spikestream.plasticity.LearningSignalIndex;
import io.spikestream.plasticity.eprop.FastEpropState.Part;
import io.spikestream.plasticity.eprop.FastEpropState.Readout;
import io.spikestream.plasticity.eprop.FastEpropState.Recurrent;
import io.spikestream.plasticity.optim.OptimizerSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Event-driven e-prop in O(1) per synaptic event: the same learning rule, state and update times as
 * {@link EpropRule} (NEST's), but a synapse integrates the interval since its previous event from prefix
 * sums of the target's history ({@link PrefixHistory}) instead of walking it step by step. Results agree
 * with the NEST-exact rule to rounding (about 1e-12 relative per update), not bit for bit.
 *
 * <p>History is kept in a fixed ring of the last {@code ringSteps} steps per neuron. To make that enough,
 * every source's open window is closed by an internal flush once the cutoff is reached (or after
 * {@code closeInterval} steps, whichever comes first): exactly NEST's flush-event mechanism, which leaves
 * the weights unchanged, applied per row. Memory per neuron is therefore constant and per synapse it is
 * {@code target + w + ebar + G (+ m, v for Adam)} = 28 / 44 bytes, 8 more ({@code ebar_reg}) when kappa != kappa_reg
 * or in the classic layout; synapses onto readouts have no {@code ebar} in the compact layout.
 * The ring is sized to at most {@link RingSizing#MAX_HISTORY_BYTES_PER_SYNAPSE} per incoming synapse once it is large
 * (shorter windows between internal closes, not less precision). Small networks keep the classic layout; large ones
 * get the compact one ({@link #setCompactLayout}), where a recurrent population with kappa == kappa_reg keeps no ring
 * at all: its synapses fold a window's start terms into their state when it opens and read the end terms when it
 * closes, both within two steps of the present ({@link HotHistory}, {@link HotRows}; windows are then closed
 * internally exactly when their cutoff is reached).
 *
 * <p>This class does the bookkeeping (scheduling, presynaptic traces, cutoffs, optimizer clocks, checkpoints);
 * the windows' presynaptic part in {@link FastWindows}, the per-synapse loops in {@link FastRows} and {@link HotRows},
 * the optimizer's in {@link io.spikestream.plasticity.optim.RowOptimizer}.
 *
 * <p>Supported: eprop_iaf / eprop_iaf_psc_delta targets (non-adaptive) and readouts, gradient descent and
 * Adam with {@code optimize_each_step = false} (Adam with or without NEST's catch-up iterations; the catch-up
 * costs O(interval) per update). Adaptive targets and per-step optimization are refused with a message:
 * use {@link EpropRule} for those.
 */
public final class FastEpropRule implements PlasticityRule, LearningRateControl, Checkpointable {

    private final String synapseName;
    private final String feedbackName;
    private final OptimizerSpec spec;
    private final int closeIntervalLimit;
    private final LearningRate eta;
    /** Ring length forced by tests (0: sized as documented): exercises windows closed before the cutoff. */
    int ringOverride;
    /** Compact layout forced on or off; null: automatic (see {@link #setCompactLayout}). */
    private Boolean compactRequested;
    private boolean compact;

    private Network network;
    private Part[][] partsByProjection;
    private final Map<Population, Recurrent> recurrent = new IdentityHashMap<>();
    private final Map<Population, Readout> readouts = new IdentityHashMap<>();
    private Recurrent[] recByPop;
    private Readout[] outByPop;
    private List<List<Part>> partsByWorker;
    private FastWindows.Scratch[] scratch;

    private FastEpropRule(String synapseName, String feedbackName, OptimizerSpec spec, int closeIntervalLimit) {
        if (spec.optimizeEachStep()) {
            throw new IllegalArgumentException("fast e-prop applies the optimizer once per update: set optimize_each_step "
                + "= false (gradient descent gives the same weights either way), or use the NEST-exact rule");
        }
        this.synapseName = synapseName;
        this.feedbackName = feedbackName;
        this.spec = spec;
        this.eta = new LearningRate(spec.eta());
        this.closeIntervalLimit = closeIntervalLimit;
    }

    /** Registers {@code eprop_synapse} / {@code eprop_learning_signal_connection} backed by this rule. */
    public static FastEpropRule install(Network net, OptimizerSpec spec) {
        return install(net, EpropRule.SYNAPSE, EpropRule.LEARNING_SIGNAL, spec, 1024);
    }

    /**
     * @param closeIntervalLimit largest number of steps a source's window stays open before an internal flush
     *                           integrates it (bounds the history ring when the cutoff is long or infinite)
     */
    public static FastEpropRule install(Network net, String synapseName, String feedbackName, OptimizerSpec spec,
                                        int closeIntervalLimit) {
        FastEpropRule rule = new FastEpropRule(synapseName, feedbackName, spec, closeIntervalLimit);
        SynapseModel.registerRule(net, rule, synapseName, feedbackName);
        return rule;
    }

    /**
     * The memory layout (call before the network is prepared). <b>Classic</b>: 9-value history entries, a power-of-two
     * ring, an {@code ebar_reg} column and checkpoints exactly as before the compact layout existed. <b>Compact</b>:
     * for recurrent populations with kappa == kappa_reg the hot history ({@link HotHistory}: the regularisation signal
     * folded into the learning signal, 4 steps of 8-value entries on two block grids, windows closed at their cutoff
     * and at most half a block long, no {@code ebar_reg}), otherwise a ring of exactly the length needed, capped at
     * {@link RingSizing#MAX_HISTORY_BYTES_PER_SYNAPSE} per incoming synapse once large; no {@code ebar} on synapses
     * onto readouts; checkpoint shape {@code v3 compact}. Both agree with the NEST-exact rule to rounding. By default
     * the compact layout is chosen when a recurrent population's classic history would exceed
     * {@link RingSizing#HISTORY_BUDGET_BYTES} (10^4 neurons with a cutoff of 100 and up), so small networks keep
     * their results and checkpoints bit for bit.
     */
    public void setCompactLayout(boolean on) {
        if (network != null) {
            throw new IllegalStateException("the layout must be chosen before the network is prepared");
        }
        compactRequested = on;
    }

    /** Whether the compact layout is in use (known once the network is prepared). */
    public boolean compactLayout() {
        return compact;
    }

    @Override
    public void setEta(double newEta) {
        eta.set(newEta);
    }

    @Override
    public double eta() {
        return eta.get();
    }

    public OptimizerSpec optimizer() {
        return spec;
    }

    // ------------------------------------------------------------------ attach

    @Override
    public void attach(Network net) {
        network = net;
        partsByProjection = new Part[net.projections().size()][];
        partsByWorker = new ArrayList<>();
        for (int k = 0; k < net.workers(); k++) {
            partsByWorker.add(new ArrayList<>());
        }
        List<Projection> feedback = new ArrayList<>();
        List<Projection> plastic = new ArrayList<>();
        for (Projection p : net.projections()) {
            if (p.model().name().equals(feedbackName)) {
                feedback.add(p);
            } else if (p.model().name().equals(synapseName)) {
                plastic.add(p);
                if (p.target() instanceof LifPopulation lif) {
                    recurrent.computeIfAbsent(lif, x -> new Recurrent(lif, net.grid()));
                } else if (p.target() instanceof ReadoutPopulation ro) {
                    readouts.computeIfAbsent(ro, x -> new Readout(ro, net.grid()));
                } else {
                    throw new IllegalArgumentException(synapseName + " must target an e-prop neuron or readout: " + p);
                }
            }
        }
        Map<Population, Long> incoming = new IdentityHashMap<>();
        for (Projection p : plastic) {
            incoming.merge(p.target(), p.size(), Long::sum);
        }
        compact = compactRequested != null ? compactRequested : plastic.stream().anyMatch(p ->
            p.target() instanceof LifPopulation && RingSizing.classicExceedsBudget(closeInterval(p), p.target().size(),
                incoming.get(p.target())));
        Map<LifPopulation, Integer> hotWindows = new IdentityHashMap<>();
        for (Projection p : plastic) {
            if (compact && p.target() instanceof LifPopulation lif && PrefixHistory.foldable(lif)) {
                hotWindows.merge(lif, hotWindow(p), Math::max);
                continue;
            }
            int fields = p.target() instanceof LifPopulation ? PrefixHistory.FIELDS : PrefixHistory.OUT_FIELDS;
            long bytesPerStep = (long) p.target().size() * fields * Double.BYTES;
            int ring = ringOverride > 0 ? ringOverride
                : compact ? RingSizing.ringSteps(closeInterval(p), bytesPerStep, incoming.get(p.target()))
                : RingSizing.classicRingSteps(closeInterval(p), bytesPerStep, incoming.get(p.target()));
            if (p.target() instanceof LifPopulation lif) {
                Recurrent r = recurrent.get(lif);
                if (r.hist == null || r.hist.ringSteps < ring) {
                    r.hist = PrefixHistory.recurrent(lif, net.grid(), ring, net.arena());
                }
            } else {
                Readout o = readouts.get((ReadoutPopulation) p.target());
                if (o.hist == null || o.hist.ringSteps < ring) {
                    o.hist = PrefixHistory.readout(o.pop, net.grid(), ring, net.arena());
                }
            }
        }
        hotWindows.forEach((lif, w) -> recurrent.get(lif).hot = HotHistory.recurrent(lif, net.grid(), w, net.arena()));
        for (Projection p : plastic) {
            attachPlastic(p);
        }
        attachFeedback(feedback);
        recByPop = new Recurrent[net.populations().size()];
        outByPop = new Readout[net.populations().size()];
        recurrent.forEach((p, r) -> recByPop[p.index()] = r);
        readouts.forEach((p, o) -> outByPop[p.index()] = o);
        scratch = new FastWindows.Scratch[net.workers()];
        for (int k = 0; k < scratch.length; k++) {
            scratch[k] = new FastWindows.Scratch(spec, partsByWorker.get(k), net.arena());
        }
        for (Recurrent r : recurrent.values()) {
            net.addRecordable(r.pop, "surrogate_gradient", j -> r.psiNow[j]);
        }
    }

    /**
     * The most steps a window of the hot layout integrates before it is closed: the cutoff (or a source's flush
     * interval, or the close-interval limit); a forced ring length (tests) shortens it as for the other layouts.
     */
    private int hotWindow(Projection p) {
        return ringOverride > 0 ? Math.max(1, Math.min(closeInterval(p), ringOverride - 4)) : closeInterval(p);
    }

    private int closeInterval(Projection p) {
        long c = p.target() instanceof LifPopulation lif ? recurrent.get(lif).cutoff
            : readouts.get((ReadoutPopulation) p.target()).cutoff;
        long f = p.source().flushSteps();
        long limit = Math.min(Math.min(c, f), closeIntervalLimit);
        return (int) Math.max(1, limit);
    }

    private void attachPlastic(Projection p) {
        if (p.uniformDelay() != 1) {
            throw new IllegalArgumentException(synapseName + " requires a delay of exactly one step; " + p + " has "
                + (p.uniformDelay() < 0 ? "per-connection delays" : p.uniformDelay() + " steps"));
        }
        if (p.source().model().kind() == NeuronModel.Kind.READOUT) {
            throw new IllegalArgumentException(synapseName + " cannot start at a readout: " + p);
        }
        Part[] parts = new Part[p.parts()];
        int nSrc = p.source().size();
        boolean adam = spec.type() == OptimizerSpec.Type.ADAM;
        for (int k = 0; k < p.parts(); k++) {
            Projection.Part part = p.part(k);
            Part st = new Part();
            st.proj = p;
            st.part = part;
            PrefixHistory hist;
            if (p.target() instanceof LifPopulation lif) {
                st.rec = recurrent.get(lif);
                st.cutoff = st.rec.cutoff;
                hist = st.rec.hist;
            } else {
                st.out = readouts.get((ReadoutPopulation) p.target());
                st.cutoff = st.out.cutoff;
                hist = st.out.hist;
            }
            if (st.rec != null && st.rec.hot != null) {
                // closed when the cutoff is reached, while the window's last step is still in the hot ring
                st.sizeWheel(Math.min(hotWindow(p), st.rec.hot.longestWindow));
                st.closeAtCutoff = true;
            } else {
                // close as late as the ring allows: a source that spikes before then needs no internal flush at all
                st.sizeWheel(hist.ringSteps - 4);
            }
            st.allocateSources(nSrc, spec.eta());
            st.nextClose = new long[nSrc];
            long n = Math.max(1, part.nnz);
            var arena = network.arena();
            // readout synapses need no eligibility traces of their own (their gradient is zbar x error): the classic
            // layout keeps the unused columns, its checkpoints hold them
            if (st.rec != null || !compact) {
                st.ebar = LargeSegments.allocate(arena, SynapseLayout.STATE, n);
            }
            if (!compact || (st.rec != null && st.rec.hot == null)) {
                st.ebarReg = LargeSegments.allocate(arena, SynapseLayout.STATE, n);
            }
            st.grad = LargeSegments.allocate(arena, SynapseLayout.STATE, n);
            if (spec.batchSize() > 1) {
                st.acc = LargeSegments.allocate(arena, SynapseLayout.STATE, n);
            }
            if (adam) {
                st.m = LargeSegments.allocate(arena, SynapseLayout.STATE, n);
                st.v = LargeSegments.allocate(arena, SynapseLayout.STATE, n);
            }
            for (long i = 0; i < part.nnz; i++) {
                double w0 = part.weight(i);
                if (w0 < spec.wMin() || w0 > spec.wMax()) {
                    throw new IllegalArgumentException(synapseName + ": initial weight " + w0 + " outside [Wmin, Wmax] = ["
                        + spec.wMin() + ", " + spec.wMax() + "] in " + p);
                }
            }
            parts[k] = st;
            if (part.nnz > 0) {
                partsByWorker.get(k).add(st);
            }
        }
        partsByProjection[p.index()] = parts;
    }

    private void attachFeedback(List<Projection> feedback) {
        Map<Recurrent, List<Projection>> into = new IdentityHashMap<>();
        for (Projection p : feedback) {
            if (!(p.source() instanceof ReadoutPopulation) || !(p.target() instanceof LifPopulation lif)) {
                throw new IllegalArgumentException(feedbackName + " must go from a readout to a recurrent e-prop neuron: " + p);
            }
            Recurrent r = recurrent.get(lif);
            if (r != null) {
                into.computeIfAbsent(r, x -> new ArrayList<>()).add(p);
            }
        }
        into.forEach((r, list) -> r.feedback = LearningSignalIndex.build(r.pop, list));
    }

    // ------------------------------------------------------------------ hooks

    @Override
    public void beginStep(int worker, long t) {
        FastWindows.Scratch sc = scratch[worker];
        // learning signals of index t-2 are complete now: extend the L prefix sums
        if (t >= 2) {
            for (Recurrent r : recurrent.values()) {
                r.extendLearningSignals(r.pop.chunkStart(worker), r.pop.chunkEnd(worker), t, sc);
            }
        }
        // internal flushes of windows that reached their cutoff / close interval
        for (Part st : partsByWorker.get(worker)) {
            int slot = (int) (t & st.wheelMask);
            int cnt = st.wheelCount[slot];
            if (cnt == 0) {
                continue;
            }
            int[] due = st.wheel[slot];
            st.wheelCount[slot] = 0;
            for (int q = 0; q < cnt; q++) {
                int src = due[q];
                if (st.nextClose[src] == t) {
                    FastWindows.process(st, src, t, true, sc, eta.get());
                }
            }
        }
    }

    @Override
    public void afterUpdate(int worker, Population pop, int from, int to, long t) {
        Recurrent r = recByPop[pop.index()];
        if (r != null) {
            r.afterUpdate(from, to, t);
            return;
        }
        Readout o = outByPop[pop.index()];
        if (o != null) {
            for (int j = from; j < to; j++) {
                o.hist.writeError(t, j, o.pop.error(t, j));
            }
        }
    }

    @Override
    public boolean onPresynapticEvent(int worker, Projection proj, Projection.Part part, int src, long s, boolean flush) {
        FastWindows.process(partsByProjection[proj.index()][worker], src, s, flush, scratch[worker], eta.get());
        return true;
    }

    // ------------------------------------------------------------------ quiet stretches

    /**
     * Quiet when no source's window waits for an internal close (every {@code nextClose} is 0): every window has then
     * integrated up to its cutoff, so a flush event of a silent source only moves its bookkeeping (the window it
     * closes has no steps left to integrate, nothing is read from the histories, no weight changes), and the
     * histories of the skipped steps are never read.
     */
    @Override
    public boolean quietSkippable() {
        for (Part[] parts : partsByProjection) {
            if (parts == null) {
                continue;
            }
            for (Part st : parts) {
                for (long c : st.nextClose) {
                    if (c != 0) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /**
     * The per-neuron state over [from, to): f_av decays as afterUpdate would with z = 0 (step by step until it stops
     * changing: bit-identical), psi is that of the neurons' state at to - 1, and the close wheel's slots of the
     * stretch are emptied as beginStep would (their entries are stale: no window is open). The prefix-sum histories
     * are not written for the skipped steps: the windows that will read them start after the next input spike, and
     * {@link #quietResumeSteps} steps after the skip every entry a window can read is rewritten (a block start has
     * passed and the ring has turned over), so the ring then equals stepping's bit for bit.
     */
    @Override
    public void skipQuiet(long from, long to) {
        for (Recurrent r : recurrent.values()) {
            r.skipQuiet(from, to);
        }
        for (Part[] parts : partsByProjection) {
            if (parts == null) {
                continue;
            }
            for (Part st : parts) {
                if (to - from >= st.wheelCount.length) {
                    Arrays.fill(st.wheelCount, 0);
                } else {
                    for (long t = from; t < to; t++) {
                        st.wheelCount[(int) (t & st.wheelMask)] = 0;
                    }
                }
            }
        }
    }

    /** A block start and a whole ring after the skip: the longest (block + ring) of the histories, plus the 2 steps L lags. */
    @Override
    public long quietResumeSteps() {
        long n = 0;
        for (Recurrent r : recurrent.values()) {
            n = Math.max(n, r.hot != null ? r.hot.resumeSteps() : (long) r.hist.block + r.hist.ringSteps + 2);
        }
        for (Readout o : readouts.values()) {
            n = Math.max(n, (long) o.hist.block + o.hist.ringSteps + 2);
        }
        return n;
    }

    // ------------------------------------------------------------------ checkpoints

    /**
     * The classic layout's shape and section are exactly those of the rule before the compact layout existed (its
     * checkpoints restore); the compact layout's shape starts {@code FastEpropRule v3 compact} (v2 was the compact
     * layout before the hot history) and names each history's kind and fields, so a checkpoint of one layout is
     * refused by the other naming the differing line.
     */
    @Override
    public String checkpointShape() {
        StringBuilder b = new StringBuilder("FastEpropRule" + (compact ? " v3 compact" : "") + " synapse=" + synapseName
            + " feedback=" + feedbackName + " close_interval_limit=" + closeIntervalLimit + " optimizer=" + spec);
        for (Recurrent r : recByPop) {
            if (r != null && r.hot != null) {
                b.append("\nhistory ").append(r.pop.index()).append(" hot lines=2 line=").append(HotHistory.LINE)
                    .append(" block=").append(r.hot.block).append(" grids=2");
            } else if (r != null) {
                b.append("\nhistory ").append(r.pop.index()).append(" ring=").append(r.hist.ringSteps)
                    .append(" block=").append(r.hist.block).append(compact ? " fields=" + r.hist.fields : "");
            }
        }
        for (Readout o : outByPop) {
            if (o != null) {
                b.append("\nhistory ").append(o.pop.index()).append(" ring=").append(o.hist.ringSteps)
                    .append(" block=").append(o.hist.block).append(compact ? " fields=" + o.hist.fields : "");
            }
        }
        return b.toString();
    }

    /**
     * Complete learning state: the learning rate in force; per target population f_av, the last psi and the
     * prefix-sum history ring; per (projection part, source) the previous stamp, flush flag, presynaptic trace
     * and buffer, cutoff counters, optimizer clock, next internal close and the close wheel exactly as it is
     * (stale entries included); every per-synapse segment.
     */
    @Override
    public void writeState(StateWriter out) {
        out.putDouble(eta.get());
        for (Recurrent r : recByPop) {
            if (r != null) {
                out.putDoubles(r.fAv);
                out.putDoubles(r.psiNow);
                if (r.hot != null) {
                    out.putDoubles(r.hot.ring);
                } else {
                    out.putDoubles(r.hist.ring);
                }
            }
        }
        for (Readout o : outByPop) {
            if (o != null) {
                out.putDoubles(o.hist.ring);
            }
        }
        for (Part[] parts : partsByProjection) {
            if (parts == null) {
                continue;
            }
            for (Part st : parts) {
                st.writeState(out);
            }
        }
    }

    @Override
    public void readState(StateReader in) throws CheckpointException {
        double e = LearningRate.checked(in.getDouble());
        for (Recurrent r : recByPop) {
            if (r != null) {
                in.readDoubles(r.fAv, "f_av");
                in.readDoubles(r.psiNow, "psi");
                Arrays.fill(r.calm, HotHistory.MOVING);
                if (r.hot != null) {
                    in.readDoubles(r.hot.ring, "hot history ring");
                } else {
                    in.readDoubles(r.hist.ring, "history ring");
                }
            }
        }
        for (Readout o : outByPop) {
            if (o != null) {
                in.readDoubles(o.hist.ring, "readout history ring");
            }
        }
        for (Part[] parts : partsByProjection) {
            if (parts == null) {
                continue;
            }
            for (Part st : parts) {
                st.readState(in);
            }
        }
        eta.set(e);
    }

    // ------------------------------------------------------------------ inspection

    public double adamM(Projection proj, int k, long syn) {
        Part st = partsByProjection[proj.index()][k];
        return st.m == null ? 0.0 : st.m.getAtIndex(SynapseLayout.STATE, syn);
    }

    public double adamV(Projection proj, int k, long syn) {
        Part st = partsByProjection[proj.index()][k];
        return st.v == null ? 0.0 : st.v.getAtIndex(SynapseLayout.STATE, syn);
    }

    /** Off-heap bytes of per-synapse state (excluding the engine's target index and weight). */
    public long synapseStateBytes() {
        long b = 0;
        for (Part[] parts : partsByProjection) {
            if (parts != null) {
                for (Part st : parts) {
                    b += st.synapseBytes();
                }
            }
        }
        return b;
    }

    /** Off-heap bytes of the neurons' prefix-sum histories. */
    public long historyBytes() {
        long b = 0;
        for (Recurrent r : recurrent.values()) {
            b += r.hot != null ? r.hot.bytes() : r.hist.bytes();
        }
        for (Readout o : readouts.values()) {
            b += o.hist.bytes();
        }
        return b;
    }

    /**
     * Heap bytes of the rest of the rule's state: per source (previous stamps, traces, cutoff counters, optimizer
     * clocks, close wheel), per target neuron (f_av, psi, step scratch) and the learning-signal index.
     */
    public long sourceAndNeuronBytes() {
        long b = 0;
        for (Part[] parts : partsByProjection) {
            if (parts != null) {
                for (Part st : parts) {
                    b += st.sourceBytes();
                }
            }
        }
        for (Recurrent r : recurrent.values()) {
            b += r.heapBytes();
        }
        return b;
    }
}
