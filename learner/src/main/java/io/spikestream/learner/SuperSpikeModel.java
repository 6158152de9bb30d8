package io.spikestream.learner;

import io.spikestream.network.Connectivity;
import io.spikestream.network.CurrentLifPopulation;
import io.spikestream.network.InputDrive;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.WeightInit;
import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.Checkpointable;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;
import io.spikestream.plasticity.superspike.SuperSpikeConfig;
import io.spikestream.plasticity.superspike.SuperSpikeRule;

import java.util.Locale;
import java.util.Map;

/**
 * SuperSpike ({@code network.rule = superspike}; Zenke & Ganguli 2018) as a classifier of windows: parrots ->
 * {@code n_rec} hidden {@code iaf_psc_exp_euler} neurons -> one output neuron per class, every synapse learned. The
 * output layer is trained towards target spike trains: during a window the correct class's neuron should fire
 * regularly at {@code target_rate_hz}, the others stay silent; the van Rossum error reaches the hidden layer through
 * symmetric (the default: the current output weights), random or uniform feedback. RMaxProp updates the weights
 * every {@code update_interval_ms} (100 ms by default; 0 = once per window). Prediction: the output neuron with the
 * most spikes in the window's range [base + 5, base + steps + 5) (inputs of step base + 1 can first move an output in
 * step base + 5, see {@link #LAG}), ties broken by the higher mean membrane potential; the scores are the spike
 * counts; the loss is the van Rossum distance of the outputs to their targets over the range. Learning off =
 * RMaxProp's eta 0 (its second-moment estimate keeps updating, as in the paper's burn-in).
 *
 * <p>Checkpoints: the rule's section holds its traces, error filters and RMaxProp state, and (through the rule)
 * the target trains' window; a restored learner continues bit-identically.
 */
final class SuperSpikeModel extends LayeredModel<CurrentLifPopulation> {

    /**
     * Offset of a window's target and scoring range: an input scheduled for step base + 1 leaves its parrot with stamp
     * base + 2 and enters the hidden currents in that step; a hidden spike of step base + 3 (stamp base + 4) moves an
     * output membrane from step base + 5 on, the earliest an output can answer.
     */
    static final int LAG = 5;

    private final SuperSpikeRule rule;
    private final TargetTrains targets;
    private final int steps;
    private final int classes;

    SuperSpikeModel(Settings s, Network net, int nIn, InputDrive input) {
        super("superspike");
        String b = "network.superspike.";
        steps = s.i("time.steps_per_window");
        classes = s.i("supervision.classes");
        double h = net.grid().resolutionMs();
        double interval = s.d(b + "update_interval_ms") > 0 ? s.d(b + "update_interval_ms") : steps * h;
        SuperSpikeConfig.Feedback fb;
        try {
            fb = SuperSpikeConfig.Feedback.valueOf(s.s(b + "feedback").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(b + "feedback must be symmetric, random or uniform, got '"
                + s.s(b + "feedback") + "'");
        }
        SuperSpikeConfig config = SuperSpikeConfig.defaults()
            .withEta(s.d(b + "eta"))
            .withEpsilon(s.d(b + "epsilon"))
            .withTauRms(s.d(b + "tau_rms_ms"))
            .withUpdateInterval(interval)
            .withBounds(s.d(b + "w_min"), s.d(b + "w_max"))
            .withFeedback(fb, s.l("network.seed"))
            .withRegulariser(s.d(b + "rho"), 4.0, 100.0);
        double rate = s.d(b + "target_rate_hz");
        if (!(rate > 0) || rate * h > 1000.0) {
            throw new IllegalArgumentException(b + "target_rate_hz must be in (0, " + 1000.0 / h + "], got " + rate);
        }
        targets = new TargetTrains(steps, LAG, Math.max(1, (int) Math.round(1000.0 / (rate * h))));
        rule = SuperSpikeRule.install(net, config);
        learningRate(rule, config.eta());
        int nHid = s.i("network.n_rec");
        InputPopulation in = (InputPopulation) net.create("input", "parrot_neuron", nIn, Map.of());
        in.setDrive(input);
        CurrentLifPopulation hid = (CurrentLifPopulation) net.create("hidden", "iaf_psc_exp_euler", nHid, s.map(b + "hidden"));
        CurrentLifPopulation out = (CurrentLifPopulation) net.create("output", "iaf_psc_exp_euler", classes,
            s.map(b + "output"));
        layers(in, hid, out);
        double pIn = s.d("network.p_in");
        // the paper's initialisation: w ~ N(0, (w0 / sqrt(fan-in))^2)
        double wIn = s.d(b + "w_in_scale") / Math.sqrt(Math.max(1.0, pIn * nIn));
        double wOut = s.d(b + "w_out_scale") / Math.sqrt(nHid);
        String syn = SuperSpikeRule.SYNAPSE;
        projections.put("input->hidden", net.connect(in, hid, Connectivity.pairwiseBernoulli(pIn, true),
            SynapseSpec.of(syn).weight(WeightInit.normal(0, wIn))));
        projections.put("hidden->output", net.connect(hid, out, Connectivity.allToAll(),
            SynapseSpec.of(syn).weight(WeightInit.normal(0, wOut))));
        rule.setTarget(out, targets);
    }

    /**
     * The output layer's target spike trains, window by window: the labelled class's neuron spikes every
     * {@code period} steps at base + lag + period / 2 + i * period inside [base + lag, base + steps + lag), the others
     * never. Holds the current and the previous window (the range of one runs {@code lag} steps into the next).
     * Called by the rule at the end of every step, in step order; no allocation.
     */
    static final class TargetTrains implements InputDrive, Checkpointable {
        private final int steps;
        private final int lag;
        private final int period;
        private long curBase = Long.MIN_VALUE / 2;
        private int curLabel = -1;
        private long prevBase = Long.MIN_VALUE / 2;
        private int prevLabel = -1;

        TargetTrains(int steps, int lag, int period) {
            this.steps = steps;
            this.lag = lag;
            this.period = period;
        }

        void startWindow(long base, int label) {
            prevBase = curBase;
            prevLabel = curLabel;
            curBase = base;
            curLabel = label;
        }

        @Override
        public int spikesAt(long t, int[] local, int[] mult) {
            long off = t - (curBase + lag);
            int label = curLabel;
            if (off < 0) {
                off = t - (prevBase + lag);
                label = prevLabel;
            }
            if (label < 0 || off < 0 || off >= steps || off % period != period / 2) {
                return 0;
            }
            local[0] = label;
            mult[0] = 1;
            return 1;
        }

        @Override
        public String checkpointShape() {
            return "target trains steps=" + steps + " lag=" + lag + " period=" + period;
        }

        @Override
        public void writeState(StateWriter out) {
            out.putLong(curBase);
            out.putInt(curLabel);
            out.putLong(prevBase);
            out.putInt(prevLabel);
        }

        @Override
        public void readState(StateReader in) throws CheckpointException {
            curBase = in.getLong();
            curLabel = in.getInt();
            prevBase = in.getLong();
            prevLabel = in.getInt();
        }
    }

    @Override
    public void startWindow(long base, int label, boolean learn) {
        targets.startWindow(base, label);
    }

    @Override
    public long scoreFrom(long base) {
        return base + LAG;
    }

    @Override
    public long scoreTo(long base) {
        return base + steps + LAG;
    }

    /** Spike counts of the outputs, then their summed membrane potentials (the tie-break). */
    @Override
    public int evidenceSize() {
        return 2 * classes;
    }

    @Override
    public double accumulate(long t, int label, double[] sums, double lossSum) {
        double[] z = out.z();
        double[] v = out.v();
        double l = lossSum;
        for (int j = 0; j < classes; j++) {
            sums[j] += z[j];
            sums[classes + j] += v[j];
            double e = rule.error(out, j);
            l += e * e;
        }
        return l;
    }

    @Override
    public int predict(double[] sums, long n, double[] scores) {
        int best = 0;
        for (int j = 0; j < classes; j++) {
            scores[j] = sums[j];
            if (sums[j] > sums[best] || (sums[j] == sums[best] && sums[classes + j] > sums[classes + best])) {
                best = j;
            }
        }
        return best;
    }

    @Override
    public double loss(double lossSum, double[] sums, long n, int label) {
        // the van Rossum distance 1/2 * integral of the filtered error squared (h = 1 ms)
        return 0.5 * lossSum;
    }

    @Override
    public long ruleStateBytes() {
        return rule.synapseStateBytes();
    }
}
