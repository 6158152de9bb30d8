package io.spikestream.plasticity.superspike;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.lang.foreign.MemorySegment;

/**
 * The SuperSpike state of one projection part ({@link SuperSpikeRule}): per source the presynaptic trace z, its
 * filtered form and the arrivals still in flight (one slot per step of delay); per synapse, off-heap, the two
 * eligibility stages, the accumulator and RMaxProp's moment, and the random feedback weights when feedback is random
 * (a function of the seed: rebuilt, not checkpointed).
 */
final class SuperSpikeSynapses {
    double[] z;
    double[] zt;
    double[][] arrivals; // [slot][source], slot = arrival step % delay
    MemorySegment lam1;
    MemorySegment lam2;
    MemorySegment m;
    MemorySegment v;
    MemorySegment feedbackWeight; // RANDOM feedback only

    void writeState(StateWriter out) {
        out.putDoubles(z);
        out.putDoubles(zt);
        for (double[] slot : arrivals) {
            out.putDoubles(slot);
        }
        out.putSegment(lam1);
        out.putSegment(lam2);
        out.putSegment(m);
        out.putSegment(v);
    }

    void readState(StateReader in, String at) throws CheckpointException {
        in.readDoubles(z, at + "presynaptic trace");
        in.readDoubles(zt, at + "filtered presynaptic trace");
        for (double[] slot : arrivals) {
            in.readDoubles(slot, at + "delayed arrivals");
        }
        in.readSegment(lam1, at + "eligibility (rise)");
        in.readSegment(lam2, at + "eligibility");
        in.readSegment(m, at + "accumulator");
        in.readSegment(v, at + "RMaxProp moment");
    }
}
