package io.spikestream.plasticity.eprop;

import io.spikestream.network.ReadoutPopulation;
import io.spikestream.network.TimeGrid;

/** Per-neuron e-prop state of a readout population: each neuron's history of masked errors. */
final class ReadoutTarget {

    static final int ERR = 0;

    final ReadoutPopulation pop;
    final double h;
    final double pV;
    final long cutoff;
    final int[] indegree;
    final NeuronHistory[] history;

    ReadoutTarget(ReadoutPopulation pop, TimeGrid grid) {
        this.pop = pop;
        h = grid.resolutionMs();
        pV = Math.exp(-h / pop.params().d("tau_m"));
        cutoff = grid.steps(pop.params().d("eprop_isi_trace_cutoff"));
        indegree = new int[pop.size()];
        history = new NeuronHistory[pop.size()];
    }

    void createHistories() {
        for (int j = 0; j < indegree.length; j++) {
            if (indegree[j] > 0) {
                history[j] = new NeuronHistory(1, 64);
            }
        }
    }

    void afterUpdate(int from, int to, long t) {
        for (int j = from; j < to; j++) {
            NeuronHistory hj = history[j];
            if (hj == null) {
                continue;
            }
            hj.append(t);
            hj.set(hj.slot(t), ERR, pop.error(t, j));
        }
    }

    double historyDuration(int j) {
        return history[j] == null ? 0.0 : h * history[j].retained();
    }
}
