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
import io.spikestream.network.TimeGrid;
import io.spikestream.plasticity.optim.OptimizerClock;
import io.spikestream.plasticity.optim.OptimizerSpec;
import io.spikestream.plasticity.optim.WeightOptimizer;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.Checkpointable;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.lang.foreign.MemorySegment;
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
 * {@code target + w + ebar + ebar_reg + G (+ m, v for Adam)} = 36 / 52 bytes.
 *
 * <p>Supported: eprop_iaf / eprop_iaf_psc_delta targets (non-adaptive) and readouts, gradient descent and
 * Adam with {@code optimize_each_step = false} (Adam with or without NEST's catch-up iterations; the catch-up
 * costs O(interval) per update). Adaptive targets and per-step optimization are refused with a message:
 * use {@link EpropRule} for those.
 */
public final class FastEpropRule implements PlasticityRule, io.spikestream.plasticity.LearningRateControl, Checkpointable {

    /** Memory a target population's prefix-sum ring may use beyond the minimum the cutoff requires. */
    static final long HISTORY_BUDGET_BYTES = 64L << 20;
    static final long HISTORY_BYTES_PER_SYNAPSE = 8;
    static final int MAX_RING_STEPS = 1024;

    private final String synapseName;
    private final String feedbackName;
    private final OptimizerSpec spec;
    private final int closeIntervalLimit;
    private volatile double eta;

    private Network network;
    private ProjState[] projStates;
    private final Map<Population, Rec> recurrent = new IdentityHashMap<>();
    private final Map<Population, Out> readouts = new IdentityHashMap<>();
    private Rec[] recByPop;
    private Out[] outByPop;
    private final List<PartState>[] partsByWorker;
    private Scratch[] scratch;

    @SuppressWarnings("unchecked")
    private FastEpropRule(String synapseName, String feedbackName, OptimizerSpec spec, int closeIntervalLimit) {
        if (spec.optimizeEachStep()) {
            throw new IllegalArgumentException("fast e-prop applies the optimizer once per update: set optimize_each_step "
                + "= false (gradient descent gives the same weights either way), or use the NEST-exact rule");
        }
        this.synapseName = synapseName;
        this.feedbackName = feedbackName;
        this.spec = spec;
        this.eta = spec.eta();
        this.closeIntervalLimit = closeIntervalLimit;
        this.partsByWorker = new List[64];
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
        net.registerSynapseModel(new SynapseModel(synapseName, rule, true));
        net.registerSynapseModel(new SynapseModel(feedbackName, rule, false));
        return rule;
    }

    public void setEta(double newEta) {
        if (!(newEta >= 0) || Double.isInfinite(newEta)) {
            throw new IllegalArgumentException("eta >= 0 required, got " + newEta);
        }
        eta = newEta;
    }

    public double eta() {
        return eta;
    }

    public OptimizerSpec optimizer() {
        return spec;
    }

    // ------------------------------------------------------------------ state

    /** Recurrent target population. */
    private static final class Rec {
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
        PrefixHistory hist;
        int[] fbPtr;
        ReadoutPopulation[] fbPop;
        int[] fbLocal;
        double[] fbWeight;

        Rec(LifPopulation pop, TimeGrid grid) {
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
        }
    }

    private static final class Out {
        final ReadoutPopulation pop;
        final long cutoff;
        PrefixHistory hist;

        Out(ReadoutPopulation pop, TimeGrid grid) {
            this.pop = pop;
            this.cutoff = grid.steps(pop.params().d("eprop_isi_trace_cutoff"));
        }
    }

    private static final class PartState {
        Projection proj;
        Projection.Part part;
        Rec rec;
        Out out;
        long cutoff;
        int closeInterval;
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
        long[] nextClose;
        // close wheel: sources due at stamp s are in wheel[s & wheelMask]
        int[][] wheel;
        int[] wheelCount;
        int wheelMask;
        // per synapse
        MemorySegment ebar;
        MemorySegment ebarReg;
        MemorySegment grad;
        MemorySegment acc;
        MemorySegment m;
        MemorySegment v;
    }

    private static final class ProjState {
        PartState[] parts;
    }

    private static final class Scratch {
        final double[] win = new double[6];
        final RowWindow row = new RowWindow();
        double[] gathered = new double[1024 * PrefixHistory.FIELDS];
        /** Zero prefixes, the layout of {@link #gathered}: the sums before a window that starts a block. */
        double[] zeros = new double[gathered.length];
        final OptimizerClock clock0 = new OptimizerClock();
        final OptimizerClock clock = new OptimizerClock();
        final double[] opt = new double[3];
    }

    // ------------------------------------------------------------------ attach

    @Override
    public void attach(Network net) {
        network = net;
        projStates = new ProjState[net.projections().size()];
        for (int k = 0; k < net.workers(); k++) {
            partsByWorker[k] = new ArrayList<>();
        }
        List<Projection> feedback = new ArrayList<>();
        List<Projection> plastic = new ArrayList<>();
        for (Projection p : net.projections()) {
            if (p.model().name().equals(feedbackName)) {
                feedback.add(p);
            } else if (p.model().name().equals(synapseName)) {
                plastic.add(p);
                if (p.target() instanceof LifPopulation lif) {
                    recurrent.computeIfAbsent(lif, x -> new Rec(lif, net.grid()));
                } else if (p.target() instanceof ReadoutPopulation ro) {
                    readouts.computeIfAbsent(ro, x -> new Out(ro, net.grid()));
                } else {
                    throw new IllegalArgumentException(synapseName + " must target an e-prop neuron or readout: " + p);
                }
            }
        }
        // one ring length per target population: at least the longest window between two closes; longer where that
        // costs little (at most HISTORY_BYTES_PER_SYNAPSE per incoming synapse, and HISTORY_BUDGET_BYTES in all),
        // because a longer ring lets more windows end at a real spike instead of an internal close
        Map<Population, Long> incoming = new IdentityHashMap<>();
        for (Projection p : plastic) {
            incoming.merge(p.target(), p.size(), Long::sum);
        }
        for (Projection p : plastic) {
            int interval = closeInterval(p);
            int fields = p.target() instanceof LifPopulation ? PrefixHistory.FIELDS : PrefixHistory.OUT_FIELDS;
            long budget = Math.min(HISTORY_BUDGET_BYTES, HISTORY_BYTES_PER_SYNAPSE * incoming.get(p.target()));
            long affordable = budget / ((long) p.target().size() * fields * Double.BYTES);
            int ring = (int) Math.max(interval + 4, Math.min(MAX_RING_STEPS, Long.highestOneBit(Math.max(1, affordable))));
            if (p.target() instanceof LifPopulation lif) {
                Rec r = recurrent.get(lif);
                if (r.hist == null || r.hist.ringSteps < ring) {
                    r.hist = PrefixHistory.recurrent(lif, net.grid(), ring, net.arena());
                }
            } else {
                Out o = readouts.get((ReadoutPopulation) p.target());
                if (o.hist == null || o.hist.ringSteps < ring) {
                    o.hist = PrefixHistory.readout(o.pop, net.grid(), ring, net.arena());
                }
            }
        }
        for (Projection p : plastic) {
            attachPlastic(p);
        }
        // close as late as the ring allows: a source that spikes before then needs no internal flush at all
        for (ProjState ps : projStates) {
            if (ps == null) {
                continue;
            }
            for (PartState st : ps.parts) {
                PrefixHistory h = st.rec != null ? st.rec.hist : st.out.hist;
                st.closeInterval = h.ringSteps - 4;
                int w = Integer.highestOneBit(Math.max(2, st.closeInterval + 1)) << 1;
                st.wheel = new int[w][];
                st.wheelCount = new int[w];
                st.wheelMask = w - 1;
            }
        }
        attachFeedback(feedback);
        recByPop = new Rec[net.populations().size()];
        outByPop = new Out[net.populations().size()];
        recurrent.forEach((p, r) -> recByPop[p.index()] = r);
        readouts.forEach((p, o) -> outByPop[p.index()] = o);
        scratch = new Scratch[net.workers()];
        for (int k = 0; k < scratch.length; k++) {
            scratch[k] = new Scratch();
        }
        for (Rec r : recurrent.values()) {
            net.addRecordable(r.pop, "surrogate_gradient", j -> r.psiNow[j]);
        }
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
        ProjState ps = new ProjState();
        ps.parts = new PartState[p.parts()];
        int nSrc = p.source().size();
        boolean adam = spec.type() == OptimizerSpec.Type.ADAM;
        for (int k = 0; k < p.parts(); k++) {
            Projection.Part part = p.part(k);
            PartState st = new PartState();
            st.proj = p;
            st.part = part;
            if (p.target() instanceof LifPopulation lif) {
                st.rec = recurrent.get(lif);
                st.cutoff = st.rec.cutoff;
            } else {
                st.out = readouts.get((ReadoutPopulation) p.target());
                st.cutoff = st.out.cutoff;
            }
            st.closeInterval = closeInterval(p);
            st.prev = new long[nSrc];
            st.prevFlush = new boolean[nSrc];
            st.zbar = new double[nSrc];
            st.zbuf = new double[nSrc];
            st.rem = new long[nSrc];
            st.dec = new long[nSrc];
            st.clockK = new long[nSrc];
            Arrays.fill(st.clockK, 1L);
            st.clockB1 = new double[nSrc];
            Arrays.fill(st.clockB1, 1.0);
            st.clockB2 = new double[nSrc];
            Arrays.fill(st.clockB2, 1.0);
            st.clockN = new long[nSrc];
            st.clockEta = new double[nSrc];
            Arrays.fill(st.clockEta, spec.eta());
            st.nextClose = new long[nSrc];
            int w = Integer.highestOneBit(Math.max(2, st.closeInterval + 1)) << 1;
            st.wheel = new int[w][];
            st.wheelCount = new int[w];
            st.wheelMask = w - 1;
            long n = Math.max(1, part.nnz);
            st.ebar = network.arena().allocate(SynapseLayout.STATE, n);
            st.ebarReg = network.arena().allocate(SynapseLayout.STATE, n);
            st.grad = network.arena().allocate(SynapseLayout.STATE, n);
            if (spec.batchSize() > 1) {
                st.acc = network.arena().allocate(SynapseLayout.STATE, n);
            }
            if (adam) {
                st.m = network.arena().allocate(SynapseLayout.STATE, n);
                st.v = network.arena().allocate(SynapseLayout.STATE, n);
            }
            for (long i = 0; i < part.nnz; i++) {
                double w0 = part.weight(i);
                if (w0 < spec.wMin() || w0 > spec.wMax()) {
                    throw new IllegalArgumentException(synapseName + ": initial weight " + w0 + " outside [Wmin, Wmax] = ["
                        + spec.wMin() + ", " + spec.wMax() + "] in " + p);
                }
            }
            ps.parts[k] = st;
            if (part.nnz > 0) {
                partsByWorker[k].add(st);
            }
        }
        projStates[p.index()] = ps;
    }

    private void attachFeedback(List<Projection> feedback) {
        Map<Rec, List<long[]>> rows = new IdentityHashMap<>();
        for (Projection p : feedback) {
            if (!(p.source() instanceof ReadoutPopulation) || !(p.target() instanceof LifPopulation lif)) {
                throw new IllegalArgumentException(feedbackName + " must go from a readout to a recurrent e-prop neuron: " + p);
            }
            Rec r = recurrent.get(lif);
            if (r == null) {
                continue;
            }
            List<long[]> list = rows.computeIfAbsent(r, x -> new ArrayList<>());
            p.forEachSynapse((part, syn, s, t, w) -> list.add(new long[] {t, p.source().globalOffset() + s,
                p.source().index(), s, Double.doubleToRawLongBits(w)}));
        }
        rows.forEach((r, list) -> {
            list.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
            int n = r.pop.size();
            r.fbPtr = new int[n + 1];
            r.fbPop = new ReadoutPopulation[list.size()];
            r.fbLocal = new int[list.size()];
            r.fbWeight = new double[list.size()];
            for (int i = 0; i < list.size(); i++) {
                long[] e = list.get(i);
                r.fbPtr[(int) e[0] + 1]++;
                r.fbPop[i] = (ReadoutPopulation) network.populations().get((int) e[2]);
                r.fbLocal[i] = (int) e[3];
                r.fbWeight[i] = Double.longBitsToDouble(e[4]);
            }
            for (int j = 0; j < n; j++) {
                r.fbPtr[j + 1] += r.fbPtr[j];
            }
        });
    }

    // ------------------------------------------------------------------ hooks

    @Override
    public void beginStep(int worker, long t) {
        // learning signals of index t-2 are complete now: extend the L prefix sums
        if (t >= 2) {
            for (Rec r : recurrent.values()) {
                int from = r.pop.chunkStart(worker);
                int to = r.pop.chunkEnd(worker);
                long tau = t - 2;
                for (int j = from; j < to; j++) {
                    double ls = 0.0;
                    if (r.fbPtr != null) {
                        for (int i = r.fbPtr[j]; i < r.fbPtr[j + 1]; i++) {
                            ls += r.fbWeight[i] * r.fbPop[i].error(t - 1, r.fbLocal[i]);
                        }
                    }
                    r.hist.writeLearningSignal(tau, j, ls);
                }
            }
        }
        // internal flushes of windows that reached their cutoff / close interval
        Scratch sc = scratch[worker];
        for (PartState st : partsByWorker[worker]) {
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
                    process(st, src, t, true, sc);
                }
            }
        }
    }

    @Override
    public void afterUpdate(int worker, Population pop, int from, int to, long t) {
        Rec r = recByPop[pop.index()];
        if (r != null) {
            final double[] v = r.pop.vPsi();
            final int[] rr = r.pop.rPsi();
            final double[] th = r.pop.thetaPsi();
            final double[] z = r.pop.z();
            final double kr = r.kappaReg;
            final double h = r.h;
            for (int j = from; j < to; j++) {
                double psi = r.surrogate.psi(rr[j], v[j], th[j], r.height, r.width);
                r.psiNow[j] = psi;
                double f = kr * r.fAv[j] + (1.0 - kr) * z[j] / h;
                r.fAv[j] = f;
                r.hist.writePsi(t, j, psi, r.cReg * (f - r.fTargetPerStep));
            }
            return;
        }
        Out o = outByPop[pop.index()];
        if (o != null) {
            for (int j = from; j < to; j++) {
                o.hist.writeError(t, j, o.pop.error(t, j));
            }
        }
    }

    @Override
    public boolean onPresynapticEvent(int worker, Projection proj, Projection.Part part, int src, long s, boolean flush) {
        process(projStates[proj.index()].parts[worker], src, s, flush, scratch[worker]);
        return true;
    }

    // ------------------------------------------------------------------ the O(1) update

    private void process(PartState st, int src, long s, boolean flush, Scratch sc) {
        long p = st.prev[src];
        if (p != 0) {
            if (st.rec != null) {
                gradientRecurrent(st, src, p, s, flush, sc);
            } else {
                gradientReadout(st, src, p, s, flush, sc);
            }
        }
        st.prev[src] = s;
        st.prevFlush[src] = flush;
        // schedule the next internal flush while the new window still has steps to integrate
        long remNext = flush ? st.rem[src] : st.cutoff;
        if (remNext > 0) {
            long due = s + st.closeInterval;
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
     * Shared presynaptic bookkeeping of a window (spec §3.3): returns m, and leaves A (zbar at t0) and
     * Y (zbar at t0+1) in sc.win[0..1] via the returned values array.
     */
    private void gradientRecurrent(PartState st, int src, long p, long s, boolean flush, Scratch sc) {
        final Rec r = st.rec;
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
        final double kappa = hist.kappa;
        final double kappaReg = hist.kappaReg;
        final double decK = decay ? Math.pow(kappa, dec) : 1.0;
        final double decKr = decay ? Math.pow(kappaReg, dec) : 1.0;
        final double kM1 = m >= 1 ? hist.powK[hist.off(m - 1)] : 1.0;
        final double kM2 = m >= 2 ? hist.powK[hist.off(m - 2)] : 1.0;
        final double krM1 = m >= 1 ? hist.powKr[hist.off(m - 1)] : 1.0;
        final double krM2 = m >= 2 ? hist.powKr[hist.off(m - 2)] : 1.0;
        final double etaNow = eta;
        final long i0 = part.rowStart(src);
        final long i1 = part.rowEnd(src);
        final RowWindow rw = sc.row;
        rw.a = a;
        rw.y = y;
        rw.decK = decK;
        rw.decKr = decKr;
        rw.kM1 = kM1;
        rw.kM2 = kM2;
        rw.krM1 = krM1;
        rw.krM2 = krM2;
        if (m >= 1) {
            int need = (int) (i1 - i0) * PrefixHistory.FIELDS;
            if (sc.gathered.length < need) {
                sc.gathered = new double[Math.max(need, sc.gathered.length * 2)];
                sc.zeros = new double[sc.gathered.length];
            }
            hist.gather(t0, part.targets, i0, i1, sc.gathered);
        }
        // One loop per window shape, each without shape branches inside: the window [u0, t1] is the same for every
        // synapse of the row. Kept as separate methods (too large to inline) so that the JIT compiles each on its
        // own as it becomes hot, instead of recompiling one large method, unswitched into every combination of
        // shapes, each time a shape first occurs (seconds of C2 time in the first simulated second).
        if (m == 0) {
            rowDecayOnly(st, i0, i1, prevFlush, rw);
        } else if (m == 1) {
            rowOneStep(st, r.hist, i0, i1, prevFlush, sc.gathered, rw);
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
                rw.slotT1 = (int) ((t1 & hist.ringMask) * hist.n);
                // a window from the block's first step has zero prefixes before it: read them from zeros
                rowSingleBlock(st, hist, i0, i1, prevFlush, sc.gathered, u0 == b ? sc.zeros : sc.gathered, rw);
            } else {
                rowManyBlocks(st, hist, i0, i1, prevFlush, sc.gathered, sc.win, u0, t1, rw);
            }
        }
        if (!flush && i1 > i0) {
            optimizeRow(st, part, src, i0, i1, t0 + n, sc, etaNow);
        }
        if (decay) {
            zbarEnd *= Math.pow(pV, dec);
            dec = 0;
        }
        st.zbar[src] = zbarEnd;
        st.dec[src] = dec;
    }

    /** The per-row constants of one window, shared by the row loops below (reused, one per worker). */
    private static final class RowWindow {
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
        int slotT1;
    }

    /** A window of no steps (the source's cutoff was used up by earlier flushes): only the decay of the traces. */
    private static void rowDecayOnly(PartState st, long i0, long i1, boolean prevFlush, RowWindow rw) {
        final MemorySegment eb = st.ebar;
        final MemorySegment ebr = st.ebarReg;
        final MemorySegment gs = st.grad;
        final double decK = rw.decK;
        final double decKr = rw.decKr;
        for (long i = i0; i < i1; i++) {
            double g = prevFlush ? gs.getAtIndex(SynapseLayout.STATE, i) : 0.0;
            // decK = 1 when nothing decays: multiplying by 1 is exact
            eb.setAtIndex(SynapseLayout.STATE, i, eb.getAtIndex(SynapseLayout.STATE, i) * decK);
            ebr.setAtIndex(SynapseLayout.STATE, i, ebr.getAtIndex(SynapseLayout.STATE, i) * decKr);
            gs.setAtIndex(SynapseLayout.STATE, i, g);
        }
    }

    /** A window of one step: the step t0 alone, from the gathered entries. */
    private void rowOneStep(PartState st, PrefixHistory hist, long i0, long i1, boolean prevFlush, double[] pre,
                            RowWindow rw) {
        final MemorySegment eb = st.ebar;
        final MemorySegment ebr = st.ebarReg;
        final MemorySegment gs = st.grad;
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
            double e0 = pre[k + PrefixHistory.PSI] * a;
            e = kappa * e + e0;
            er = kappaReg * er + oneMinusKr * e0;
            g += pre[k + PrefixHistory.LS] * e + pre[k + PrefixHistory.FR] * er;
            eb.setAtIndex(SynapseLayout.STATE, i, e * decK);
            ebr.setAtIndex(SynapseLayout.STATE, i, er * decKr);
            gs.setAtIndex(SynapseLayout.STATE, i, g);
        }
    }

    /**
     * A window of two or more steps inside one block: each synapse's sums are the differences of its target's
     * prefixes at t1 (read from the ring) and before the window ({@code base}: the entries at t0, gathered, or
     * zeros when the window starts the block).
     */
    private void rowSingleBlock(PartState st, PrefixHistory hist, long i0, long i1, boolean prevFlush, double[] pre,
                                double[] base, RowWindow rw) {
        final MemorySegment eb = st.ebar;
        final MemorySegment ebr = st.ebarReg;
        final MemorySegment gs = st.grad;
        final Projection.Part part = st.part;
        final double[] ring = hist.ring;
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
        final int slotT1 = rw.slotT1;
        final int fields = PrefixHistory.FIELDS;
        for (long i = i0; i < i1; i++) {
            int j = part.target(i);
            double e = eb.getAtIndex(SynapseLayout.STATE, i);
            double er = ebr.getAtIndex(SynapseLayout.STATE, i);
            double g = prevFlush ? gs.getAtIndex(SynapseLayout.STATE, i) : 0.0;
            int k = (int) (i - i0) * fields;
            double e0 = pre[k + PrefixHistory.PSI] * a;
            e = kappa * e + e0;
            er = kappaReg * er + oneMinusKr * e0;
            g += pre[k + PrefixHistory.LS] * e + pre[k + PrefixHistory.FR] * er;
            double s0 = base[k + PrefixHistory.S];
            double d0 = base[k + PrefixHistory.D];
            double c0 = base[k + PrefixHistory.C];
            double sr0 = base[k + PrefixHistory.SR];
            double dr0 = base[k + PrefixHistory.DR];
            double cr0 = base[k + PrefixHistory.CR];
            int e1 = (slotT1 + j) * fields;
            double dD = ring[e1 + PrefixHistory.D] - d0;
            double dDr = ring[e1 + PrefixHistory.DR] - dr0;
            double q = kx * dD;
            double rr = kx * (rx * (ring[e1 + PrefixHistory.C] - c0 - s0 * dD));
            double w = rx * (ring[e1 + PrefixHistory.S] - s0);
            double qr = krx * dDr;
            double rrr = krx * (rrx * (ring[e1 + PrefixHistory.CR] - cr0 - sr0 * dDr));
            double wr = rrx * (ring[e1 + PrefixHistory.SR] - sr0);
            g += e * kappa * q + y * rr + er * kappaReg * qr + oneMinusKr * y * rrr;
            e = kM1 * e + y * kM2 * w;
            er = krM1 * er + oneMinusKr * y * krM2 * wr;
            eb.setAtIndex(SynapseLayout.STATE, i, e * decK);
            ebr.setAtIndex(SynapseLayout.STATE, i, er * decKr);
            gs.setAtIndex(SynapseLayout.STATE, i, g);
        }
    }

    /** A window that crosses block boundaries (rare: long silences): {@link PrefixHistory#window} per synapse. */
    private void rowManyBlocks(PartState st, PrefixHistory hist, long i0, long i1, boolean prevFlush, double[] pre,
                               double[] win, long u0, long t1, RowWindow rw) {
        final MemorySegment eb = st.ebar;
        final MemorySegment ebr = st.ebarReg;
        final MemorySegment gs = st.grad;
        final Projection.Part part = st.part;
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
            double e0 = pre[k + PrefixHistory.PSI] * a;
            e = kappa * e + e0;
            er = kappaReg * er + oneMinusKr * e0;
            g += pre[k + PrefixHistory.LS] * e + pre[k + PrefixHistory.FR] * er;
            hist.window(j, u0, t1, pre, k, win);
            g += e * kappa * win[0] + y * win[1] + er * kappaReg * win[3] + oneMinusKr * y * win[4];
            e = kM1 * e + y * kM2 * win[2];
            er = krM1 * er + oneMinusKr * y * krM2 * win[5];
            eb.setAtIndex(SynapseLayout.STATE, i, e * decK);
            ebr.setAtIndex(SynapseLayout.STATE, i, er * decKr);
            gs.setAtIndex(SynapseLayout.STATE, i, g);
        }
    }

    private void gradientReadout(PartState st, int src, long p, long s, boolean flush, Scratch sc) {
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
        final double etaNow = eta;
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
            optimizeRow(st, part, src, i0, i1, t0 + n, sc, etaNow);
        }
        if (decay) {
            zbarEnd *= Math.pow(pV, dec);
            dec = 0;
        }
        st.zbar[src] = zbarEnd;
        st.dec[src] = dec;
    }

    /**
     * Applies the accumulated gradients G of a row at optimization index idx. All synapses of a row share the
     * optimizer clock, so the per-row parts of the arithmetic (Adam's bias correction) are done once; the
     * per-synapse operations are those of {@link WeightOptimizer}, in the same order (so the results are the
     * same bit for bit). Only NEST's Adam catch-up over more than one step takes the general per-synapse path.
     */
    private void optimizeRow(PartState st, Projection.Part part, int src, long i0, long i1, long idx, Scratch sc,
                             double etaNow) {
        loadClock(st, src, sc.clock0);
        final OptimizerClock c = sc.clock0;
        final int batch = spec.batchSize();
        final long kNew = 1 + idx / batch;
        final boolean update = c.k < kNew;
        final boolean adam = spec.type() == OptimizerSpec.Type.ADAM;
        if (adam && spec.adamCatchUp() && update && kNew - c.k > 1) {
            // NEST's catch-up iterations: per synapse, through the general path
            for (long i = i0; i < i1; i++) {
                applyOptimizer(st, part, i, idx, st.grad.getAtIndex(SynapseLayout.STATE, i), true, sc.opt, sc, etaNow);
            }
            storeClock(st, src, sc.clock);
            return;
        }
        final MemorySegment gs = st.grad;
        final MemorySegment accs = st.acc;
        if (!update) {
            // inside a batch: only accumulate (batch_size > 1; with batch_size 1 every update index is new)
            if (accs == null) {
                return;
            }
            for (long i = i0; i < i1; i++) {
                accs.setAtIndex(SynapseLayout.STATE, i, accs.getAtIndex(SynapseLayout.STATE, i) + gs.getAtIndex(SynapseLayout.STATE, i));
            }
            return;
        }
        final double lo = spec.wMin();
        final double hi = spec.wMax();
        final double b = batch;
        if (!adam) {
            final double etaCur = c.etaCurrent;
            for (long i = i0; i < i1; i++) {
                double g = gs.getAtIndex(SynapseLayout.STATE, i);
                if (accs != null) {
                    g = (accs.getAtIndex(SynapseLayout.STATE, i) + g) / b;
                    accs.setAtIndex(SynapseLayout.STATE, i, 0.0);
                }
                double w = part.weight(i) - etaCur * g;
                part.setWeight(i, WeightOptimizer.clamp(w, lo, hi));
            }
        } else {
            final double b1 = spec.beta1();
            final double b2 = spec.beta2();
            final double eps = spec.epsilon();
            final double p1 = c.b1pow * b1;
            final double p2 = c.b2pow * b2;
            final double alpha = c.etaCurrent * Math.sqrt(1.0 - p2) / (1.0 - p1);
            final double oneMinusB1 = 1.0 - b1;
            final double oneMinusB2 = 1.0 - b2;
            final MemorySegment ms = st.m;
            final MemorySegment vs = st.v;
            for (long i = i0; i < i1; i++) {
                double g = gs.getAtIndex(SynapseLayout.STATE, i);
                if (accs != null) {
                    g = (accs.getAtIndex(SynapseLayout.STATE, i) + g) / b;
                    accs.setAtIndex(SynapseLayout.STATE, i, 0.0);
                }
                double m = b1 * ms.getAtIndex(SynapseLayout.STATE, i) + oneMinusB1 * g;
                double v = b2 * vs.getAtIndex(SynapseLayout.STATE, i) + oneMinusB2 * g * g;
                ms.setAtIndex(SynapseLayout.STATE, i, m);
                vs.setAtIndex(SynapseLayout.STATE, i, v);
                double w = part.weight(i) - alpha * m / (Math.sqrt(v) + eps);
                part.setWeight(i, WeightOptimizer.clamp(w, lo, hi));
            }
            c.b1pow = p1;
            c.b2pow = p2;
        }
        c.etaCurrent = etaNow;
        c.nOptimize++;
        c.k = kNew;
        storeClock(st, src, c);
    }

    private void applyOptimizer(PartState st, Projection.Part part, long i, long idx, double g, boolean adam,
                                double[] o, Scratch sc, double etaNow) {
        sc.clock.copyFrom(sc.clock0);
        o[0] = st.acc == null ? 0.0 : st.acc.getAtIndex(SynapseLayout.STATE, i);
        if (adam) {
            o[1] = st.m.getAtIndex(SynapseLayout.STATE, i);
            o[2] = st.v.getAtIndex(SynapseLayout.STATE, i);
        }
        double w = WeightOptimizer.optimize(spec, etaNow, sc.clock, idx, g, part.weight(i), o);
        part.setWeight(i, w);
        if (st.acc != null) {
            st.acc.setAtIndex(SynapseLayout.STATE, i, o[0]);
        }
        if (adam) {
            st.m.setAtIndex(SynapseLayout.STATE, i, o[1]);
            st.v.setAtIndex(SynapseLayout.STATE, i, o[2]);
        }
    }

    private static void loadClock(PartState st, int src, OptimizerClock c) {
        c.set(st.clockK[src], st.clockB1[src], st.clockB2[src], st.clockN[src], st.clockEta[src]);
    }

    private static void storeClock(PartState st, int src, OptimizerClock c) {
        st.clockK[src] = c.k;
        st.clockB1[src] = c.b1pow;
        st.clockB2[src] = c.b2pow;
        st.clockN[src] = c.nOptimize;
        st.clockEta[src] = c.etaCurrent;
    }

    // ------------------------------------------------------------------ checkpoints

    @Override
    public String checkpointShape() {
        StringBuilder b = new StringBuilder("FastEpropRule synapse=" + synapseName + " feedback=" + feedbackName
            + " close_interval_limit=" + closeIntervalLimit + " optimizer=" + spec);
        for (Rec r : recByPop) {
            if (r != null) {
                b.append("\nhistory ").append(r.pop.index()).append(" ring=").append(r.hist.ringSteps).append(" block=").append(r.hist.block);
            }
        }
        for (Out o : outByPop) {
            if (o != null) {
                b.append("\nhistory ").append(o.pop.index()).append(" ring=").append(o.hist.ringSteps).append(" block=").append(o.hist.block);
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
        out.putDouble(eta);
        for (Rec r : recByPop) {
            if (r != null) {
                out.putDoubles(r.fAv);
                out.putDoubles(r.psiNow);
                out.putDoubles(r.hist.ring);
            }
        }
        for (Out o : outByPop) {
            if (o != null) {
                out.putDoubles(o.hist.ring);
            }
        }
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
                out.putLongs(st.nextClose);
                out.putInts(st.wheelCount);
                for (int slot = 0; slot < st.wheelCount.length; slot++) {
                    if (st.wheelCount[slot] > 0) {
                        out.putInts(st.wheel[slot], 0, st.wheelCount[slot]);
                    }
                }
                out.putSegment(st.ebar);
                out.putSegment(st.ebarReg);
                out.putSegment(st.grad);
                out.putSegment(st.acc);
                out.putSegment(st.m);
                out.putSegment(st.v);
            }
        }
    }

    @Override
    public void readState(StateReader in) throws CheckpointException {
        double e = in.getDouble();
        for (Rec r : recByPop) {
            if (r != null) {
                in.readDoubles(r.fAv, "f_av");
                in.readDoubles(r.psiNow, "psi");
                in.readDoubles(r.hist.ring, "history ring");
            }
        }
        for (Out o : outByPop) {
            if (o != null) {
                in.readDoubles(o.hist.ring, "readout history ring");
            }
        }
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
                in.readLongs(st.nextClose, "next internal closes");
                in.readInts(st.wheelCount, "close wheel counts");
                for (int slot = 0; slot < st.wheelCount.length; slot++) {
                    int c = st.wheelCount[slot];
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
                            if (src < 0 || src >= st.prev.length) {
                                throw new CheckpointException(CheckpointException.Kind.CORRUPT, "close wheel names source "
                                    + src + " of " + st.prev.length);
                            }
                        }
                        st.wheel[slot] = list;
                    } else if (st.wheel[slot] != null) {
                        st.wheel[slot] = null;
                    }
                }
                in.readSegment(st.ebar, "ebar");
                in.readSegment(st.ebarReg, "ebar_reg");
                in.readSegment(st.grad, "gradient");
                in.readSegment(st.acc, "optimizer accumulator");
                in.readSegment(st.m, "Adam m");
                in.readSegment(st.v, "Adam v");
            }
        }
        eta = e;
    }

    // ------------------------------------------------------------------ inspection

    public double adamM(Projection proj, int k, long syn) {
        PartState st = projStates[proj.index()].parts[k];
        return st.m == null ? 0.0 : st.m.getAtIndex(SynapseLayout.STATE, syn);
    }

    public double adamV(Projection proj, int k, long syn) {
        PartState st = projStates[proj.index()].parts[k];
        return st.v == null ? 0.0 : st.v.getAtIndex(SynapseLayout.STATE, syn);
    }

    /** Off-heap bytes of per-synapse state (excluding the engine's target index and weight). */
    public long synapseStateBytes() {
        long b = 0;
        for (ProjState ps : projStates) {
            if (ps == null) {
                continue;
            }
            for (PartState st : ps.parts) {
                for (MemorySegment seg : new MemorySegment[] {st.ebar, st.ebarReg, st.grad, st.acc, st.m, st.v}) {
                    b += seg == null ? 0 : seg.byteSize();
                }
            }
        }
        return b;
    }

    /** Off-heap bytes of the neurons' prefix-sum histories. */
    public long historyBytes() {
        long b = 0;
        for (Rec r : recurrent.values()) {
            b += (long) r.hist.ring.length * Double.BYTES;
        }
        for (Out o : readouts.values()) {
            b += (long) o.hist.ring.length * Double.BYTES;
        }
        return b;
    }
}
