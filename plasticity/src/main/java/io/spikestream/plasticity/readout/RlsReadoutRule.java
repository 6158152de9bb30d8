package io.spikestream.plasticity.readout;

import io.spikestream.network.Connectivity;
import io.spikestream.network.Network;
import io.spikestream.network.PlasticityRule;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.SynapseModel;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.Checkpointable;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A second-order readout learned online by recursive least squares on filtered spike trains (FORCE learning's
 * update, Sussillo and Abbott 2009), beside whatever rule trains the network it reads.
 *
 * <p><b>Features.</b> The sources it reads (hidden neurons, optionally input neurons pooled into groups) reach it
 * through {@value #SYNAPSE} connections that carry no current. Two kinds of K features per group, so that a linear
 * readout sees when in a sample a neuron fired, not only how often:
 * <ul>
 * <li><b>traces</b> (no clock): each spike adds 1 to K exponentially decaying traces of its group, one per time
 * constant {@code tau_k}; updated lazily, O(K) per spike, read at step t as {@code trace * exp(-(t - last) / tau)};
 * <li><b>window bins</b> (label windows of a fixed period, {@code per_window} time): the spikes of the group counted in
 * each of K equal bins of the window its stamp falls in (window w = floor((stamp - offset) / period)); the counts of
 * a window are kept until its readout update has run (two windows' worth, by parity), never the network's state.
 * </ul>
 * The feature is {@code log(1 + value)} when {@code log} is on (busy neurons' counts compressed, as the baselines'
 * log1p), plus a constant 1 (the readouts' bias). F = groups x K + 1.
 *
 * <p><b>Learning.</b> The learner schedules an update for a step with a class ({@link #schedule}); at the end of that
 * step the features of that moment and the one-hot target enter one RLS step (P starts at I / ridge, so one pass
 * gives ridge regression's weights on the samples seen). Nothing is learned from a window scheduled without
 * learning, and the prediction of a window is made before its own update runs.
 *
 * <p><b>Threads.</b> Every source connects to target 0 of the target population only, so one worker (the owner of
 * that target) sees every spike, in the engine's delivery order whatever the number of workers: results are identical
 * for any thread count. Updates run in {@link #endStep} (one thread); scores are read between steps.
 *
 * <p><b>Cost.</b> Per spike O(K); per update about 3 F^2 + 2 C F multiply-adds; per scored step F exponentials and
 * C F multiply-adds; memory F^2 + C F doubles (P and W) plus 2 K doubles per group. All in the checkpoint.
 */
public final class RlsReadoutRule implements PlasticityRule, Checkpointable {

    public static final String SYNAPSE = "rls_readout_synapse";

    private final double[] tauSteps;
    /** Window bins (K = bins) instead of traces when period > 0. */
    private final int bins;
    private final long period;
    private final long offset;
    private final boolean log;
    private final int classes;
    private final double ridge;
    private final double forgetting;
    /** Sources as they were connected: projection, group of each local source, first global group. */
    private final List<Projection> sources = new ArrayList<>();
    private final List<int[]> groupOfSource = new ArrayList<>();
    private final List<Integer> groupBase = new ArrayList<>();
    private int groups;

    // attached state
    private int k;
    private int[][] globalGroupByProjection;
    private double[] trace;
    private long[] last;
    /** Window bins: counts[parity][g * K + bin] of window binWindow[parity][g] (parity = window & 1). */
    private double[][] binCount;
    private long[][] binWindow;
    private double[] features;
    private RecursiveLeastSquares rls;
    /** Scheduled updates, a FIFO in time order: steps, labels and (window bins) windows in [head, tail). */
    private long[] dueStep = new long[16];
    private int[] dueLabel = new int[16];
    private long[] dueWindow = new long[16];
    private int head;
    private int tail;

    private RlsReadoutRule(double[] tauSteps, int bins, long period, long offset, boolean log, int classes, double ridge,
                           double forgetting) {
        this.bins = bins;
        this.period = period;
        this.offset = offset;
        if (period > 0) {
            if (bins < 1 || bins > period) {
                throw new IllegalArgumentException("window bins must be in 1.." + period + ", got " + bins);
            }
            tauSteps = new double[bins];
            Arrays.fill(tauSteps, 1.0);
        }
        if (tauSteps.length == 0) {
            throw new IllegalArgumentException("the RLS readout needs at least one trace time constant");
        }
        for (double t : tauSteps) {
            if (!(t > 0)) {
                throw new IllegalArgumentException("trace time constants must be > 0 steps, got " + Arrays.toString(tauSteps));
            }
        }
        this.tauSteps = tauSteps.clone();
        this.log = log;
        this.classes = classes;
        this.ridge = ridge;
        this.forgetting = forgetting;
    }

    /**
     * Registers {@value #SYNAPSE} on {@code net}, backed by a new rule.
     *
     * @param tauSteps   trace time constants in steps
     * @param log        features log(1 + trace) instead of the trace
     * @param ridge      P's initial value I / ridge (the ridge penalty of the equivalent least squares)
     * @param forgetting RLS forgetting factor in (0, 1]; 1 for exact least squares over the whole stream
     */
    public static RlsReadoutRule install(Network net, double[] tauSteps, boolean log, int classes, double ridge,
                                         double forgetting) {
        return register(net, new RlsReadoutRule(tauSteps, 0, 0, 0, log, classes, ridge, forgetting));
    }

    /**
     * Registers {@value #SYNAPSE} backed by a rule of window-bin features: windows of {@code period} steps starting at
     * steps {@code offset + w * period}, each cut into {@code bins} equal bins.
     */
    public static RlsReadoutRule installWindowBins(Network net, int bins, long period, long offset, boolean log,
                                                   int classes, double ridge, double forgetting) {
        if (period <= 0) {
            throw new IllegalArgumentException("window period must be > 0 steps, got " + period);
        }
        return register(net, new RlsReadoutRule(new double[0], bins, period, offset, log, classes, ridge, forgetting));
    }

    private static RlsReadoutRule register(Network net, RlsReadoutRule rule) {
        net.registerSynapseModel(new SynapseModel(SYNAPSE, rule, true));
        return rule;
    }

    /**
     * Reads the spikes of {@code source} (call before the network is prepared): local source i feeds group
     * {@code group[i]} (groups 0..max, -1 = not read). The connection goes to neuron 0 of {@code anchor}, whose input
     * it never touches.
     */
    public void read(Network net, Population source, int[] group, Population anchor) {
        if (group.length != source.size()) {
            throw new IllegalArgumentException("RLS readout: " + group.length + " groups given for " + source.size()
                + " neurons of " + source);
        }
        int n = 0;
        int max = -1;
        for (int g : group) {
            if (g >= 0) {
                n++;
                max = Math.max(max, g);
            }
        }
        int[] src = new int[n];
        int[] tgt = new int[n];
        for (int i = 0, q = 0; i < group.length; i++) {
            if (group[i] >= 0) {
                src[q++] = i;
            }
        }
        Projection p = net.connect(source, anchor, Connectivity.explicit(src, tgt), SynapseSpec.of(SYNAPSE).weight(0.0));
        sources.add(p);
        groupOfSource.add(group.clone());
        groupBase.add(groups);
        groups += max + 1;
    }

    /** Identity grouping: every neuron of a population of {@code n} its own feature group. */
    public static int[] eachItsOwn(int n) {
        int[] g = new int[n];
        for (int i = 0; i < n; i++) {
            g[i] = i;
        }
        return g;
    }

    @Override
    public void attach(Network net) {
        k = tauSteps.length;
        globalGroupByProjection = new int[net.projections().size()][];
        for (int i = 0; i < sources.size(); i++) {
            int[] local = groupOfSource.get(i);
            int[] global = new int[local.length];
            for (int s = 0; s < local.length; s++) {
                global[s] = local[s] < 0 ? -1 : groupBase.get(i) + local[s];
            }
            globalGroupByProjection[sources.get(i).index()] = global;
        }
        if (period > 0) {
            binCount = new double[2][groups * k];
            binWindow = new long[2][groups];
            Arrays.fill(binWindow[0], -1);
            Arrays.fill(binWindow[1], -1);
            trace = new double[0];
            last = new long[0];
        } else {
            trace = new double[groups * k];
            last = new long[groups];
        }
        features = new double[featureCount()];
        rls = new RecursiveLeastSquares(featureCount(), classes, ridge, forgetting);
    }

    /** F: groups x time constants + 1 (bias). */
    public int featureCount() {
        return groups * tauSteps.length + 1;
    }

    @Override
    public boolean onPresynapticEvent(int worker, Projection proj, Projection.Part part, int src, long stamp,
                                      boolean flush) {
        if (flush) {
            return false;
        }
        int g = globalGroupByProjection[proj.index()][src];
        int at = g * k;
        if (period > 0) {
            long rel = stamp - offset;
            long w = Math.floorDiv(rel, period);
            int par = (int) (w & 1);
            if (binWindow[par][g] != w) {
                Arrays.fill(binCount[par], at, at + k, 0.0);
                binWindow[par][g] = w;
            }
            binCount[par][at + (int) (Math.floorMod(rel, period) * k / period)] += 1.0;
            return false;
        }
        long dt = stamp - last[g];
        if (dt != 0) {
            for (int q = 0; q < k; q++) {
                trace[at + q] = trace[at + q] * Math.exp(-dt / tauSteps[q]) + 1.0;
            }
            last[g] = stamp;
        } else {
            for (int q = 0; q < k; q++) {
                trace[at + q] += 1.0;
            }
        }
        return false; // the readout is read, never driven: no current reaches the anchor neuron
    }

    /**
     * The features at step t into the rule's buffer (traces decayed to t, or the bins of window {@code window};
     * log1p if configured; bias last).
     */
    private double[] featuresAt(long t, long window) {
        final double[] f = features;
        if (period > 0) {
            int par = (int) (window & 1);
            for (int g = 0; g < groups; g++) {
                int at = g * k;
                boolean mine = binWindow[par][g] == window;
                for (int q = 0; q < k; q++) {
                    double v = mine ? binCount[par][at + q] : 0.0;
                    f[at + q] = log ? Math.log1p(v) : v;
                }
            }
            f[f.length - 1] = 1.0;
            return f;
        }
        for (int g = 0; g < groups; g++) {
            long dt = t - last[g];
            int at = g * k;
            for (int q = 0; q < k; q++) {
                double v = trace[at + q];
                if (v != 0.0 && dt != 0) {
                    v *= Math.exp(-dt / tauSteps[q]);
                }
                f[at + q] = log ? Math.log1p(v) : v;
            }
        }
        f[f.length - 1] = 1.0;
        return f;
    }

    /**
     * The readouts' outputs at step t (call between steps, after step t): out[c] = W[c] . features(t); with window
     * bins, the features of the window of step t's stamp.
     */
    public void scores(long t, double[] out) {
        rls.scores(featuresAt(t, windowOf(t)), out);
    }

    /** The window (bins) a stamp falls in; 0 for traces. */
    public long windowOf(long stamp) {
        return period > 0 ? Math.floorDiv(stamp - offset, period) : 0;
    }

    /** Learn class {@code label} from the features at the end of step {@code step} (steps in non-decreasing order). */
    public void schedule(long step, int label) {
        schedule(step, label, 0);
    }

    /**
     * Learn class {@code label} at the end of step {@code step} from the features of that moment (traces) or of
     * window {@code window} (bins: at most one window older than the window of {@code step}).
     */
    public void schedule(long step, int label, long window) {
        if (label < 0 || label >= classes) {
            throw new IllegalArgumentException("RLS readout: class " + label + " outside 0.." + (classes - 1));
        }
        if (tail > head && step < dueStep[tail - 1]) {
            throw new IllegalArgumentException("RLS readout: update at step " + step + " scheduled after one at step "
                + dueStep[tail - 1]);
        }
        if (tail == dueStep.length) {
            int live = tail - head;
            if (live * 2 > dueStep.length) {
                dueStep = Arrays.copyOf(dueStep, dueStep.length * 2);
                dueLabel = Arrays.copyOf(dueLabel, dueLabel.length * 2);
                dueWindow = Arrays.copyOf(dueWindow, dueWindow.length * 2);
            }
            System.arraycopy(dueStep, head, dueStep, 0, live);
            System.arraycopy(dueLabel, head, dueLabel, 0, live);
            System.arraycopy(dueWindow, head, dueWindow, 0, live);
            head = 0;
            tail = live;
        }
        dueStep[tail] = step;
        dueWindow[tail] = window;
        dueLabel[tail++] = label;
    }

    @Override
    public void endStep(long t) {
        while (head < tail && dueStep[head] <= t) {
            rls.update(featuresAt(t, dueWindow[head]), dueLabel[head]);
            head++;
        }
        if (head == tail) {
            head = 0;
            tail = 0;
        }
    }

    /**
     * Window bins: the spikes of group {@code group} counted so far in bin {@code bin} of window {@code window} (0 once
     * the group's counts of that window have been replaced by a later window's, or with traces). For tests and reports.
     */
    public double binCount(long window, int group, int bin) {
        if (period <= 0 || group < 0 || group >= groups || bin < 0 || bin >= k) {
            return 0.0;
        }
        int par = (int) (window & 1);
        return binWindow[par][group] == window ? binCount[par][group * k + bin] : 0.0;
    }

    /** Feature groups: the groups of every source read, in the order they were connected. */
    public int groups() {
        return groups;
    }

    /** RLS updates done so far. */
    public long updates() {
        return rls.updates;
    }

    /** Bytes of the readout's state: P, W and the traces. */
    public long stateBytes() {
        long f = featureCount();
        return 8L * (f * f + (long) classes * f + (long) groups * (period > 0 ? 2L * (bins + 1) : tauSteps.length + 1));
    }

    // ------------------------------------------------------------------ checkpoints

    @Override
    public String checkpointShape() {
        String kind = period > 0 ? "bins=" + bins + " period=" + period + " offset=" + offset
            : "taus=" + Arrays.toString(tauSteps);
        return String.format(Locale.ROOT, "RlsReadoutRule v1 groups=%d %s log=%b classes=%d ridge=%s forgetting=%s",
            groups, kind, log, classes, Double.toString(ridge), Double.toString(forgetting));
    }

    @Override
    public void writeState(StateWriter out) {
        out.putDoubles(trace);
        out.putLongs(last);
        if (period > 0) {
            for (int par = 0; par < 2; par++) {
                out.putDoubles(binCount[par]);
                out.putLongs(binWindow[par]);
            }
        }
        out.putInt(tail - head);
        out.putLongs(dueStep, head, tail - head);
        out.putInts(dueLabel, head, tail - head);
        out.putLongs(dueWindow, head, tail - head);
        rls.writeState(out);
    }

    @Override
    public void readState(StateReader in) throws CheckpointException {
        in.readDoubles(trace, "RLS readout traces");
        in.readLongs(last, "RLS readout last spike steps");
        if (period > 0) {
            for (int par = 0; par < 2; par++) {
                in.readDoubles(binCount[par], "RLS readout window bins");
                in.readLongs(binWindow[par], "RLS readout bin windows");
            }
        }
        int pending = in.getInt();
        if (pending < 0) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, "RLS readout: " + pending + " pending updates");
        }
        if (pending > dueStep.length) {
            dueStep = new long[pending];
            dueLabel = new int[pending];
            dueWindow = new long[pending];
        }
        in.readLongs(dueStep, pending, "RLS readout pending update steps");
        in.readInts(dueLabel, pending, "RLS readout pending update classes");
        in.readLongs(dueWindow, pending, "RLS readout pending update windows");
        head = 0;
        tail = pending;
        rls.readState(in);
    }
}
