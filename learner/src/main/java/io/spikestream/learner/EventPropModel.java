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
import io.spikestream.plasticity.eventprop.EventPropConfig;
import io.spikestream.plasticity.eventprop.EventPropLoss;
import io.spikestream.plasticity.eventprop.EventPropRule;
import io.spikestream.plasticity.eventprop.WindowTargets;
import io.spikestream.plasticity.optim.OptimizerSpec;

import java.util.Map;

/**
 * EventProp ({@code network.rule = eventprop}; Wunderlich & Pehle 2021) with windows of stream time = the samples:
 * the rule's window is {@code steps_per_window} steps, so its window k is exactly the learner's window k
 * [base, base + steps); the forward pass never stops and the state carries over, while the exact adjoint runs backwards
 * over each window's spikes at its end and the optimizer steps once (spec §B.8). Network: parrots -> {@code n_rec}
 * {@code lif_psc_exp} hidden neurons -> one {@code li_psc_exp} leaky integrator per class. Loss: cross-entropy of the
 * softmax of the outputs' mean voltages over the window against the label; prediction: the argmax of those means,
 * so the learner scores exactly what the rule trains. Learning off: the window is unsupervised (no backward pass, no
 * optimizer step).
 *
 * <p>Checkpoints: the rule's section holds its tape, adjoints, optimizer state and clocks, and (through the rule)
 * the window being supervised; a restored learner continues bit-identically.
 */
final class EventPropModel extends LayeredModel<CurrentLifPopulation> {

    private final EventPropRule rule;
    private final int steps;
    private final int classes;
    private final Supervised supervised = new Supervised();

    /** The window being supervised: the rule's targets, checkpointed in the rule's section. */
    private static final class Supervised implements WindowTargets, Checkpointable {
        long curBase = -1;
        int curLabel = -1;
        boolean curLearn;

        /** The rule's supervision at the end of window k: the one-hot label, if the window is learned from. */
        @Override
        public boolean fill(long window, long startStep, long endStep, double[] target) {
            if (startStep != curBase || !curLearn || curLabel < 0) {
                return false;
            }
            for (int j = 0; j < target.length; j++) {
                target[j] = j == curLabel ? 1.0 : 0.0;
            }
            return true;
        }

        @Override
        public String checkpointShape() {
            return "one-hot window targets";
        }

        @Override
        public void writeState(StateWriter out) {
            out.putLong(curBase);
            out.putInt(curLabel);
            out.putBoolean(curLearn);
        }

        @Override
        public void readState(StateReader in) throws CheckpointException {
            curBase = in.getLong();
            curLabel = in.getInt();
            curLearn = in.getBoolean();
        }
    }

    EventPropModel(Settings s, Network net, int nIn, InputDrive input) {
        super("eventprop");
        String b = "network.eventprop.";
        steps = s.i("time.steps_per_window");
        classes = s.i("supervision.classes");
        OptimizerSpec spec = OptimizerSpec.fromMap(s.map(b + "optimizer"));
        double windowMs = steps * net.grid().resolutionMs();
        rule = EventPropRule.install(net, EventPropConfig.of(windowMs, EventPropLoss.VOLTAGE_AVERAGE_CROSS_ENTROPY, spec));
        int nHid = s.i("network.n_rec");
        InputPopulation in = (InputPopulation) net.create("input", "parrot_neuron", nIn, Map.of());
        in.setDrive(input);
        CurrentLifPopulation hid = (CurrentLifPopulation) net.create("hidden", "lif_psc_exp", nHid, s.map(b + "hidden"));
        CurrentLifPopulation out = (CurrentLifPopulation) net.create("output", "li_psc_exp", classes, s.map(b + "output"));
        layers(in, hid, out);
        String syn = EventPropRule.SYNAPSE;
        double h = net.grid().resolutionMs();
        projections.put("input->hidden", net.connect(in, hid, Connectivity.pairwiseBernoulli(s.d("network.p_in"), true),
            SynapseSpec.of(syn).weight(WeightInit.normal(s.d(b + "w_in_mean"), s.d(b + "w_in_std"))).delay(h)));
        projections.put("hidden->output", net.connect(hid, out, Connectivity.allToAll(),
            SynapseSpec.of(syn).weight(WeightInit.normal(s.d(b + "w_out_mean"), s.d(b + "w_out_std"))).delay(h)));
        rule.setOutput(out, supervised);
    }

    @Override
    public void startWindow(long base, int label, boolean learn) {
        supervised.curBase = base;
        supervised.curLabel = label;
        supervised.curLearn = learn;
    }

    @Override
    public long scoreFrom(long base) {
        return base;
    }

    @Override
    public long scoreTo(long base) {
        return base + steps;
    }

    @Override
    public int evidenceSize() {
        return classes;
    }

    @Override
    public double accumulate(long t, int label, double[] sums, double lossSum) {
        double[] v = out.v();
        for (int j = 0; j < classes; j++) {
            sums[j] += v[j];
        }
        return lossSum;
    }

    @Override
    public int predict(double[] sums, long n, double[] scores) {
        return EpropModel.argmaxOfMeans(sums, n, scores, classes);
    }

    @Override
    public double loss(double lossSum, double[] sums, long n, int label) {
        return crossEntropyOfMeans(sums, n, label, classes);
    }

    /** −log softmax(sums / n)[label] (NaN for an unlabelled window). */
    static double crossEntropyOfMeans(double[] sums, long n, int label, int classes) {
        if (label < 0) {
            return Double.NaN;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < classes; j++) {
            max = Math.max(max, sums[j] / n);
        }
        double z = 0;
        for (int j = 0; j < classes; j++) {
            z += Math.exp(sums[j] / n - max);
        }
        return -(sums[label] / n - max - Math.log(z));
    }

    /** ½ Σ (sums / n − one-hot)² / classes. */
    static double halfSquaredErrorOfMeans(double[] sums, long n, int label, int classes) {
        double se = 0;
        for (int j = 0; j < classes; j++) {
            double d = sums[j] / n - (j == label ? 1.0 : 0.0);
            se += d * d;
        }
        return 0.5 * se / classes;
    }

    @Override
    public long ruleStateBytes() {
        return rule.synapseStateBytes();
    }
}
