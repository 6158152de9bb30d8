package io.spikestream.learner;

import io.spikestream.network.InputPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.plasticity.readout.RlsReadoutRule;

import java.util.Arrays;
import java.util.Map;

/**
 * A rule's network read out for the prediction by a second-order readout, {@link RlsReadoutRule}: recursive least
 * squares on a bank of filtered spike traces of the hidden neurons and, optionally, of the input neurons pooled into
 * {@code input_pool_px} x {@code input_pool_px} pixel blocks per polarity. The wrapped rule's model ({@code base})
 * builds and trains the network exactly as it would alone (its hidden layer keeps learning from its own outputs'
 * errors); only the prediction comes from the readout. Rules: {@code eprop-rls} ({@link EpropModel}),
 * {@code eprop-time-driven-rls} ({@link BsshslmModel}), {@code superspike-rls} ({@link SuperSpikeModel}),
 * {@code eventprop-rls} ({@link EventPropModel}). Settings: those of the wrapped rule plus the {@code network.rls}
 * block.
 *
 * <p>Features: with {@code window_bins} > 0 ({@code per_window} only) the spike counts of each group in that many equal
 * bins of the sample's window (a readout that sees the sample's time structure: N-MNIST's three saccades), else a bank
 * of traces with the time constants {@code taus_ms} (no window clock), whose input blocks are
 * {@code trace_input_pool_px} instead of {@code input_pool_px}. The bins of window k cover the stamps
 * [base + {@value #BIN_OFFSET}, base + steps + {@value #BIN_OFFSET}): the learner drives every rule's input parrots
 * the same way (window k's inputs reach them in steps base + 1.., their spikes carry stamps base + 2..), so the
 * alignment is the same whatever the rule; the hidden layer's spikes follow one to a few steps later.
 *
 * <p>Per window ({@code per_window}): the prediction is the argmax of the RLS readouts' mean over the last
 * {@code supervision.score_window_steps} steps of the window's bins [base + steps + 2 - W, base + steps + 2) (for
 * e-prop the same steps as its own scoring range), and a learning window schedules one RLS update at the first step
 * after that range, so each sample is predicted before it is learned from. Continuous (rules that learn in continuous
 * time: e-prop): an interval schedules its update at its readout-aligned end. The wrapped rule's own outputs keep
 * their targets and learning; their evidence is not read.
 */
final class RlsReadoutModel implements LearnerModel {

    /** Window k's bins start at stamp base + BIN_OFFSET (window k's first input spikes). */
    static final int BIN_OFFSET = 2;

    private final String name;
    private final LearnerModel base;
    private final RlsReadoutRule rls;
    private final boolean learnReadout;
    private final boolean binned;
    private final int classes;
    private final int steps;
    private final int scoreSteps;
    private final double[] step;

    /** Installs the readout on {@code net}, into which {@code base} has just built its network. */
    RlsReadoutModel(Settings s, Network net, int nIn, LearnerModel base, String name) {
        this.name = name;
        this.base = base;
        classes = s.i("supervision.classes");
        steps = s.i("time.steps_per_window");
        scoreSteps = s.i("supervision.score_window_steps");
        if (scoreSteps < 1 || scoreSteps > steps) {
            throw new IllegalArgumentException("supervision.score_window_steps must be in 1.." + steps + ", got "
                + scoreSteps);
        }
        learnReadout = s.b("network.rls.learning");
        double h = net.grid().resolutionMs();
        double[] taus = Arrays.stream(s.s("network.rls.taus_ms").split(",")).map(String::trim)
            .mapToDouble(t -> {
                try {
                    return Double.parseDouble(t) / h;
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("network.rls.taus_ms must be a comma-separated list of time "
                        + "constants in ms, got '" + s.s("network.rls.taus_ms") + "'");
                }
            }).toArray();
        int bins = s.i("network.rls.window_bins");
        if (bins < 0) {
            throw new IllegalArgumentException("network.rls.window_bins must be >= 0, got " + bins);
        }
        // a continuous stream has no windows to cut into bins: it always reads the traces (no window clock)
        binned = bins > 0 && s.s("time.mode").equals("per_window");
        rls = binned
            ? RlsReadoutRule.installWindowBins(net, bins, steps, BIN_OFFSET, s.b("network.rls.log"),
                classes, s.d("network.rls.ridge"), s.d("network.rls.forgetting"))
            : RlsReadoutRule.install(net, taus, s.b("network.rls.log"), classes, s.d("network.rls.ridge"),
                s.d("network.rls.forgetting"));
        rls.read(net, base.hidden(), RlsReadoutRule.eachItsOwn(base.hidden().size()), base.output());
        // the traces read the input in their own blocks: a trace, unlike a bin, mixes a block's saccades, and finer
        // blocks give back some of what that loses (cross-validated, BENCHMARKS.md "Live streams")
        String poolKey = binned ? "network.rls.input_pool_px" : "network.rls.trace_input_pool_px";
        int block = s.i(poolKey);
        if (block < 0) {
            throw new IllegalArgumentException(poolKey + " must be >= 0 (0 = hidden neurons only), got " + block);
        }
        if (block > 0) {
            rls.read(net, base.input(), inputGroups(s, nIn, block, poolKey), base.output());
        }
        step = new double[classes];
    }

    /**
     * Group of each input neuron: its pixels' block of {@code block} x {@code block} sensor pixels and polarity (the
     * input layer's own pooling must divide the block, so that an input neuron lies in one block).
     */
    static int[] inputGroups(Settings s, int nIn, int block, String key) {
        int w = s.i("sensor.width");
        int hgt = s.i("sensor.height");
        int pool = s.i("sensor.pool");
        if (block % pool != 0) {
            throw new IllegalArgumentException(key + " (" + block + ") must be a multiple of "
                + "sensor.pool (" + pool + ")");
        }
        String bl = s.s("sensor.blocklist");
        int[] blocklist;
        try {
            blocklist = bl.isBlank() ? new int[0] : InputMapper.readBlocklist(java.nio.file.Path.of(bl));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        InputMapper mapper = new InputMapper(w, hgt, pool, blocklist, 0);
        int bw = (w + block - 1) / block;
        int bh = (hgt + block - 1) / block;
        int[] group = new int[nIn];
        Arrays.fill(group, -1);
        for (int p = 0; p < 2; p++) {
            for (int y = 0; y < hgt; y++) {
                for (int x = 0; x < w; x++) {
                    int neuron = mapper.map(x, y, p, 0);
                    if (neuron >= 0 && neuron < nIn) {
                        group[neuron] = (p * bh + y / block) * bw + x / block;
                    }
                }
            }
        }
        return group;
    }

    @Override
    public String rule() {
        return name;
    }

    @Override
    public InputPopulation input() {
        return base.input();
    }

    @Override
    public Population hidden() {
        return base.hidden();
    }

    @Override
    public Population output() {
        return base.output();
    }

    @Override
    public Map<String, Projection> projections() {
        return base.projections();
    }

    @Override
    public void setLearning(boolean on) {
        base.setLearning(on);
    }

    @Override
    public void startWindow(long base, int label, boolean learn) {
        this.base.startWindow(base, label, learn);
        if (learn && learnReadout && label >= 0 && label < classes) {
            rls.schedule(scoreTo(base), label, rls.windowOf(scoreTo(base) - 1));
        }
    }

    @Override
    public void windowSimulated(long now) {
        base.windowSimulated(now);
    }

    @Override
    public boolean supportsContinuous() {
        return base.supportsContinuous();
    }

    @Override
    public void superviseInterval(long fromStep, long toStep, int label, boolean learn) {
        base.superviseInterval(fromStep, toStep, label, learn);
        if (learn && learnReadout && label >= 0 && label < classes) {
            rls.schedule(toStep + ContinuousTime.READOUT_DELAY, label);
        }
    }

    @Override
    public long scoreFrom(long base) {
        return scoreTo(base) - scoreSteps;
    }

    @Override
    public long scoreTo(long base) {
        return base + steps + BIN_OFFSET;
    }

    @Override
    public int evidenceSize() {
        return classes;
    }

    @Override
    public double accumulate(long t, int label, double[] sums, double lossSum) {
        rls.scores(t, step);
        double se = lossSum;
        for (int j = 0; j < classes; j++) {
            double y = step[j];
            sums[j] += y;
            double d = y - (label == j ? 1.0 : 0.0);
            se += d * d;
        }
        return se;
    }

    @Override
    public int predict(double[] sums, long n, double[] scores) {
        return EpropModel.argmaxOfMeans(sums, n, scores, classes);
    }

    @Override
    public double loss(double lossSum, double[] sums, long n, int label) {
        return 0.5 * lossSum / classes;
    }

    @Override
    public long ruleStateBytes() {
        return base.ruleStateBytes();
    }
}
