package io.spikestream.plasticity.bsshslm;

import io.spikestream.network.BsshslmLifPopulation;
import io.spikestream.network.BsshslmReadoutPopulation;
import io.spikestream.network.CLibMath;
import io.spikestream.network.Network;
import io.spikestream.network.NeuronModel;
import io.spikestream.network.PlasticityRule;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.SynapseLayout;
import io.spikestream.network.SynapseModel;
import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.Checkpointable;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;
import io.spikestream.plasticity.LearningRate;
import io.spikestream.plasticity.LearningRateControl;
import io.spikestream.plasticity.LearningSignalIndex;
import io.spikestream.plasticity.optim.OptimizerClock;
import io.spikestream.plasticity.optim.OptimizerSpec;
import io.spikestream.plasticity.optim.WeightOptimizer;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Time-driven e-prop as NEST 3.10 runs it ({@code eprop_synapse_bsshslm_2020} into {@code eprop_iaf_bsshslm_2020},
 * {@code eprop_iaf_adapt_bsshslm_2020} and {@code eprop_readout_bsshslm_2020}; Bellec et al. 2020; spec §5): time
 * is cut into update intervals of {@code eprop_update_interval}; a synapse records the inter-spike intervals of
 * its source during an interval and, at the first presynaptic event after it, integrates the eligibility over the
 * whole interval from the target's archive (traces restart at 0 each interval), adds the interval's rate term, and
 * calls the optimizer with the interval index (batches count intervals). Every floating-point operation is NEST's,
 * in NEST's order: both {@code bsshslm_2020_*} fixtures are reproduced bit for bit.
 *
 * <p>State. Per (projection part, source), because every synapse of a source sees the same events: the stamp of
 * the last transmitted spike, the flush flag, the previous and next update times, the trigger time, the list of
 * presynaptic ISIs of the open interval, and the optimizer clock. Per synapse, off-heap: the gradient accumulator,
 * the optimizer's cumulative gradient and Adam's moments. Per postsynaptic neuron: an {@link IntervalArchive}.
 *
 * <p>Cost: O(U) per synapse and update interval (U = interval in steps) whatever the activity, plus O(1) per
 * spike: the time-driven baseline the event-driven rules are compared with. Threading: worker k touches only part
 * k of each projection and neurons of chunk k.
 */
public final class BsshslmEpropRule implements PlasticityRule, LearningRateControl, Checkpointable {

    public static final String SYNAPSE = "eprop_synapse_bsshslm_2020";
    public static final String LEARNING_SIGNAL = "eprop_learning_signal_connection_bsshslm_2020";

    private final BsshslmConfig config;
    private final OptimizerSpec spec;
    private final Map<Projection, Double> tauOverrides = new IdentityHashMap<>();
    private final LearningRate eta;

    private Network network;
    private long interval;
    private long window;
    private BsshslmTarget[] targets;
    private final Map<Population, RecurrentNeurons> recurrent = new IdentityHashMap<>();
    private final Map<Population, ReadoutNeurons> readouts = new IdentityHashMap<>();
    private RecurrentNeurons[] recurrentByPop;
    private ReadoutNeurons[] readoutByPop;
    private RecurrentNeurons[] recurrentList;
    private Scratch[] scratch;

    private BsshslmEpropRule(BsshslmConfig config) {
        this.config = config;
        this.spec = config.optimizer();
        this.eta = new LearningRate(spec.eta());
    }

    /**
     * Registers {@code eprop_synapse_bsshslm_2020} and {@code eprop_learning_signal_connection_bsshslm_2020} with
     * {@code net} (NEST: {@code SetDefaults("eprop_synapse_bsshslm_2020", {"optimizer": ..., "average_gradient": ...})}).
     */
    public static BsshslmEpropRule install(Network net, BsshslmConfig config) {
        BsshslmEpropRule rule = new BsshslmEpropRule(config);
        SynapseModel.registerRule(net, rule, SYNAPSE, LEARNING_SIGNAL);
        return rule;
    }

    /** As {@link #install(Network, BsshslmConfig)} with NEST's defaults around {@code optimizer}. */
    public static BsshslmEpropRule install(Network net, OptimizerSpec optimizer) {
        return install(net, BsshslmConfig.of(optimizer));
    }

    public BsshslmConfig config() {
        return config;
    }

    /** NEST's per-connection {@code tau_m_readout}, here per projection; call before the first simulate. */
    public void setTauMReadout(Projection projection, double ms) {
        if (network != null) {
            throw new IllegalStateException("tau_m_readout must be set before the network is prepared");
        }
        if (!(ms > 0) || Double.isInfinite(ms)) {
            throw new IllegalArgumentException("tau_m_readout > 0 required, got " + ms);
        }
        if (!projection.model().name().equals(SYNAPSE)) {
            throw new IllegalArgumentException("tau_m_readout applies to " + SYNAPSE + " projections, not " + projection);
        }
        tauOverrides.put(projection, ms);
    }

    /** Changes the learning rate; as in NEST, each synapse uses it from its next-but-one update. */
    @Override
    public void setEta(double newEta) {
        eta.set(newEta);
    }

    @Override
    public double eta() {
        return eta.get();
    }

    /** eprop_update_interval in steps (known once the network is prepared). */
    public long updateIntervalSteps() {
        return interval;
    }

    // ------------------------------------------------------------------ attach

    static final class Scratch {
        double[] zbar = new double[1024];
        /** Errors of the readouts feeding a population, one slot each (see {@link LearningSignalIndex}). */
        double[] errors = new double[0];
        final OptimizerClock clock0 = new OptimizerClock();
        final OptimizerClock clock = new OptimizerClock();
        final double[] opt = new double[3];
    }

    @Override
    public void attach(Network net) {
        this.network = net;
        readKernelParameters(net);
        double h = net.grid().resolutionMs();
        for (Population p : net.populations()) {
            if (p instanceof BsshslmLifPopulation lif) {
                recurrent.put(lif, new RecurrentNeurons(lif, h, interval));
            } else if (p instanceof BsshslmReadoutPopulation ro) {
                readouts.put(ro, new ReadoutNeurons(ro, h, interval));
            }
        }
        List<Projection> all = net.projections();
        targets = new BsshslmTarget[all.size()];
        List<Projection> feedback = new ArrayList<>();
        for (Projection p : all) {
            if (p.model().name().equals(LEARNING_SIGNAL)) {
                feedback.add(p);
            } else if (p.model().name().equals(SYNAPSE)) {
                attachPlastic(p);
            }
        }
        recurrent.values().forEach(RecurrentNeurons::createArchives);
        readouts.values().forEach(ReadoutNeurons::createArchives);
        markInitialUpdates();
        attachFeedback(feedback);
        int n = net.populations().size();
        recurrentByPop = new RecurrentNeurons[n];
        readoutByPop = new ReadoutNeurons[n];
        recurrent.forEach((pop, rn) -> recurrentByPop[pop.index()] = rn);
        readouts.forEach((pop, ro) -> readoutByPop[pop.index()] = ro);
        recurrentList = recurrent.values().toArray(new RecurrentNeurons[0]);
        scratch = new Scratch[net.workers()];
        for (int k = 0; k < scratch.length; k++) {
            scratch[k] = new Scratch();
        }
        registerRecordables();
    }

    /** NEST's kernel parameters are global: every time-driven population must carry the same values. */
    private void readKernelParameters(Network net) {
        Population first = null;
        for (Population p : net.populations()) {
            if (!p.model().timeDriven()) {
                continue;
            }
            if (first == null) {
                first = p;
                continue;
            }
            for (String key : List.of("eprop_update_interval", "eprop_learning_window", "eprop_reset_neurons_on_update")) {
                if (!p.params().get(key).equals(first.params().get(key))) {
                    throw new IllegalArgumentException("time-driven e-prop: " + key + " is a kernel parameter and must be "
                        + "the same in every population; " + first + " has " + first.params().get(key) + ", " + p + " has "
                        + p.params().get(key));
                }
            }
        }
        if (first == null) {
            throw new IllegalArgumentException("time-driven e-prop needs *_bsshslm_2020 neuron populations");
        }
        interval = net.grid().steps(first.params().d("eprop_update_interval"));
        window = net.grid().steps(first.params().d("eprop_learning_window"));
    }

    private void attachPlastic(Projection p) {
        if (p.uniformDelay() != 1) {
            throw new IllegalArgumentException(SYNAPSE + " requires a delay of exactly one step (the resolution "
                + network.grid().resolutionMs() + " ms); " + p + " has "
                + (p.uniformDelay() < 0 ? "per-connection delays" : p.uniformDelay() + " steps"));
        }
        if (p.source().model().kind() == NeuronModel.Kind.READOUT) {
            throw new IllegalArgumentException(SYNAPSE + " cannot start at a readout: " + p);
        }
        BsshslmTarget ps = new BsshslmTarget();
        double tau = tauOverrides.getOrDefault(p, config.tauMReadout());
        ps.kappa = CLibMath.exp(-network.grid().resolutionMs() / tau);
        int[] indeg;
        if (p.target() instanceof BsshslmLifPopulation lif) {
            ps.rec = recurrent.get(lif);
            ps.shift = RecurrentNeurons.SHIFT;
            ps.pV = lif.propagatorV();
            ps.pZ = lif.propagatorZ();
            ps.beta = lif.adaptBeta();
            ps.pA = lif.propagatorA();
            indeg = ps.rec.indegree;
        } else if (p.target() instanceof BsshslmReadoutPopulation ro) {
            ps.out = readouts.get(ro);
            ps.shift = ReadoutNeurons.SHIFT;
            ps.pV = ro.propagatorV();
            ps.pZ = ro.propagatorZ();
            indeg = ps.out.indegree;
        } else {
            throw new IllegalArgumentException(SYNAPSE + " must target an eprop_iaf(_adapt)_bsshslm_2020 neuron or an "
                + "eprop_readout_bsshslm_2020: " + p);
        }
        boolean adam = spec.type() == OptimizerSpec.Type.ADAM;
        int nSrc = p.source().size();
        ps.parts = new BsshslmSources[p.parts()];
        for (int k = 0; k < p.parts(); k++) {
            Projection.Part part = p.part(k);
            long n = Math.max(1, part.nnz);
            MemorySegment grad = network.arena().allocate(SynapseLayout.STATE, n);
            MemorySegment acc = network.arena().allocate(SynapseLayout.STATE, n);
            MemorySegment m = adam ? network.arena().allocate(SynapseLayout.STATE, n) : null;
            MemorySegment v = adam ? network.arena().allocate(SynapseLayout.STATE, n) : null;
            BsshslmSources st = new BsshslmSources(nSrc, interval, spec.eta(), grad, acc, m, v);
            for (long i = 0; i < part.nnz; i++) {
                indeg[part.target(i)]++;
                double w = part.weight(i);
                if (w < spec.wMin() || w > spec.wMax()) {
                    throw new IllegalArgumentException(SYNAPSE + ": initial weight " + w + " outside [Wmin, Wmax] = ["
                        + spec.wMin() + ", " + spec.wMax() + "] in " + p);
                }
            }
            ps.parts[k] = st;
        }
        targets[p.index()] = ps;
    }

    /** NEST's initialize_update_history: every synapse marks its target's first interval at connect time. */
    private void markInitialUpdates() {
        for (Projection p : network.projections()) {
            BsshslmTarget ps = targets[p.index()];
            if (ps == null) {
                continue;
            }
            IntervalArchive[] archives = ps.archives();
            for (int k = 0; k < p.parts(); k++) {
                Projection.Part part = p.part(k);
                for (long i = 0; i < part.nnz; i++) {
                    archives[part.target(i)].addMarker(ps.shift);
                }
            }
        }
    }

    private void attachFeedback(List<Projection> feedback) {
        Map<RecurrentNeurons, List<Projection>> into = new IdentityHashMap<>();
        for (Projection p : feedback) {
            if (!(p.source() instanceof BsshslmReadoutPopulation)) {
                throw new IllegalArgumentException(LEARNING_SIGNAL + " must start at an eprop_readout_bsshslm_2020: " + p);
            }
            if (!(p.target() instanceof BsshslmLifPopulation lif)) {
                throw new IllegalArgumentException(LEARNING_SIGNAL + " must end at an eprop_iaf(_adapt)_bsshslm_2020: " + p);
            }
            into.computeIfAbsent(recurrent.get(lif), x -> new ArrayList<>()).add(p);
        }
        // per target neuron, ascending readout id: NEST's delivery order of learning signals
        into.forEach((rn, list) -> rn.feedback = LearningSignalIndex.build(rn.pop, list));
    }

    private void registerRecordables() {
        for (RecurrentNeurons rn : recurrent.values()) {
            network.addRecordable(rn.pop, "surrogate_gradient", j -> rn.psiNow[j]);
            network.addRecordable(rn.pop, "learning_signal", j -> rn.learningSignalNow[j]);
            network.addRecordable(rn.pop, "eprop_history_duration", rn::historyDuration);
        }
        for (ReadoutNeurons ro : readouts.values()) {
            network.addRecordable(ro.pop, "eprop_history_duration", ro::historyDuration);
        }
    }

    // ------------------------------------------------------------------ checkpoints

    @Override
    public String checkpointShape() {
        StringBuilder b = new StringBuilder(getClass().getName()).append(' ').append(config).append(" interval=")
            .append(interval).append(" tau_m_readout=").append(tauOverrides.values());
        for (BsshslmTarget ps : targets) {
            if (ps != null) {
                b.append("\nprojection parts=").append(ps.parts.length).append(" adam=").append(ps.parts[0].m != null);
            }
        }
        return b.toString();
    }

    /**
     * Complete learning state: the learning rate in force; per recurrent population the spike counts, the current
     * surrogate and learning signal and every neuron's interval archive (entries, erased flags, update markers,
     * firing-rate values) exactly as held; per readout population its archives; per (projection part, source) the
     * spike and update times, flush flags, inter-spike intervals and optimizer clocks; every per-synapse segment.
     */
    @Override
    public void writeState(StateWriter out) {
        out.putDouble(eta.get());
        for (RecurrentNeurons r : recurrentByPop) {
            if (r != null) {
                out.putLongs(r.spikes);
                out.putDoubles(r.psiNow);
                out.putDoubles(r.learningSignalNow);
                writeArchives(out, r.archive);
            }
        }
        for (ReadoutNeurons r : readoutByPop) {
            if (r != null) {
                writeArchives(out, r.archive);
            }
        }
        for (BsshslmTarget ps : targets) {
            if (ps == null) {
                continue;
            }
            for (BsshslmSources st : ps.parts) {
                st.writeState(out);
            }
        }
    }

    private static void writeArchives(StateWriter out, IntervalArchive[] archives) {
        for (IntervalArchive a : archives) {
            if (a != null) {
                a.writeState(out);
            }
        }
    }

    @Override
    public void readState(StateReader in) throws CheckpointException {
        eta.set(LearningRate.checked(in.getDouble()));
        for (RecurrentNeurons r : recurrentByPop) {
            if (r != null) {
                String at = "population " + r.pop.index() + ": ";
                in.readLongs(r.spikes, at + "spike counts");
                in.readDoubles(r.psiNow, at + "surrogate gradients");
                in.readDoubles(r.learningSignalNow, at + "learning signals");
                readArchives(in, r.archive, at);
            }
        }
        for (ReadoutNeurons r : readoutByPop) {
            if (r != null) {
                readArchives(in, r.archive, "population " + r.pop.index() + ": ");
            }
        }
        for (BsshslmTarget ps : targets) {
            if (ps == null) {
                continue;
            }
            for (BsshslmSources st : ps.parts) {
                st.readState(in);
            }
        }
    }

    private static void readArchives(StateReader in, IntervalArchive[] archives, String at) throws CheckpointException {
        for (int j = 0; j < archives.length; j++) {
            if (archives[j] != null) {
                archives[j].readState(in, at + "archive of neuron " + j);
            }
        }
    }

    // ------------------------------------------------------------------ engine hooks

    @Override
    public void beginStep(int worker, long t) {
        for (RecurrentNeurons rn : recurrentList) {
            rn.deliverLearningSignals(rn.pop.chunkStart(worker), rn.pop.chunkEnd(worker), t, scratch[worker]);
        }
    }

    @Override
    public void afterUpdate(int worker, Population pop, int from, int to, long t) {
        RecurrentNeurons rn = recurrentByPop[pop.index()];
        if (rn != null) {
            rn.afterUpdate(from, to, t);
            return;
        }
        ReadoutNeurons ro = readoutByPop[pop.index()];
        if (ro != null) {
            ro.afterUpdate(from, to, t);
        }
    }

    /** NEST's {@code eprop_synapse_bsshslm_2020::send} for every synapse of the row at once (spec §5.7). */
    @Override
    public boolean onPresynapticEvent(int worker, Projection proj, Projection.Part part, int src, long s, boolean flush) {
        BsshslmTarget ps = targets[proj.index()];
        if (s < ps.shift) {
            // arrives before the target's first interval (stamp 1, or 2 into a readout): NEST cannot produce such
            // events through parrots, and its clean-up at the first interval start would erase what they need.
            // Transmitted, not learned from.
            return true;
        }
        BsshslmSources st = ps.parts[worker];
        final boolean prevFlush = st.prevFlush[src];
        if (prevFlush) {
            if (flush) {
                return false; // consecutive flushes are ignored
            }
            st.tLast[src] = s;
            st.tTrigger[src] = s;
        }
        final int shift = ps.shift;
        if (ps.rec != null && (s - shift) % interval == 0) {
            return false; // an event at the first step of a recurrent target's interval is dropped (spec §5.7)
        }
        if (st.tTrigger[src] == 0) {
            st.tTrigger[src] = s;
        }
        final long end = st.tNextUpdate[src] + shift;
        final long tLast = st.tLast[src];
        if (tLast > 0) {
            long d = Math.min(s, end) - Math.min(tLast, end);
            if (d > 0) {
                st.pushIsi(src, d);
            }
        }
        if (s > end) {
            long k = (s - shift) / interval;
            long tCur = k * interval;
            long tPrev = st.tPrevUpdate[src];
            writeUpdates(ps, part, src, tPrev + shift, tCur + shift, flush, prevFlush);
            if (st.isiCount[src] > 0 && tLast > 0) {
                IntervalGradient.accumulate(ps, st, part, src, scratch[worker], config.averageGradient(), window,
                    interval);
                st.isiCount[src] = 0;
            }
            if (!flush) {
                optimize(st, part, src, k, scratch[worker]);
            }
            st.tPrevUpdate[src] = tCur;
            st.tNextUpdate[src] = tCur + interval;
            st.tTrigger[src] = s;
        } else if (!flush && prevFlush) {
            long k = (s - shift) / interval;
            writeUpdates(ps, part, src, st.tPrevUpdate[src] + shift, k * interval + shift, false, true);
            optimize(st, part, src, k, scratch[worker]);
        }
        if (!flush) {
            st.tLast[src] = s;
        }
        st.prevFlush[src] = flush;
        return true;
    }

    private static void writeUpdates(BsshslmTarget ps, Projection.Part part, int src, long prevShifted, long curShifted,
                                     boolean flush, boolean prevFlush) {
        IntervalArchive[] archives = ps.archives();
        for (long i = part.rowStart(src), e = part.rowEnd(src); i < e; i++) {
            archives[part.target(i)].writeUpdate(prevShifted, curShifted, flush, prevFlush);
        }
    }

    /** Every synapse of the row: the optimizer with interval index k, then G = 0 (spec §5.7, §3.5). */
    private void optimize(BsshslmSources st, Projection.Part part, int src, long k, Scratch sc) {
        long a = part.rowStart(src);
        long b = part.rowEnd(src);
        if (a == b) {
            return;
        }
        final boolean adam = spec.type() == OptimizerSpec.Type.ADAM;
        final double[] o = sc.opt;
        final double etaNow = eta.get();
        st.clocks.load(src, sc.clock0);
        for (long i = a; i < b; i++) {
            sc.clock.copyFrom(sc.clock0);
            o[0] = st.acc.getAtIndex(SynapseLayout.STATE, i);
            if (adam) {
                o[1] = st.m.getAtIndex(SynapseLayout.STATE, i);
                o[2] = st.v.getAtIndex(SynapseLayout.STATE, i);
            }
            double w = WeightOptimizer.optimize(spec, etaNow, sc.clock, k, st.grad.getAtIndex(SynapseLayout.STATE, i),
                part.weight(i), o);
            part.setWeight(i, w);
            st.grad.setAtIndex(SynapseLayout.STATE, i, 0.0);
            st.acc.setAtIndex(SynapseLayout.STATE, i, o[0]);
            if (adam) {
                st.m.setAtIndex(SynapseLayout.STATE, i, o[1]);
                st.v.setAtIndex(SynapseLayout.STATE, i, o[2]);
            }
        }
        st.clocks.store(src, sc.clock);
    }

    // ------------------------------------------------------------------ inspection (tests, tools)

    /** Adam's first moment of synapse {@code syn} in part {@code k} of {@code proj} (0 for gradient descent). */
    public double adamM(Projection proj, int k, long syn) {
        BsshslmSources st = targets[proj.index()].parts[k];
        return st.m == null ? 0.0 : st.m.getAtIndex(SynapseLayout.STATE, syn);
    }

    public double adamV(Projection proj, int k, long syn) {
        BsshslmSources st = targets[proj.index()].parts[k];
        return st.v == null ? 0.0 : st.v.getAtIndex(SynapseLayout.STATE, syn);
    }

    /** Retained archive entries of neuron {@code j} of {@code pop} (0 without incoming plastic synapses). */
    public int historyLength(Population pop, int j) {
        RecurrentNeurons rn = recurrent.get(pop);
        if (rn != null) {
            return rn.archive[j] == null ? 0 : rn.archive[j].retained();
        }
        ReadoutNeurons ro = readouts.get(pop);
        return ro == null || ro.archive[j] == null ? 0 : ro.archive[j].retained();
    }

    /** Firing-rate entries neuron {@code j} of a recurrent population still holds (bounded, see IntervalArchive). */
    public int rateEntries(Population pop, int j) {
        RecurrentNeurons rn = recurrent.get(pop);
        return rn == null || rn.archive[j] == null ? 0 : rn.archive[j].rateEntries();
    }

    /** Off-heap bytes of per-synapse learning state (excluding the engine's target index and weight). */
    public long synapseStateBytes() {
        long b = 0;
        for (BsshslmTarget ps : targets) {
            if (ps == null) {
                continue;
            }
            for (BsshslmSources st : ps.parts) {
                b += st.synapseBytes();
            }
        }
        return b;
    }
}
