package io.spikestream.plasticity.bsshslm;

import io.spikestream.network.BsshslmLifPopulation;
import io.spikestream.network.BsshslmReadoutPopulation;
import io.spikestream.network.Params;
import io.spikestream.plasticity.LearningSignalIndex;
import io.spikestream.plasticity.eprop.SurrogateGradient;

/**
 * Per-neuron state of the time-driven rule for one {@code eprop_iaf(_adapt)_bsshslm_2020} population: the
 * surrogate-gradient parameters, each neuron's archive (psi and learning signal per step, rate term per
 * interval), its spike count in the current interval, and the learning-signal connections from readouts, sorted
 * by readout id (spec §5.3, §5.5, §5.8).
 */
final class RecurrentNeurons {

    static final int PSI = 0;
    static final int LS = 1;
    static final int SHIFT = BsshslmLifPopulation.SHIFT;

    final BsshslmLifPopulation pop;
    final SurrogateGradient surrogate;
    final double height;
    final double width;
    final double cReg;
    final double fTargetPerStep;
    final double h;
    final long interval;
    final boolean adaptive;

    final int[] indegree;
    final IntervalArchive[] archive;
    final long[] spikes;
    final double[] psiNow;
    final double[] learningSignalNow;

    /** Learning-signal connections into this population (null without any). */
    LearningSignalIndex feedback;

    RecurrentNeurons(BsshslmLifPopulation pop, double h, long interval) {
        this.pop = pop;
        Params p = pop.params();
        surrogate = SurrogateGradient.byName(p.s("surrogate_gradient_function"));
        height = p.d("surrogate_gradient_height");
        width = p.d("surrogate_gradient_width");
        cReg = p.d("c_reg");
        this.h = h;
        fTargetPerStep = p.d("f_target") / 1000.0 * h;
        this.interval = interval;
        adaptive = pop.model().adaptive();
        int n = pop.size();
        indegree = new int[n];
        archive = new IntervalArchive[n];
        spikes = new long[n];
        psiNow = new double[n];
        learningSignalNow = new double[n];
    }

    void createArchives() {
        for (int j = 0; j < indegree.length; j++) {
            if (indegree[j] > 0) {
                archive[j] = new IntervalArchive(2, (int) Math.min(1 << 16, 2 * interval), true);
            }
        }
    }

    /** Phase A of step t: the errors of step t-1 into H[t-3] (spec §5.5: L[τ] = Σ_k B_jk err_k(τ+2)). */
    void deliverLearningSignals(int from, int to, long t, BsshslmEpropRule.Scratch sc) {
        final LearningSignalIndex fb = feedback;
        if (fb == null || t < 1) {
            return;
        }
        double[] err = sc.errors.length >= fb.slots() ? sc.errors : (sc.errors = new double[fb.slots()]);
        for (int q = 0; q < fb.sources(); q++) {
            BsshslmReadoutPopulation ro = (BsshslmReadoutPopulation) fb.source(q);
            int base = fb.sourceSlot(q);
            for (int s = 0; s < ro.size(); s++) {
                err[base + s] = ro.error(t - 1, s);
            }
        }
        for (int j = from; j < to; j++) {
            IntervalArchive a = archive[j];
            if (a == null) {
                continue;
            }
            int slot = a.slot(t - 3);
            if (slot < 0) {
                continue;
            }
            // term by term into the archive, as NEST adds each learning-signal connection's contribution
            for (int i = fb.start(j), e = fb.end(j); i < e; i++) {
                a.add(slot, LS, fb.weight(i) * err[fb.slot(i)]);
            }
        }
    }

    /** Phase C of step t, after the population's update (spec §5.3 steps 1, 7-11). */
    void afterUpdate(int from, int to, long t) {
        final long istep = (t - SHIFT) % interval;
        final double[] v = pop.vPsi();
        final int[] r = pop.rPsi();
        final double[] th = pop.thetaPsi();
        final double[] z = pop.z();
        for (int j = from; j < to; j++) {
            IntervalArchive a = archive[j];
            if (istep == 0 && a != null) {
                a.cleanUp(interval);
                a.pruneRates(t, interval);
            }
            double psi = surrogate.psi(r[j], v[j], th[j], height, width);
            psiNow[j] = psi;
            if (z[j] != 0.0) {
                spikes[j]++;
            }
            if (a != null) {
                a.append(t);
                a.set(a.slot(t), PSI, psi);
                if (istep == interval - 1) {
                    double fAv = spikes[j] / (double) interval;
                    a.appendRate(t + 1, cReg * (fAv - fTargetPerStep) / (double) interval);
                }
                int q = a.lowerBound(t - 3);
                learningSignalNow[j] = q < 0 ? 0.0 : a.get(q, LS);
            }
            if (istep == interval - 1) {
                spikes[j] = 0;
            }
        }
    }

    double historyDuration(int j) {
        return archive[j] == null ? 0.0 : h * archive[j].retained();
    }
}
