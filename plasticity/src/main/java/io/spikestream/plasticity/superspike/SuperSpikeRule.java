package io.spikestream.plasticity.superspike;

import io.spikestream.network.CLibMath;
import io.spikestream.network.CurrentLifPopulation;
import io.spikestream.network.InputDrive;
import io.spikestream.network.Network;
import io.spikestream.network.PlasticityRule;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.SynapseLayout;
import io.spikestream.network.SynapseModel;
import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.Checkpointable;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;
import io.spikestream.plasticity.LearningRateControl;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * SuperSpike (Zenke & Ganguli 2018): an online three-factor rule for networks of current-based LIF neurons
 * ({@code iaf_psc_exp_euler}), in the canonical discrete order of spec §A.4. Per step n:
 *
 * <pre>
 *   presynaptic trace   z_j ← e^(−h/τ_r) z_j + a_j(n) ;  z̃_j ← z̃_j + (h/τ_d)(z_j − z̃_j)      (a_j: arrivals in step n)
 *   eligibility         λ1 += σ'(U_i(n))·z̃_j ;  λ2 += (h/τ_d)(λ1 − λ2) ;  λ1 ← e^(−h/τ_r) λ1
 *   output error        δ_i = Ŝ_i(n) − S_i(n) ;  x_i += (h/τ_r)(δ_i − x_i) ;  e_i += (h/τ_d)(x_i − e_i)
 *   hidden error        δ_j = Σ_k B_kj δ_k (same step; B = W_out, N(0,1) or 1), filtered the same way
 *   accumulator         m_ij += e_i·λ2_ij  [ − ρ·w_ij·z_het,i^a on hidden weights ]
 *   every T_b           ḡ = m/T_b ; v ← max(ḡ², γ v) ; w ← clip(w + η ḡ/(√v + ε)) ; m ← 0     (RMaxProp)
 * </pre>
 *
 * with σ'(U) = β/(1 + β|U − ϑ|)² (0 below the cut-off) on the membrane after its reset or clamp. The error is the
 * derivative of the van Rossum distance between the output spike train and the target train Ŝ, which a caller
 * gives per output population ({@link #setTarget}); every other population that receives SuperSpike synapses is
 * hidden and learns from the output errors fed back through its SuperSpike projections to output populations.
 *
 * <p>Engine mapping. Traces and eligibilities are updated right after the target population's update (phase C,
 * per worker); the errors of step n are formed on one thread at the end of the step (they need every output's
 * spikes); the accumulation of step n and, when due, the RMaxProp update run at the start of step n+1 (phase A,
 * per worker), so the weights change before the spikes of stamp n+1 are transmitted, as in the reference. State:
 * per (projection part, source) the presynaptic traces; per synapse, off-heap, λ1, λ2, m, v (and a feedback weight
 * for random feedback); per neuron the error filters. Cost O(synapses) per step: a dense, time-driven rule.
 */
public final class SuperSpikeRule implements PlasticityRule, LearningRateControl, Checkpointable {

    public static final String SYNAPSE = "superspike_synapse";

    private final SuperSpikeConfig config;
    private volatile double eta;
    private final Map<Population, InputDrive> targets = new LinkedHashMap<>();

    private Network network;
    private double h;
    private double riseDecay;   // e^(-h/τ_r)
    private double kDecay;      // h/τ_d
    private double kRise;       // h/τ_r
    private double hetDecay;    // e^(-h/τ_het)
    private long tb;
    private double gamma;
    private SuperSpikeLayer[] layerByPop;
    private SuperSpikeLayer[] layers;
    private Proj[] projByIndex;
    private Proj[] projs;
    private Proj[][] projsInto;

    private SuperSpikeRule(SuperSpikeConfig config) {
        this.config = config;
        this.eta = config.eta();
    }

    /** Registers {@code superspike_synapse} with {@code net}. */
    public static SuperSpikeRule install(Network net, SuperSpikeConfig config) {
        SuperSpikeRule rule = new SuperSpikeRule(config);
        net.registerSynapseModel(new SynapseModel(SYNAPSE, rule, true));
        return rule;
    }

    public SuperSpikeConfig config() {
        return config;
    }

    /**
     * Makes {@code output} an output layer whose target spike train is {@code target} (called once per step, in
     * increasing step order, at the end of the step). Call before the first simulate.
     */
    public void setTarget(Population output, InputDrive target) {
        if (network != null) {
            throw new IllegalStateException("targets must be set before the network is prepared");
        }
        targets.put(output, target);
    }

    @Override
    public void setEta(double newEta) {
        if (!(newEta >= 0) || Double.isInfinite(newEta)) {
            throw new IllegalArgumentException("eta >= 0 required, got " + newEta);
        }
        eta = newEta;
    }

    @Override
    public double eta() {
        return eta;
    }

    // ------------------------------------------------------------------ state

    /** One projection of SuperSpike synapses: its target layer, whether the regulariser applies, its delay, its parts. */
    static final class Proj {
        Projection projection;
        SuperSpikeLayer post;
        boolean regularised;
        int delay;
        SuperSpikeSynapses[] parts;
    }

    @Override
    public void attach(Network net) {
        this.network = net;
        h = net.grid().resolutionMs();
        riseDecay = CLibMath.exp(-h / config.tauRise());
        kDecay = h / config.tauDecay();
        kRise = h / config.tauRise();
        hetDecay = CLibMath.exp(-h / config.tauHet());
        tb = net.grid().steps(config.updateInterval());
        gamma = CLibMath.exp(-(tb * h) / config.tauRms());
        int nPops = net.populations().size();
        layerByPop = new SuperSpikeLayer[nPops];
        List<Proj> list = new ArrayList<>();
        projByIndex = new Proj[net.projections().size()];
        for (Projection p : net.projections()) {
            if (!p.model().name().equals(SYNAPSE)) {
                continue;
            }
            if (!(p.target() instanceof CurrentLifPopulation cl) || !cl.spiking()) {
                throw new IllegalArgumentException(SYNAPSE + " must target a spiking current-based LIF population "
                    + "(iaf_psc_exp_euler or lif_psc_exp): " + p);
            }
            if (p.uniformDelay() < 1) {
                throw new IllegalArgumentException(SYNAPSE + " needs one delay per projection: " + p);
            }
            SuperSpikeLayer post = layerByPop[cl.index()];
            if (post == null) {
                post = new SuperSpikeLayer(cl, targets.get(cl));
                layerByPop[cl.index()] = post;
            }
            list.add(attachProjection(p, post));
        }
        for (Population p : targets.keySet()) {
            if (layerByPop[p.index()] == null) {
                throw new IllegalArgumentException("SuperSpike target set for " + p + ", which receives no " + SYNAPSE);
            }
        }
        projs = list.toArray(new Proj[0]);
        layers = Arrays.stream(layerByPop).filter(l -> l != null).toArray(SuperSpikeLayer[]::new);
        projsInto = new Proj[nPops][];
        for (int i = 0; i < nPops; i++) {
            final int pi = i;
            projsInto[i] = list.stream().filter(q -> q.post.pop.index() == pi).toArray(Proj[]::new);
        }
        // hidden layers learn from the outputs they project to
        for (Proj q : projs) {
            q.regularised = config.rho() > 0 && !q.post.output();
            SuperSpikeLayer pre = layerByPop[q.projection.source().index()];
            if (pre != null && !pre.output() && q.post.output()) {
                pre.feedback.add(q);
                if (config.feedback() == SuperSpikeConfig.Feedback.RANDOM) {
                    randomFeedback(q);
                }
            }
        }
    }

    private Proj attachProjection(Projection p, SuperSpikeLayer post) {
        Proj q = new Proj();
        q.projection = p;
        q.post = post;
        q.delay = p.uniformDelay();
        q.parts = new SuperSpikeSynapses[p.parts()];
        int nSrc = p.source().size();
        for (int k = 0; k < p.parts(); k++) {
            Projection.Part part = p.part(k);
            SuperSpikeSynapses st = new SuperSpikeSynapses();
            st.z = new double[nSrc];
            st.zt = new double[nSrc];
            st.arrivals = new double[q.delay][nSrc];
            long n = Math.max(1, part.nnz);
            st.lam1 = network.arena().allocate(SynapseLayout.STATE, n);
            st.lam2 = network.arena().allocate(SynapseLayout.STATE, n);
            st.m = network.arena().allocate(SynapseLayout.STATE, n);
            st.v = network.arena().allocate(SynapseLayout.STATE, n);
            for (long i = 0; i < part.nnz; i++) {
                double w = part.weight(i);
                if (w < config.wMin() || w > config.wMax()) {
                    throw new IllegalArgumentException(SYNAPSE + ": initial weight " + w + " outside [" + config.wMin()
                        + ", " + config.wMax() + "] in " + p);
                }
            }
            q.parts[k] = st;
        }
        projByIndex[p.index()] = q;
        return q;
    }

    /** B_kj ~ N(0,1), a function of (seed, projection, j, k) only: the same for any worker count. */
    private void randomFeedback(Proj q) {
        Projection p = q.projection;
        for (int k = 0; k < p.parts(); k++) {
            Projection.Part part = p.part(k);
            SuperSpikeSynapses st = q.parts[k];
            st.feedbackWeight = network.arena().allocate(SynapseLayout.STATE, Math.max(1, part.nnz));
            for (int s = 0; s < p.source().size(); s++) {
                for (long i = part.rowStart(s); i < part.rowEnd(s); i++) {
                    long key = ((config.feedbackSeed() * 31 + p.index()) * 1_000_003L + s) * 1_000_003L + part.target(i);
                    st.feedbackWeight.setAtIndex(SynapseLayout.STATE, i, new SplittableRandom(key).nextGaussian());
                }
            }
        }
    }

    // ------------------------------------------------------------------ checkpoints

    @Override
    public String checkpointShape() {
        StringBuilder b = new StringBuilder(getClass().getName()).append(' ').append(config);
        for (SuperSpikeLayer l : layers) {
            b.append("\nlayer ").append(l.pop.index()).append(" n=").append(l.pop.size()).append(" target=")
                .append(l.target == null ? "none" : l.target instanceof Checkpointable c ? c.checkpointShape() : "stateless");
        }
        for (Proj q : projs) {
            b.append("\nprojection ").append(q.projection.index()).append(" delay=").append(q.delay);
        }
        return b.toString();
    }

    /**
     * Complete learning state: the learning rate in force; per layer the surrogate, error, filtered error and
     * heterosynaptic traces, the loss accumulator and the target buffers, and the target drive's own state when it
     * keeps one; per (projection part) the presynaptic traces, the delayed arrivals and every per-synapse segment
     * (eligibilities, accumulator, RMaxProp moment). Random feedback weights are a function of the seed and rebuilt.
     */
    @Override
    public void writeState(StateWriter out) {
        out.putDouble(eta);
        for (SuperSpikeLayer l : layers) {
            l.writeState(out);
        }
        for (Proj q : projs) {
            for (SuperSpikeSynapses st : q.parts) {
                st.writeState(out);
            }
        }
    }

    @Override
    public void readState(StateReader in) throws CheckpointException {
        eta = in.getDouble();
        for (SuperSpikeLayer l : layers) {
            l.readState(in);
        }
        for (Proj q : projs) {
            for (int k = 0; k < q.parts.length; k++) {
                q.parts[k].readState(in, "projection " + q.projection.index() + " part " + k + ": ");
            }
        }
    }

    // ------------------------------------------------------------------ engine hooks

    /** Phase A of step t: accumulate step t-1 (its errors are complete), then RMaxProp when T_b steps have passed. */
    @Override
    public void beginStep(int worker, long t) {
        if (t < 1) {
            return;
        }
        boolean update = t > 1 && (t - 1) % tb == 0;
        for (Proj q : projs) {
            Projection.Part part = q.projection.part(worker);
            if (part.nnz == 0) {
                continue;
            }
            accumulate(q, part, q.parts[worker]);
            if (update) {
                rmaxprop(part, q.parts[worker]);
            }
        }
    }

    private void accumulate(Proj q, Projection.Part part, SuperSpikeSynapses st) {
        final double[] e = q.post.e;
        final MemorySegment lam2 = st.lam2;
        final MemorySegment m = st.m;
        final long n = part.nnz;
        if (!q.regularised) {
            for (long i = 0; i < n; i++) {
                m.setAtIndex(SynapseLayout.STATE, i, m.getAtIndex(SynapseLayout.STATE, i)
                    + e[part.target(i)] * lam2.getAtIndex(SynapseLayout.STATE, i));
            }
            return;
        }
        final double rho = config.rho();
        final double a = config.regExponent();
        final double[] zh = q.post.zHetUsed;
        for (long i = 0; i < n; i++) {
            int tgt = part.target(i);
            double reg = rho * part.weight(i) * Math.pow(zh[tgt], a);
            m.setAtIndex(SynapseLayout.STATE, i, m.getAtIndex(SynapseLayout.STATE, i)
                + (e[tgt] * lam2.getAtIndex(SynapseLayout.STATE, i) - reg));
        }
    }

    private void rmaxprop(Projection.Part part, SuperSpikeSynapses st) {
        final double etaNow = eta;
        final double eps = config.epsilon();
        final double lo = config.wMin();
        final double hi = config.wMax();
        final double steps = tb;
        for (long i = 0; i < part.nnz; i++) {
            double g = st.m.getAtIndex(SynapseLayout.STATE, i) / steps;
            double v = Math.max(g * g, gamma * st.v.getAtIndex(SynapseLayout.STATE, i));
            st.v.setAtIndex(SynapseLayout.STATE, i, v);
            double w = part.weight(i) + etaNow * g / (Math.sqrt(v) + eps);
            part.setWeight(i, w < lo ? lo : (w > hi ? hi : w));
            st.m.setAtIndex(SynapseLayout.STATE, i, 0.0);
        }
    }

    /** Phase B: a spike of stamp s arrives at its targets in step s + delay - 1; remember it for the traces. */
    @Override
    public boolean onPresynapticEvent(int worker, Projection proj, Projection.Part part, int src, long stamp,
                                      boolean flush) {
        if (!flush) {
            Proj q = projByIndex[proj.index()];
            q.parts[worker].arrivals[(int) ((stamp + q.delay - 1) % q.delay)][src] += 1.0;
        }
        return true;
    }

    /** Phase C: surrogate of the updated membranes, presynaptic traces, eligibility of every synapse of the part. */
    @Override
    public void afterUpdate(int worker, Population pop, int from, int to, long t) {
        SuperSpikeLayer layer = layerByPop[pop.index()];
        if (layer == null || from >= to) {
            return;
        }
        final double[] u = layer.pop.v();
        final double[] sigma = layer.sigma;
        final double beta = config.betaSigma();
        final double cut = config.surrogateCutoff();
        for (int j = from; j < to; j++) {
            double uj = u[j];
            if (uj < cut) {
                sigma[j] = 0.0;
            } else {
                double d = 1.0 + beta * Math.abs(uj - layer.theta);
                sigma[j] = beta / (d * d);
            }
        }
        for (Proj q : projsInto[pop.index()]) {
            Projection.Part part = q.projection.part(worker);
            SuperSpikeSynapses st = q.parts[worker];
            double[] a = st.arrivals[(int) (t % q.delay)];
            double[] z = st.z;
            double[] zt = st.zt;
            for (int s = 0; s < z.length; s++) {
                z[s] = riseDecay * z[s] + a[s];
                zt[s] = zt[s] + kDecay * (z[s] - zt[s]);
                a[s] = 0.0;
            }
            final MemorySegment l1 = st.lam1;
            final MemorySegment l2 = st.lam2;
            for (int s = 0; s < z.length; s++) {
                double zs = zt[s];
                for (long i = part.rowStart(s), e = part.rowEnd(s); i < e; i++) {
                    double lf = l1.getAtIndex(SynapseLayout.STATE, i) + sigma[part.target(i)] * zs;
                    double ls = l2.getAtIndex(SynapseLayout.STATE, i);
                    ls = ls + kDecay * (lf - ls);
                    l2.setAtIndex(SynapseLayout.STATE, i, ls);
                    l1.setAtIndex(SynapseLayout.STATE, i, lf * riseDecay);
                }
            }
        }
    }

    /** One thread, after the barrier of step t: output errors against the targets, hidden errors, filters. */
    @Override
    public void endStep(long t) {
        for (SuperSpikeLayer l : layers) {
            if (!l.output()) {
                continue;
            }
            double[] z = l.pop.z();
            int n = l.target.spikesAt(t, l.tgtLocal, l.tgtMult);
            Arrays.fill(l.delta, 0.0);
            for (int q = 0; q < n; q++) {
                l.delta[l.tgtLocal[q]] = l.tgtMult[q];
            }
            for (int j = 0; j < l.delta.length; j++) {
                l.delta[j] = l.delta[j] - z[j];
            }
        }
        for (SuperSpikeLayer l : layers) {
            if (l.output()) {
                continue;
            }
            Arrays.fill(l.delta, 0.0);
            for (Proj q : l.feedback) {
                double[] dOut = q.post.delta;
                Projection p = q.projection;
                for (int k = 0; k < p.parts(); k++) {
                    Projection.Part part = p.part(k);
                    MemorySegment fb = q.parts[k].feedbackWeight;
                    for (int s = 0; s < l.delta.length; s++) {
                        double acc = l.delta[s];
                        for (long i = part.rowStart(s), e = part.rowEnd(s); i < e; i++) {
                            acc += feedbackWeight(part, fb, i) * dOut[part.target(i)];
                        }
                        l.delta[s] = acc;
                    }
                }
            }
        }
        for (SuperSpikeLayer l : layers) {
            double[] z = l.pop.z();
            for (int j = 0; j < l.delta.length; j++) {
                double xj = l.x[j] + kRise * (l.delta[j] - l.x[j]);
                l.x[j] = xj;
                double ej = l.e[j] + kDecay * (xj - l.e[j]);
                l.e[j] = ej;
                l.lossSq[j] += ej * ej;
                l.zHetUsed[j] = l.zHet[j];
                l.zHet[j] = hetDecay * l.zHet[j] + z[j];
            }
        }
    }

    private double feedbackWeight(Projection.Part part, MemorySegment fb, long i) {
        return switch (config.feedback()) {
            case SYMMETRIC -> part.weight(i);
            case RANDOM -> fb.getAtIndex(SynapseLayout.STATE, i);
            case UNIFORM -> 1.0;
        };
    }

    // ------------------------------------------------------------------ inspection (tests, monitoring)

    /**
     * The van Rossum distance ½∫(k∗(Ŝ − S))² dt of output population {@code out} since the last {@link #resetLoss},
     * summed over its neurons, with k the double-exponential kernel normalised to unit area (1/ms; one isolated
     * missing or extra spike costs 1/(2(τ_r + τ_d))).
     */
    public double vanRossumDistance(Population out) {
        SuperSpikeLayer l = layer(out);
        double s = 0;
        for (double x : l.lossSq) {
            s += x;
        }
        return 0.5 * s / h;
    }

    public void resetLoss() {
        if (layers == null) {
            return; // not prepared yet: nothing accumulated
        }
        for (SuperSpikeLayer l : layers) {
            Arrays.fill(l.lossSq, 0.0);
        }
    }

    /** Filtered error e of neuron j of a population receiving SuperSpike synapses (after the last step). */
    public double error(Population pop, int j) {
        return layer(pop).e[j];
    }

    /** Presynaptic trace z̃ of source {@code src} as seen by part {@code k} of {@code proj}. */
    public double presynapticTrace(Projection proj, int k, int src) {
        return projByIndex[proj.index()].parts[k].zt[src];
    }

    /** Slow eligibility λ2 of synapse {@code syn} of part {@code k}. */
    public double eligibility(Projection proj, int k, long syn) {
        return projByIndex[proj.index()].parts[k].lam2.getAtIndex(SynapseLayout.STATE, syn);
    }

    /** RMaxProp's second-moment estimate v of synapse {@code syn} of part {@code k}. */
    public double rmsEstimate(Projection proj, int k, long syn) {
        return projByIndex[proj.index()].parts[k].v.getAtIndex(SynapseLayout.STATE, syn);
    }

    /** The accumulator m (Σ e·λ2 since the last update) of synapse {@code syn} of part {@code k}. */
    public double accumulated(Projection proj, int k, long syn) {
        return projByIndex[proj.index()].parts[k].m.getAtIndex(SynapseLayout.STATE, syn);
    }

    private SuperSpikeLayer layer(Population pop) {
        SuperSpikeLayer l = layerByPop == null ? null : layerByPop[pop.index()];
        if (l == null) {
            throw new IllegalArgumentException(pop + " receives no " + SYNAPSE + " (or the network is not prepared)");
        }
        return l;
    }

    /** Off-heap bytes of per-synapse learning state (excluding the engine's target index and weight). */
    public long synapseStateBytes() {
        long b = 0;
        for (Proj q : projs) {
            for (SuperSpikeSynapses st : q.parts) {
                for (MemorySegment seg : new MemorySegment[] {st.lam1, st.lam2, st.m, st.v, st.feedbackWeight}) {
                    b += seg == null ? 0 : seg.byteSize();
                }
            }
        }
        return b;
    }
}
