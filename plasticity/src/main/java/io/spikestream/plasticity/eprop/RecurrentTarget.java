package io.spikestream.plasticity.eprop;

import io.spikestream.network.LifPopulation;
import io.spikestream.network.Params;
import io.spikestream.network.Population;
import io.spikestream.network.ReadoutPopulation;
import io.spikestream.network.TimeGrid;
import io.spikestream.plasticity.LearningSignalIndex;

/**
 * Per-neuron e-prop state of a recurrent population ({@code eprop_iaf*}): the learning parameters from the
 * population's NEST parameters, each neuron's history (psi, L, fr per step), the low-pass firing rate
 * {@code f_av}, and the feedback (learning-signal) connections from readouts, sorted by readout id.
 */
final class RecurrentTarget {

    static final int PSI = 0;
    static final int LS = 1;
    static final int FR = 2;

    final LifPopulation pop;
    final SurrogateGradient surrogate;
    final double height;
    final double width;
    final double kappa;
    final double kappaReg;
    final double cReg;
    final double fTargetPerStep; // f_target in spikes/ms times h
    final double h;
    final double pV;
    final boolean adaptive;
    final double beta;
    final double pA;
    final long cutoff;

    final int[] indegree;
    final NeuronHistory[] history;
    final double[] fAv;
    final double[] psiNow;
    final double[] learningSignalNow;

    /** Feedback connections by target neuron, ascending readout id (null without any). */
    LearningSignalIndex feedback;
    /** Per slot of the feedback's error vector: the readout population and its neuron. */
    ReadoutPopulation[] slotReadout;
    int[] slotLocal;

    RecurrentTarget(LifPopulation pop, TimeGrid grid) {
        this.pop = pop;
        Params p = pop.params();
        surrogate = SurrogateGradient.byName(p.s("surrogate_gradient_function"));
        height = p.d("surrogate_gradient_height");
        width = p.d("surrogate_gradient_width");
        kappa = p.d("kappa");
        kappaReg = p.d("kappa_reg");
        cReg = p.d("c_reg");
        h = grid.resolutionMs();
        fTargetPerStep = p.d("f_target") / 1000.0 * h;
        pV = Math.exp(-h / p.d("tau_m"));
        adaptive = pop.model().adaptive();
        beta = adaptive ? p.d("adapt_beta") : 0.0;
        pA = adaptive ? Math.exp(-h / p.d("adapt_tau")) : 0.0;
        cutoff = grid.steps(p.d("eprop_isi_trace_cutoff"));
        int n = pop.size();
        indegree = new int[n];
        history = new NeuronHistory[n];
        fAv = new double[n];
        psiNow = new double[n];
        learningSignalNow = new double[n];
    }

    void createHistories() {
        for (int j = 0; j < indegree.length; j++) {
            if (indegree[j] > 0) {
                history[j] = new NeuronHistory(3, 64);
            }
        }
    }

    /** Phase C: archive step t for neurons [from, to) (spec §1.3 steps 5-9). */
    void afterUpdate(int from, int to, long t) {
        final double[] v = pop.vPsi();
        final int[] r = pop.rPsi();
        final double[] th = pop.thetaPsi();
        final double[] z = pop.z();
        for (int j = from; j < to; j++) {
            double psi = surrogate.psi(r[j], v[j], th[j], height, width);
            psiNow[j] = psi;
            NeuronHistory hj = history[j];
            if (hj == null) {
                continue;
            }
            hj.append(t);
            int slot = hj.slot(t);
            hj.set(slot, PSI, psi);
            double f = kappaReg * fAv[j] + (1.0 - kappaReg) * z[j] / h;
            fAv[j] = f;
            hj.set(slot, FR, cReg * (f - fTargetPerStep));
            int q = hj.lowerBound(t - 2);
            learningSignalNow[j] = q < 0 ? 0.0 : hj.get(q, LS);
        }
    }

    void attachFeedback(LearningSignalIndex index) {
        feedback = index;
        slotReadout = new ReadoutPopulation[index.slots()];
        slotLocal = new int[index.slots()];
        for (int q = 0; q < index.sources(); q++) {
            Population src = index.source(q);
            for (int s = 0; s < src.size(); s++) {
                slotReadout[index.sourceSlot(q) + s] = (ReadoutPopulation) src;
                slotLocal[index.sourceSlot(q) + s] = s;
            }
        }
    }

    /** Phase A of step t: learning signals B * err(t-1) from the readouts into H[t-2] (spec §1.8). */
    void deliverLearningSignals(int from, int to, long t) {
        final LearningSignalIndex fb = feedback;
        if (fb == null || t < 2) {
            return;
        }
        for (int j = from; j < to; j++) {
            NeuronHistory hj = history[j];
            if (hj == null) {
                continue;
            }
            int slot = hj.slot(t - 2);
            if (slot < 0) {
                continue;
            }
            // one term at a time into the history entry, in the index's order: NEST's sum, rounded as NEST rounds it
            for (int i = fb.start(j), e = fb.end(j); i < e; i++) {
                int q = fb.slot(i);
                hj.add(slot, LS, fb.weight(i) * slotReadout[q].error(t - 1, slotLocal[q]));
            }
        }
    }

    double historyDuration(int j) {
        return history[j] == null ? 0.0 : h * history[j].retained();
    }
}
