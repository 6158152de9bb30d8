package io.spikestream.plasticity.bsshslm;

import io.spikestream.network.BsshslmReadoutPopulation;

/** Per-neuron state of the time-driven rule for one readout population: each readout's archive of errors. */
final class ReadoutNeurons {

    static final int ERR = 0;
    static final int SHIFT = BsshslmReadoutPopulation.SHIFT;

    final BsshslmReadoutPopulation pop;
    final double h;
    final long interval;
    final int[] indegree;
    final IntervalArchive[] archive;

    ReadoutNeurons(BsshslmReadoutPopulation pop, double h, long interval) {
        this.pop = pop;
        this.h = h;
        this.interval = interval;
        indegree = new int[pop.size()];
        archive = new IntervalArchive[pop.size()];
    }

    void createArchives() {
        for (int j = 0; j < indegree.length; j++) {
            if (indegree[j] > 0) {
                archive[j] = new IntervalArchive(1, (int) Math.min(1 << 16, 2 * interval), false);
            }
        }
    }

    /** Phase C of step t: clean-up at the interval start, then R[t-1] = err(t) (spec §5.4 step 6, §5.6). */
    void afterUpdate(int from, int to, long t) {
        final boolean start = (t - SHIFT) % interval == 0;
        for (int j = from; j < to; j++) {
            IntervalArchive a = archive[j];
            if (a == null) {
                continue;
            }
            if (start) {
                a.cleanUp(interval);
            }
            a.append(t - 1);
            a.set(a.slot(t - 1), ERR, pop.error(t, j));
        }
    }

    double historyDuration(int j) {
        return archive[j] == null ? 0.0 : h * archive[j].retained();
    }
}
