package io.spikestream.network;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * Builds a {@link Projection} straight into its off-heap segments, with long offsets throughout, in two passes over
 * the connection rule instead of through heap buffers (which at 10^8 synapses cost gigabytes and overflow at 2^31):
 *
 * <ol>
 *   <li>count: the rule's connections are generated and only counted per (worker of the target, source), which
 *       sizes every part's rows; the generator is then at the state the weights are drawn from;</li>
 *   <li>fill: the connections are generated again from a fresh generator of the same seed (the same sequence),
 *       each placed at its row's next free slot with the weight drawn next, in connection order.</li>
 * </ol>
 *
 * The random sequence is exactly that of drawing all connections and then all weights in connection order, so
 * topology and weights are identical to a build through buffers. Within a row, synapses keep connection order.
 */
final class ProjectionBuilder {

    /** Receives the connections a rule generates, in order. */
    @FunctionalInterface
    interface PairSink {
        void add(int source, int target);
    }

    /** Generates the connections of a rule (see {@link Network#connect}); one call per pass. */
    @FunctionalInterface
    interface Generator {
        void generate(SplittableRandom rng, PairSink sink);
    }

    private ProjectionBuilder() {
    }

    /**
     * @param delayStepsOrNull per-connection delays in steps (connection order), or null for {@code uniformDelay}
     * @param arena            the projection's own (see {@link Projection#replaceParts})
     */
    static Projection build(int index, Population source, Population target, SynapseModel model, int receptor,
                            long seed, Generator gen, SynapseSpec syn, java.util.function.IntUnaryOperator delayStepsOrNull,
                            int uniformDelayOrZero, int workers, Arena arena) {
        int nSrc = source.size();
        int[] workerOf = workerOf(target, workers);
        // pass 1: count per (worker, source); rng ends where the weights start
        SplittableRandom weightRng = new SplittableRandom(seed);
        long[][] rowPtr = new long[workers][nSrc + 1];
        long[] count = new long[1];
        gen.generate(weightRng, (i, j) -> {
            rowPtr[workerOf[j]][i + 1]++;
            count[0]++;
        });
        long n = count[0];
        if (syn.weight() instanceof WeightInit.Values v && v.values().length != n) {
            throw new IllegalArgumentException("connect: " + v.values().length + " weights given for " + n + " connections");
        }
        if (syn.delaysMs() != null && syn.delaysMs().length != n) {
            throw new IllegalArgumentException("connect: " + syn.delaysMs().length + " delays given for " + n + " connections");
        }
        // an empty projection counts as uniform delay 1 (as it always has: it shapes the input rings)
        int uniform = n == 0 ? 1 : uniformDelayOrZero;
        int max = uniform;
        if (delayStepsOrNull != null) {
            uniform = n == 0 ? 1 : delayStepsOrNull.applyAsInt(0);
            max = uniform;
            for (int i = 0; i < n; i++) {
                int d = delayStepsOrNull.applyAsInt(i);
                if (d != uniform) {
                    uniform = -1;
                }
                max = Math.max(max, d);
            }
        }
        boolean perConnectionDelay = uniform < 0;
        Columns cols = Columns.allocate(arena, rowPtr, nSrc, perConnectionDelay);
        MemorySegment[] ts = cols.targets;
        MemorySegment[] ws = cols.weights;
        MemorySegment[] ds = cols.delays;
        long[][] fill = cols.fill;
        // pass 2: the same connections again, each into its slot with its weight (and delay)
        WeightInit weights = syn.weight();
        long[] c = new long[1];
        gen.generate(new SplittableRandom(seed), (i, j) -> {
            int k = workerOf[j];
            long at = fill[k][i]++;
            long q = c[0]++;
            ts[k].setAtIndex(SynapseLayout.TARGET, at, j);
            ws[k].setAtIndex(SynapseLayout.WEIGHT, at, weights.next(weightRng, (int) Math.min(q, Integer.MAX_VALUE)));
            if (perConnectionDelay) {
                ds[k].setAtIndex(SynapseLayout.DELAY, at, (short) delayStepsOrNull.applyAsInt((int) q));
            }
        });
        Projection.Part[] parts = new Projection.Part[workers];
        for (int k = 0; k < workers; k++) {
            parts[k] = new Projection.Part(k, rowPtr[k], ts[k], ws[k], ds[k]);
        }
        return new Projection(index, source, target, model, receptor, parts, arena, n, uniform, max);
    }

    /** The worker of each neuron of {@code pop} under its current chunks. */
    static int[] workerOf(Population pop, int workers) {
        int[] workerOf = new int[pop.size()];
        for (int k = 0; k < workers; k++) {
            for (int j = pop.chunkStart(k); j < pop.chunkEnd(k); j++) {
                workerOf[j] = k;
            }
        }
        return workerOf;
    }

    /**
     * Splits {@code proj}'s synapses again by its target's current chunks (after {@link WorkerSplit} moved them), by
     * copying, so that weights set since {@code connect} are kept, and frees the old parts. Each (source, target)
     * pair keeps its synapses in the order they had (a target lay in exactly one old part, whose rows kept connection
     * order); a new row takes the old parts' rows one after the other.
     */
    static void resplit(Projection proj, int workers) {
        int nSrc = proj.source().size();
        int[] workerOf = workerOf(proj.target(), workers);
        Projection.Part[] old = new Projection.Part[proj.parts()];
        for (int k = 0; k < old.length; k++) {
            old[k] = proj.part(k);
        }
        long[][] rowPtr = new long[workers][nSrc + 1];
        for (Projection.Part p : old) {
            for (int s = 0; s < nSrc; s++) {
                countRow(p, s, workerOf, rowPtr);
            }
        }
        boolean perSynapseDelay = proj.uniformDelay() < 0;
        Arena arena = Arena.ofShared();
        Columns cols = Columns.allocate(arena, rowPtr, nSrc, perSynapseDelay);
        for (int s = 0; s < nSrc; s++) {
            for (Projection.Part p : old) {
                copyRow(p, s, workerOf, cols);
            }
        }
        Projection.Part[] parts = new Projection.Part[workers];
        for (int k = 0; k < workers; k++) {
            parts[k] = new Projection.Part(k, rowPtr[k], cols.targets[k], cols.weights[k], cols.delays[k]);
        }
        proj.replaceParts(parts, arena);
    }

    /**
     * Each worker's columns for the synapse counts per (worker, source) in {@code rowPtr[k][s + 1]}, which become the
     * row pointers (prefix sums) in place; {@code fill[k][s]} is where the next synapse of row s goes.
     */
    private record Columns(MemorySegment[] targets, MemorySegment[] weights, MemorySegment[] delays, long[][] fill) {

        static Columns allocate(Arena arena, long[][] rowPtr, int nSrc, boolean perSynapseDelay) {
            int workers = rowPtr.length;
            Columns c = new Columns(new MemorySegment[workers], new MemorySegment[workers], new MemorySegment[workers],
                new long[workers][]);
            for (int k = 0; k < workers; k++) {
                long[] rp = rowPtr[k];
                for (int s = 0; s < nSrc; s++) {
                    rp[s + 1] += rp[s];
                }
                long nnz = rp[nSrc];
                // large columns on huge pages where available, and not zeroed twice (LargeSegments)
                c.targets[k] = LargeSegments.allocate(arena, SynapseLayout.TARGET, nnz);
                c.weights[k] = LargeSegments.allocate(arena, SynapseLayout.WEIGHT, nnz);
                c.delays[k] = perSynapseDelay ? LargeSegments.allocate(arena, SynapseLayout.DELAY, nnz) : null;
                c.fill[k] = java.util.Arrays.copyOf(rp, nSrc);
            }
            return c;
        }
    }

    // one row per call: the JIT compiles these as methods early, rather than the whole copy on the stack

    private static void countRow(Projection.Part p, int s, int[] workerOf, long[][] rowPtr) {
        for (long i = p.rowPtr[s], end = p.rowPtr[s + 1]; i < end; i++) {
            rowPtr[workerOf[p.target(i)]][s + 1]++;
        }
    }

    /**
     * Copies a row in runs of synapses bound for the same worker, each run as bulk copies of its columns: rows are
     * generated in ascending target order, so a row moves in one or two runs.
     */
    private static void copyRow(Projection.Part p, int s, int[] workerOf, Columns to) {
        long i = p.rowPtr[s];
        final long end = p.rowPtr[s + 1];
        while (i < end) {
            int k = workerOf[p.target(i)];
            long j = i + 1;
            while (j < end && workerOf[p.target(j)] == k) {
                j++;
            }
            long at = to.fill[k][s];
            to.fill[k][s] = at + (j - i);
            // offsets in bytes, counts in elements
            MemorySegment.copy(p.targets, SynapseLayout.TARGET, i * Integer.BYTES, to.targets[k], SynapseLayout.TARGET,
                at * Integer.BYTES, j - i);
            MemorySegment.copy(p.weights, SynapseLayout.WEIGHT, i * Double.BYTES, to.weights[k], SynapseLayout.WEIGHT,
                at * Double.BYTES, j - i);
            if (to.delays[k] != null) {
                MemorySegment.copy(p.delays, SynapseLayout.DELAY, i * Short.BYTES, to.delays[k], SynapseLayout.DELAY,
                    at * Short.BYTES, j - i);
            }
            i = j;
        }
    }
}
