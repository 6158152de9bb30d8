package io.spikestream.network;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.zip.CRC32C;

/**
 * All synapses of one {@code connect()} call: source population to target population, one synapse model.
 * Stored per worker as compressed sparse rows by presynaptic neuron ({@link Part}), holding only the
 * synapses whose target belongs to that worker's chunk, in connection order. Per-synapse data lives
 * off-heap ({@link SynapseLayout}).
 */
public final class Projection {

    private final int index;
    private final Population source;
    private final Population target;
    private final SynapseModel model;
    private final int receptor;
    /** Delay in steps shared by all synapses, or -1 if per synapse (see {@link Part#delays}). */
    private final int uniformDelay;
    private final int maxDelay;
    /** Replaced once at most, when {@link Network#prepare} moves the workers' chunks ({@link WorkerSplit}). */
    private Part[] parts;
    /** Holds the parts' segments alone, so that a re-split can free the parts it replaces. */
    private Arena arena;
    private final long size;
    /** Into parrot neurons: deposits count spikes (multiplicities); NEST's parrot ignores the weight. */
    private final boolean countsSpikes;

    /** One worker's share: synapses whose target lies in that worker's chunk of the target population. */
    public static final class Part {
        public final int worker;
        public final long[] rowPtr;
        public final MemorySegment targets;
        public final MemorySegment weights;
        public final MemorySegment delays;
        public final long nnz;

        Part(int worker, long[] rowPtr, MemorySegment targets, MemorySegment weights, MemorySegment delays) {
            this.worker = worker;
            this.rowPtr = rowPtr;
            this.targets = targets;
            this.weights = weights;
            this.delays = delays;
            this.nnz = rowPtr[rowPtr.length - 1];
        }

        public long rowStart(int src) {
            return rowPtr[src];
        }

        public long rowEnd(int src) {
            return rowPtr[src + 1];
        }

        public int target(long syn) {
            return targets.getAtIndex(SynapseLayout.TARGET, syn);
        }

        public double weight(long syn) {
            return weights.getAtIndex(SynapseLayout.WEIGHT, syn);
        }

        public void setWeight(long syn, double w) {
            weights.setAtIndex(SynapseLayout.WEIGHT, syn, w);
        }
    }

    /** Built by {@link ProjectionBuilder}: every part's rows, targets, weights and delays already in place. */
    Projection(int index, Population source, Population target, SynapseModel model, int receptor, Part[] parts,
               Arena arena, long size, int uniformDelay, int maxDelay) {
        this.index = index;
        this.arena = arena;
        this.source = source;
        this.target = target;
        this.model = model;
        this.receptor = receptor;
        this.parts = parts;
        this.size = size;
        this.uniformDelay = uniformDelay;
        this.maxDelay = maxDelay;
        this.countsSpikes = target instanceof InputPopulation;
    }

    /**
     * Deposits the weights of source {@code src}'s row of part {@code p} into the targets' input rings, for an
     * event with stamp {@code stamp} and multiplicity {@code mult}. The hot path of spike transmission.
     */
    void deposit(Part p, int src, long stamp, int mult) {
        final double[] ring = target.input;
        final int n = target.size;
        final int slots = target.ringSlots;
        final MemorySegment ts = p.targets;
        final MemorySegment ws = p.weights;
        final long a = p.rowPtr[src];
        final long b = p.rowPtr[src + 1];
        if (countsSpikes) {
            for (long s = a; s < b; s++) {
                int d = uniformDelay > 0 ? uniformDelay : p.delays.getAtIndex(SynapseLayout.DELAY, s);
                ring[(int) ((stamp + d - 1) % slots) * n + ts.getAtIndex(SynapseLayout.TARGET, s)] += mult;
            }
            return;
        }
        if (uniformDelay > 0) {
            final int base = (int) ((stamp + uniformDelay - 1) % slots) * n;
            if (mult == 1) {
                for (long s = a; s < b; s++) {
                    ring[base + ts.getAtIndex(SynapseLayout.TARGET, s)] += ws.getAtIndex(SynapseLayout.WEIGHT, s);
                }
            } else {
                for (long s = a; s < b; s++) {
                    ring[base + ts.getAtIndex(SynapseLayout.TARGET, s)] += ws.getAtIndex(SynapseLayout.WEIGHT, s) * mult;
                }
            }
        } else {
            final MemorySegment ds = p.delays;
            for (long s = a; s < b; s++) {
                int d = ds.getAtIndex(SynapseLayout.DELAY, s);
                int base = (int) ((stamp + d - 1) % slots) * n;
                ring[base + ts.getAtIndex(SynapseLayout.TARGET, s)] += ws.getAtIndex(SynapseLayout.WEIGHT, s) * mult;
            }
        }
    }

    /**
     * CRC32C of the connectivity (row pointers, targets and delays of every part): topology is rebuilt from the
     * seed and settings, not stored in checkpoints, so this proves the rebuilt one is the same. Computed once.
     */
    public long topologyChecksum() {
        long c = topologyCrc;
        if (c == 0) {
            CRC32C crc = new CRC32C();
            for (Part p : parts) {
                java.nio.ByteBuffer rows = java.nio.ByteBuffer.allocate(p.rowPtr.length * Long.BYTES);
                rows.asLongBuffer().put(p.rowPtr);
                crc.update(rows);
                crc.update(p.targets.asSlice(0, p.nnz * SynapseLayout.TARGET.byteSize()).asByteBuffer());
                if (p.delays != null) {
                    crc.update(p.delays.asSlice(0, p.nnz * SynapseLayout.DELAY.byteSize()).asByteBuffer());
                }
            }
            c = crc.getValue() | (1L << 32); // nonzero marks "computed"
            topologyCrc = c;
        }
        return c & 0xffffffffL;
    }

    private long topologyCrc;

    /**
     * Replaces the parts by {@code newParts} (the same synapses split by the target's new chunks, in
     * {@code newArena}) and frees the old ones. Only while building: nothing else holds the old segments then.
     */
    void replaceParts(Part[] newParts, Arena newArena) {
        Arena old = arena;
        parts = newParts;
        arena = newArena;
        topologyCrc = 0;
        old.close();
    }

    /** Frees the parts' segments (the network is closed). */
    void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    public int index() {
        return index;
    }

    public Population source() {
        return source;
    }

    public Population target() {
        return target;
    }

    public SynapseModel model() {
        return model;
    }

    public PlasticityRule rule() {
        return model.rule();
    }

    public int receptor() {
        return receptor;
    }

    public int uniformDelay() {
        return uniformDelay;
    }

    public int maxDelay() {
        return maxDelay;
    }

    public Part part(int worker) {
        return parts[worker];
    }

    public int parts() {
        return parts.length;
    }

    /** Number of synapses. */
    public long size() {
        return size;
    }

    /** Weight of every synapse in global connection order is not kept; this visits (src, tgt, w) part by part. */
    public void forEachSynapse(SynapseVisitor v) {
        for (Part p : parts) {
            for (int s = 0; s < source.size(); s++) {
                for (long i = p.rowPtr[s]; i < p.rowPtr[s + 1]; i++) {
                    v.visit(p, i, s, p.target(i), p.weight(i));
                }
            }
        }
    }

    /** Callback of {@link #forEachSynapse}. */
    @FunctionalInterface
    public interface SynapseVisitor {
        void visit(Part part, long synapse, int sourceLocal, int targetLocal, double weight);
    }

    @Override
    public String toString() {
        return "Projection#" + index + "[" + source.label() + " -> " + target.label() + ", " + model.name() + ", n=" + size + "]";
    }
}
