package io.spikestream.learner;

import io.spikestream.network.InputDrive;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.plasticity.readout.RlsReadoutRule;

import java.util.Arrays;
import java.util.Map;

/**
 * {@code network.rule} = {@code eprop-rls}: the event-driven e-prop network of {@link EpropModel} (its hidden layer
 * keeps learning from its own {@code eprop_readout} neurons' errors, exactly as under {@code eprop}), read out for the
 * prediction by a second-order readout, {@link RlsReadoutRule}: recursive least squares on a bank of filtered spike
 * traces of the hidden neurons and, optionally, of the input neurons pooled into {@code input_pool_px} x
 * {@code input_pool_px} pixel blocks per polarity. Settings: those of {@code eprop} plus the {@code network.rls} block.
 *
 * <p>Features: with {@code window_bins} > 0 ({@code per_window} only) the spike counts of each group in that many equal
 * bins of the sample's window (a readout that sees the sample's time structure: N-MNIST's three saccades), else a bank
 * of traces with the time constants {@code taus_ms} (no window clock), whose input blocks are
 * {@code trace_input_pool_px} instead of {@code input_pool_px}. Per window ({@code per_window}): the prediction is the argmax of the RLS readouts' mean over the window's scoring
 * range (the same steps as e-prop's), and a learning window schedules one RLS update at the first step after that
 * range, so each sample is predicted before it is learned from. Continuous: an interval schedules its update at its
 * readout-aligned end.
 */
final class RlsReadoutModel implements LearnerModel {

    private final EpropModel eprop;
    private final RlsReadoutRule rls;
    private final boolean learnReadout;
    private final boolean binned;
    private final int classes;
    private final double[] step;

    RlsReadoutModel(Settings s, Network net, int nIn, InputDrive input, String name) {
        eprop = new EpropModel(s, net, nIn, input, false, name);
        classes = s.i("supervision.classes");
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
        // window k's inputs reach the input neurons in steps base+1.., their spikes carry stamps base+2..: the bins of
        // window k cover stamps [base + 2, base + steps + 2), the steps its prediction and update read
        rls = binned
            ? RlsReadoutRule.installWindowBins(net, bins, s.i("time.steps_per_window"), 2, s.b("network.rls.log"),
                classes, s.d("network.rls.ridge"), s.d("network.rls.forgetting"))
            : RlsReadoutRule.install(net, taus, s.b("network.rls.log"), classes, s.d("network.rls.ridge"),
                s.d("network.rls.forgetting"));
        rls.read(net, eprop.hidden(), RlsReadoutRule.eachItsOwn(eprop.hidden().size()), eprop.output());
        // the traces read the input in their own blocks: a trace, unlike a bin, mixes a block's saccades, and finer
        // blocks give back some of what that loses (cross-validated, BENCHMARKS.md "Live streams")
        String poolKey = binned ? "network.rls.input_pool_px" : "network.rls.trace_input_pool_px";
        int block = s.i(poolKey);
        if (block < 0) {
            throw new IllegalArgumentException(poolKey + " must be >= 0 (0 = hidden neurons only), got " + block);
        }
        if (block > 0) {
            rls.read(net, eprop.input(), inputGroups(s, nIn, block, poolKey), eprop.output());
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
        return eprop.rule();
    }

    @Override
    public InputPopulation input() {
        return eprop.input();
    }

    @Override
    public Population hidden() {
        return eprop.hidden();
    }

    @Override
    public Population output() {
        return eprop.output();
    }

    @Override
    public Map<String, Projection> projections() {
        return eprop.projections();
    }

    @Override
    public void setLearning(boolean on) {
        eprop.setLearning(on);
    }

    @Override
    public void startWindow(long base, int label, boolean learn) {
        eprop.startWindow(base, label, learn);
        if (learn && learnReadout && label >= 0 && label < classes) {
            rls.schedule(eprop.scoreTo(base), label, rls.windowOf(eprop.scoreTo(base) - 1));
        }
    }

    @Override
    public void windowSimulated(long now) {
        eprop.windowSimulated(now);
    }

    @Override
    public boolean supportsContinuous() {
        return true;
    }

    @Override
    public void superviseInterval(long fromStep, long toStep, int label, boolean learn) {
        eprop.superviseInterval(fromStep, toStep, label, learn);
        if (learn && learnReadout && label >= 0 && label < classes) {
            rls.schedule(toStep + ContinuousTime.READOUT_DELAY, label);
        }
    }

    @Override
    public long scoreFrom(long base) {
        return eprop.scoreFrom(base);
    }

    @Override
    public long scoreTo(long base) {
        return eprop.scoreTo(base);
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
        return eprop.ruleStateBytes();
    }
}
