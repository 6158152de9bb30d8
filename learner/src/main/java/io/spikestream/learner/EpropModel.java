package io.spikestream.learner;

import io.spikestream.network.Connectivity;
import io.spikestream.network.InputDrive;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.PlasticityRule;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.ReadoutPopulation;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.WeightInit;
import io.spikestream.plasticity.LearningRateControl;
import io.spikestream.plasticity.eprop.EpropRule;
import io.spikestream.plasticity.eprop.FastEpropRule;
import io.spikestream.plasticity.optim.OptimizerSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Event-driven e-prop ({@code network.rule} = {@code eprop}, formerly {@code fast}: {@link FastEpropRule}, or
 * {@code eprop-exact}, formerly {@code nest}: NEST's exact {@link EpropRule}) as NEST's N-MNIST example builds it: parrots -> {@code network.rec_model} (sparse input, sparse
 * recurrence) -> {@code eprop_readout} leaky integrators, learning signals back through random or symmetric feedback.
 * The readouts get the window's one-hot target from step base + 2 on (inputs of step base + 1 reach them in step
 * base + 3) and the learning signal in the last {@code learning_window_steps} up to base + steps + 2; the prediction
 * is the argmax of the mean readout signal over the last {@code score_window_steps} of that range, the loss half the
 * mean squared error there. Learning off = eta 0 (NEST's test phase). Settings: {@code network.*} and the top-level
 * {@code optimizer} block. Both rules write their state into the learner's checkpoints.
 *
 * <p>This is the learner exactly as it was before models existed (same build order, same arithmetic): its
 * predictions and checkpoints are bit-identical to the earlier ones ({@code EpropPathUnchangedTest}).
 */
final class EpropModel extends LayeredModel<ReadoutPopulation> {

    private final PlasticityRule plasticity;
    private final Supervision supervision = new Supervision();
    private final int steps;
    private final int learnSteps;
    private final int scoreSteps;
    private final int classes;

    EpropModel(Settings s, Network net, int nIn, InputDrive input, boolean nest, String name) {
        super(name);
        steps = s.i("time.steps_per_window");
        learnSteps = s.i("supervision.learning_window_steps");
        scoreSteps = s.i("supervision.score_window_steps");
        classes = s.i("supervision.classes");
        OptimizerSpec spec = OptimizerSpec.fromMap(s.map("optimizer"));
        plasticity = nest ? EpropRule.install(net, spec) : FastEpropRule.install(net, spec);
        learningRate((LearningRateControl) plasticity, spec.eta());
        int nRec = s.i("network.n_rec");
        // flush events bound the NEST-exact rule's history memory; the fast rule closes windows itself
        double flush = s.d("network.input_flush_interval_ms") > 0 ? s.d("network.input_flush_interval_ms")
            : nest ? steps : Double.POSITIVE_INFINITY;
        InputPopulation in = (InputPopulation) net.create("input", "parrot_neuron", nIn, Map.of("flush_event_send_interval", flush));
        in.setDrive(input);
        Population rec = net.create("recurrent", s.s("network.rec_model"), nRec, s.map("network.rec"));
        ReadoutPopulation out = (ReadoutPopulation) net.create("readout", "eprop_readout", classes, s.map("network.readout"));
        out.setDrive(supervision);
        layers(in, rec, out);
        double wIn = s.d("network.w_in_std") > 0 ? s.d("network.w_in_std") : 1.0 / Math.sqrt(nIn);
        double wRec = s.d("network.w_rec_std") > 0 ? s.d("network.w_rec_std") : 1.0 / Math.sqrt(nRec);
        String syn = EpropRule.SYNAPSE;
        projections.put("input->recurrent", net.connect(in, rec, Connectivity.pairwiseBernoulli(s.d("network.p_in"), true),
            SynapseSpec.of(syn).weight(WeightInit.normal(0, wIn))));
        if (s.d("network.p_rec") > 0) {
            projections.put("recurrent->recurrent", net.connect(rec, rec,
                Connectivity.pairwiseBernoulli(s.d("network.p_rec"), false), SynapseSpec.of(syn).weight(WeightInit.normal(0, wRec))));
        }
        double glorot = Math.sqrt(3.0 / Math.max(1.0, (nRec + classes) / 2.0)) * s.d("network.w_out_scale");
        Projection recOut = net.connect(rec, out, Connectivity.pairwiseBernoulli(s.d("network.p_out"), true),
            SynapseSpec.of(syn).weight(WeightInit.uniform(-glorot, glorot)));
        projections.put("recurrent->readout", recOut);
        connectFeedback(net, recOut, out, rec, "network.feedback", s.s("network.feedback"), s.d("network.feedback_scale"),
            EpropRule.LEARNING_SIGNAL);
    }

    /** Learning-signal connections readout -> recurrent: fixed N(0, scale) weights, or the output weights x scale. */
    static void connectFeedback(Network net, Projection recOut, Population out, Population rec, String key, String mode,
                                double scale, String synapse) {
        switch (mode) {
            case "random" -> net.connect(out, rec, Connectivity.allToAll(),
                SynapseSpec.of(synapse).weight(WeightInit.normal(0, scale)));
            case "symmetric" -> {
                List<int[]> pairs = new ArrayList<>();
                List<Double> w = new ArrayList<>();
                recOut.forEachSynapse((part, i, src, tgt, weight) -> {
                    pairs.add(new int[] {tgt, src});
                    w.add(weight * scale);
                });
                int[] a = pairs.stream().mapToInt(p -> p[0]).toArray();
                int[] b = pairs.stream().mapToInt(p -> p[1]).toArray();
                net.connect(out, rec, Connectivity.explicit(a, b), SynapseSpec.of(synapse)
                    .weight(WeightInit.values(w.stream().mapToDouble(Double::doubleValue).toArray())));
            }
            default -> throw new IllegalArgumentException(key + " must be random or symmetric, got '" + mode + "'");
        }
    }

    @Override
    public void startWindow(long base, int label, boolean learn) {
        // readout-aligned: inputs of loop step base+1 reach the readouts in step base+3; NEST's generators put the
        // target from base+2 and the learning window on the last learning_window_steps up to base+steps+2
        long segEnd = base + steps + 2;
        supervision.add(base + 2, label, learn ? segEnd - learnSteps : Long.MAX_VALUE, learn ? segEnd : Long.MAX_VALUE);
    }

    @Override
    public boolean supportsContinuous() {
        return true;
    }

    @Override
    public void superviseInterval(long fromStep, long toStep, int label, boolean learn) {
        // readout-aligned as in startWindow: the target over the interval, the learning signal in its last
        // learning_window_steps (the whole interval when shorter), no target after it until the next label
        long segFrom = fromStep + ContinuousTime.READOUT_DELAY;
        long segEnd = toStep + ContinuousTime.READOUT_DELAY;
        supervision.add(segFrom, label, learn ? Math.max(segFrom, segEnd - learnSteps) : Long.MAX_VALUE,
            learn ? segEnd : Long.MAX_VALUE);
        supervision.add(segEnd, -1, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    @Override
    public void windowSimulated(long now) {
        supervision.prune(now);
    }

    @Override
    public long scoreFrom(long base) {
        return base + steps + 2 - scoreSteps;
    }

    @Override
    public long scoreTo(long base) {
        return base + steps + 2;
    }

    @Override
    public int evidenceSize() {
        return classes;
    }

    @Override
    public double accumulate(long t, int label, double[] sums, double lossSum) {
        double se = lossSum;
        for (int j = 0; j < classes; j++) {
            double y = out.rawSignal(j);
            sums[j] += y;
            double d = y - (label == j ? 1.0 : 0.0);
            se += d * d;
        }
        return se;
    }

    @Override
    public int predict(double[] sums, long n, double[] scores) {
        return argmaxOfMeans(sums, n, scores, classes);
    }

    /** scores = sums / n; the first largest wins. */
    static int argmaxOfMeans(double[] sums, long n, double[] scores, int classes) {
        int best = 0;
        for (int j = 0; j < classes; j++) {
            scores[j] = sums[j] / n;
            if (scores[j] > scores[best]) {
                best = j;
            }
        }
        return best;
    }

    @Override
    public double loss(double lossSum, double[] sums, long n, int label) {
        return 0.5 * lossSum / classes;
    }

    @Override
    public long ruleStateBytes() {
        return plasticity instanceof FastEpropRule f ? f.synapseStateBytes() : ((EpropRule) plasticity).synapseStateBytes();
    }
}
