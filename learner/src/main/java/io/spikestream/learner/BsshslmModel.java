package io.spikestream.learner;

import io.spikestream.network.BsshslmReadoutPopulation;
import io.spikestream.network.Connectivity;
import io.spikestream.network.InputDrive;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.Recordable;
import io.spikestream.network.SynapseModel;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.WeightInit;
import io.spikestream.plasticity.bsshslm.BsshslmConfig;
import io.spikestream.plasticity.bsshslm.BsshslmEpropRule;
import io.spikestream.plasticity.optim.OptimizerSpec;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Time-driven e-prop ({@code network.rule = bsshslm}; Bellec et al. 2020 as NEST's {@code *_bsshslm_2020} models run
 * it) with one update interval per window: {@code eprop_update_interval} = {@code steps_per_window}, so every synapse
 * takes one optimizer step per sample, from the gradient integrated over that sample (the classic "one sequence, one
 * update" of the paper). Network: parrots -> {@code network.bsshslm.rec_model} (sparse input, sparse recurrence) ->
 * {@code eprop_readout_bsshslm_2020} readouts, cross-entropy (softmax over the readouts through
 * {@code rate_connection_delayed} links) by default, learning signals back through random or symmetric feedback.
 *
 * <p>Alignment: the readouts' interval k is [base + 3, base + steps + 3) and their error counts in the last
 * {@code learning_window_steps} of the signal interval [base + 4, base + steps + 4), so the window's one-hot target is
 * in force from base + 4 (the drive writes it every step, as NEST's generator). With
 * {@code reset_neurons_on_update} (NEST's default) the neurons restart at every window, as the paper's sequences do.
 * Prediction: argmax of the readouts' mean membrane over the learning window's steps [base + steps + 3 - W,
 * base + steps + 3); loss: the cross-entropy of the softmax of those means (or half their squared error for the
 * mean-squared-error readout). Learning off = eta 0 (NEST's test phase; an interval's gradient is applied with the
 * rate in force when it was recorded, see {@code WeightOptimizer}).
 *
 * <p>Checkpoints: the rule's section holds its interval archives, inter-spike intervals, optimizer clocks and
 * per-synapse state; the supervision is the readout population's checkpointed drive.
 */
final class BsshslmModel extends LayeredModel<BsshslmReadoutPopulation> {

    private final BsshslmEpropRule rule;
    private Recordable vm; // the readouts' V_m, registered when the network is prepared
    private final boolean crossEntropy;
    private final Supervision supervision = new Supervision();
    private final int steps;
    private final int window;
    private final int classes;

    BsshslmModel(Settings s, Network net, int nIn, InputDrive input, String name) {
        super(name);
        String b = "network.bsshslm.";
        steps = s.i("time.steps_per_window");
        window = s.i(b + "learning_window_steps");
        classes = s.i("supervision.classes");
        if (window < 1 || window > steps) {
            throw new IllegalArgumentException(b + "learning_window_steps must be in 1.." + steps + ", got " + window);
        }
        OptimizerSpec spec = OptimizerSpec.fromMap(s.map(b + "optimizer"));
        rule = BsshslmEpropRule.install(net, new BsshslmConfig(spec, s.b(b + "average_gradient"),
            s.d(b + "tau_m_readout")));
        learningRate(rule, spec.eta());
        Map<String, Object> kernel = Map.of("eprop_update_interval", (double) steps,
            "eprop_learning_window", (double) window, "eprop_reset_neurons_on_update", s.b(b + "reset_neurons_on_update"));
        int nRec = s.i("network.n_rec");
        // flush events of silent sources bound what they pin in the archives (one interval)
        InputPopulation in = (InputPopulation) net.create("input", "parrot_neuron", nIn, Map.of("flush_event_send_interval", (double) steps));
        in.setDrive(input);
        Map<String, Object> recP = new LinkedHashMap<>(s.map(b + "rec"));
        recP.putAll(kernel);
        recP.put("flush_event_send_interval", (double) steps);
        Population rec = net.create("recurrent", s.s(b + "rec_model"), nRec, recP);
        Map<String, Object> outP = new LinkedHashMap<>(s.map(b + "readout"));
        outP.putAll(kernel);
        BsshslmReadoutPopulation out = (BsshslmReadoutPopulation) net.create("readout", "eprop_readout_bsshslm_2020",
            classes, outP);
        out.setDrive(supervision);
        layers(in, rec, out);
        crossEntropy = out.params().s("loss").equals("cross_entropy");
        double wIn = s.d(b + "w_in_std") > 0 ? s.d(b + "w_in_std") : 1.0 / Math.sqrt(nIn);
        double wRec = s.d(b + "w_rec_std") > 0 ? s.d(b + "w_rec_std") : 1.0 / Math.sqrt(nRec);
        String syn = BsshslmEpropRule.SYNAPSE;
        projections.put("input->recurrent", net.connect(in, rec, Connectivity.pairwiseBernoulli(s.d("network.p_in"), true),
            SynapseSpec.of(syn).weight(WeightInit.normal(0, wIn))));
        if (s.d(b + "p_rec") > 0) {
            projections.put("recurrent->recurrent", net.connect(rec, rec,
                Connectivity.pairwiseBernoulli(s.d(b + "p_rec"), false), SynapseSpec.of(syn).weight(WeightInit.normal(0, wRec))));
        }
        Projection recOut = net.connect(rec, out, Connectivity.allToAll(),
            SynapseSpec.of(syn).weight(WeightInit.normal(0, s.d(b + "w_out_std"))));
        projections.put("recurrent->readout", recOut);
        EpropModel.connectFeedback(net, recOut, out, rec, b + "feedback", s.s(b + "feedback"), s.d(b + "feedback_scale"),
            BsshslmEpropRule.LEARNING_SIGNAL);
        if (crossEntropy) {
            // the softmax's normalisation: every readout sends its unnormalised signal to the others (receptor 1)
            net.connect(out, out, Connectivity.allToAll(false), SynapseSpec.of(SynapseModel.RATE_CONNECTION_DELAYED)
                .receptor(BsshslmReadoutPopulation.RECEPTOR_READOUT_SIGNAL));
        }
    }

    @Override
    public void startWindow(long base, int label, boolean learn) {
        // the error of step t belongs to the signal interval [4 + kU, 4 + (k+1)U): the target from base + 4 on
        supervision.add(base + 4, label, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    @Override
    public void windowSimulated(long now) {
        supervision.prune(now);
    }

    @Override
    public long scoreFrom(long base) {
        return base + steps + BsshslmReadoutPopulation.SHIFT - window;
    }

    @Override
    public long scoreTo(long base) {
        return base + steps + BsshslmReadoutPopulation.SHIFT;
    }

    @Override
    public int evidenceSize() {
        return classes;
    }

    @Override
    public double accumulate(long t, int label, double[] sums, double lossSum) {
        if (vm == null) {
            vm = out.recordable("V_m");
        }
        for (int j = 0; j < classes; j++) {
            sums[j] += vm.read(j);
        }
        return lossSum;
    }

    @Override
    public int predict(double[] sums, long n, double[] scores) {
        return EpropModel.argmaxOfMeans(sums, n, scores, classes);
    }

    @Override
    public double loss(double lossSum, double[] sums, long n, int label) {
        return crossEntropy ? EventPropModel.crossEntropyOfMeans(sums, n, label, classes)
            : EventPropModel.halfSquaredErrorOfMeans(sums, n, label, classes);
    }

    @Override
    public long ruleStateBytes() {
        return rule.synapseStateBytes();
    }
}
