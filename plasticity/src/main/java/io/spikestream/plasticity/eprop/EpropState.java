package io.spikestream.plasticity.eprop;

import io.spikestream.network.SynapseLayout;
import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;
import io.spikestream.plasticity.optim.OptimizerClock;

import java.lang.foreign.MemorySegment;

/** The state {@link EpropRule} keeps per projection part (per source, per synapse) and per worker. */
final class EpropState {

    private EpropState() {
    }

    /** Per (projection, part) state. */
    static final class PartState extends SourceTraces {
        // per source (and those of SourceTraces)
        byte[] sign; // Dale's law: +1 excitatory, -1 inhibitory source (null when off)
        // per synapse
        MemorySegment ebar;
        MemorySegment ebarReg;
        MemorySegment eps;
        MemorySegment grad;
        MemorySegment acc;
        MemorySegment m;
        MemorySegment v;

        PartState(int sources, double eta) {
            allocateSources(sources, eta);
        }

        /** Off-heap bytes of the per-synapse columns. */
        long synapseBytes() {
            long b = 0;
            for (MemorySegment seg : new MemorySegment[] {ebar, ebarReg, eps, grad, acc, m, v}) {
                b += seg == null ? 0 : seg.byteSize();
            }
            return b;
        }

        double adamM(long syn) {
            return m == null ? 0.0 : m.getAtIndex(SynapseLayout.STATE, syn);
        }

        double adamV(long syn) {
            return v == null ? 0.0 : v.getAtIndex(SynapseLayout.STATE, syn);
        }

        /** Checkpoint layout: per source state, the clocks, Dale signs if on, then every per-synapse segment. */
        void writeState(StateWriter out) {
            writeSources(out);
            if (sign != null) {
                out.putBytes(sign);
            }
            out.putSegment(ebar);
            out.putSegment(ebarReg);
            out.putSegment(eps);
            out.putSegment(grad);
            out.putSegment(acc);
            out.putSegment(m);
            out.putSegment(v);
        }

        void readState(StateReader in) throws CheckpointException {
            readSources(in);
            if (sign != null) {
                byte[] sg = in.getBytes();
                if (sg.length != sign.length) {
                    throw new CheckpointException(CheckpointException.Kind.INCOMPATIBLE_SHAPE, "Dale signs: "
                        + sg.length + " sources in the checkpoint, " + sign.length + " here");
                }
                System.arraycopy(sg, 0, sign, 0, sg.length);
            }
            in.readSegment(ebar, "ebar");
            in.readSegment(ebarReg, "ebar_reg");
            in.readSegment(eps, "epsilon");
            in.readSegment(grad, "gradient");
            in.readSegment(acc, "optimizer accumulator");
            in.readSegment(m, "Adam m");
            in.readSegment(v, "Adam v");
        }
    }

    /** A plastic projection: its target population (recurrent or readout) and one state per part. */
    static final class ProjState {
        RecurrentTarget rec;
        ReadoutTarget out;
        PartState[] parts;
    }

    /** One worker's scratch: the presynaptic trace of a window, optimizer clocks and state. */
    static final class Scratch {
        double[] zbarSeq = new double[256];
        final OptimizerClock clock0 = new OptimizerClock();
        final OptimizerClock clock = new OptimizerClock();
        final double[] opt = new double[3];
    }
}
