package io.spikestream.plasticity.superspike;

import io.spikestream.network.CurrentLifPopulation;
import io.spikestream.network.InputDrive;
import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.Checkpointable;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.util.ArrayList;
import java.util.List;

/**
 * One population receiving SuperSpike synapses ({@link SuperSpikeRule}): per neuron the surrogate sigma, the error
 * delta and its filtered forms x and e, the heterosynaptic trace, the loss accumulator and the target buffers; an
 * output layer also has its target drive. Checkpointed with the target drive's own state when it keeps one.
 */
final class SuperSpikeLayer {
    final CurrentLifPopulation pop;
    final InputDrive target;
    final double theta;
    final double[] sigma;
    final double[] delta;
    final double[] x;
    final double[] e;
    final double[] zHet;
    final double[] zHetUsed;
    final double[] lossSq;
    final int[] tgtLocal;
    final int[] tgtMult;
    final List<SuperSpikeRule.Proj> feedback = new ArrayList<>(); // projections from this (hidden) layer to output layers

    SuperSpikeLayer(CurrentLifPopulation pop, InputDrive target) {
        this.pop = pop;
        this.target = target;
        this.theta = pop.threshold();
        int n = pop.size();
        sigma = new double[n];
        delta = new double[n];
        x = new double[n];
        e = new double[n];
        zHet = new double[n];
        zHetUsed = new double[n];
        lossSq = new double[n];
        tgtLocal = new int[n];
        tgtMult = new int[n];
    }

    boolean output() {
        return target != null;
    }

    void writeState(StateWriter out) {
        out.putDoubles(sigma);
        out.putDoubles(delta);
        out.putDoubles(x);
        out.putDoubles(e);
        out.putDoubles(zHet);
        out.putDoubles(zHetUsed);
        out.putDoubles(lossSq);
        out.putInts(tgtLocal);
        out.putInts(tgtMult);
        if (target instanceof Checkpointable c) {
            c.writeState(out);
        }
    }

    void readState(StateReader in) throws CheckpointException {
        String at = "layer " + pop.index() + ": ";
        in.readDoubles(sigma, at + "surrogate");
        in.readDoubles(delta, at + "error");
        in.readDoubles(x, at + "rise-filtered error");
        in.readDoubles(e, at + "filtered error");
        in.readDoubles(zHet, at + "heterosynaptic trace");
        in.readDoubles(zHetUsed, at + "heterosynaptic trace in use");
        in.readDoubles(lossSq, at + "loss accumulator");
        in.readInts(tgtLocal, at + "target neurons");
        in.readInts(tgtMult, at + "target multiplicities");
        if (target instanceof Checkpointable c) {
            c.readState(in);
        }
    }
}
