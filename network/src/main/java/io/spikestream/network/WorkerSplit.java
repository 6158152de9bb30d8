package io.spikestream.network;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Moves the workers' chunks before the first step so that their estimated loads are equal
 * ({@link Network#prepare}). A population is created split evenly ({@link Population#create}), which balances
 * each population against itself but not a small population with large rows: the ten readouts of the benchmark
 * network, 10^4 synapses each, split five and five, make every recurrent spike pay two row passes of five synapses
 * where one of ten would do, and the per-row work (window constants, optimizer clock, close scheduling) is the larger
 * part of a row that short. So:
 *
 * <ol>
 *   <li>a worker's load is estimated as {@link #NEURON_COST} per neuron (its per-step work), 1 per incoming synapse
 *       (a synaptic event) and {@link #ROW_COST} per row pass: per projection, the sources with at least one synapse
 *       into the worker's chunk, expected from the chunk's synapse count as if the sources were drawn at random;
 *       every source is assumed to fire alike (rates are unknown before the first step);</li>
 *   <li>a population with fewer than {@link #MIN_CHUNK} neurons per worker goes whole to one worker, the heaviest
 *       first, each onto the worker with the least such load so far (the last on ties);</li>
 *   <li>the other populations are cut, each at the same fractions of its own cost, so that every worker's total comes
 *       out equal: a population's work stays spread over all workers in proportion, so one whose cost the estimate
 *       gets wrong (a silent one) cannot pile the real work onto a single worker.</li>
 * </ol>
 *
 * The new split is kept only if it lowers the largest worker's estimated load by more than {@link #MIN_GAIN}; then
 * every projection into a population whose chunks moved is split again ({@link ProjectionBuilder#resplit}). Results
 * do not depend on the split (a worker owns its targets' state; each target receives its input in the same order).
 * Generator and parrot populations stay on worker 0 (see {@link Population#create}). The two costs can be set for
 * experiments with {@code -Dspikestream.split.neuronCost} and {@code -Dspikestream.split.rowCost}; the defaults come
 * from a profile of the benchmark network (per-neuron work about a quarter of the time at K = 100, 200 synapses per
 * neuron) and from the measured best shift of its recurrent split (BENCHMARKS.md).
 */
final class WorkerSplit {

    /** Per-step work of a neuron, in synaptic events. */
    static final double NEURON_COST = Double.parseDouble(System.getProperty("spikestream.split.neuronCost", "100"));
    /** Per-row work of a presynaptic event in one part (beyond its synapses), in synaptic events. */
    static final double ROW_COST = Double.parseDouble(System.getProperty("spikestream.split.rowCost", "8"));
    /** Fewer neurons per worker than this: the population goes whole to one worker. */
    static final int MIN_CHUNK = 32;
    /** The smallest relative drop of the largest worker's load worth a new split. */
    static final double MIN_GAIN = 0.01;

    private final List<Population> populations;
    private final List<Projection> projections;
    private final int workers;
    /** Per split population (null for generators and parrots): prefix sums of neuron and synapse costs. */
    private final double[][] cost;
    /** Per projection into a split population: prefix sums of its targets' in-degrees. */
    private final long[][] inDegree;

    private WorkerSplit(List<Population> populations, List<Projection> projections, int workers) {
        this.populations = populations;
        this.projections = projections;
        this.workers = workers;
        this.cost = new double[populations.size()][];
        this.inDegree = new long[projections.size()][];
        for (Population p : populations) {
            NeuronModel.Kind kind = p.model().kind();
            if (kind != NeuronModel.Kind.INPUT && kind != NeuronModel.Kind.GENERATOR) {
                cost[p.index()] = new double[p.size() + 1];
            }
        }
        for (Projection proj : projections) {
            double[] c = cost[proj.target().index()];
            if (c == null) {
                continue;
            }
            long[] d = new long[proj.target().size() + 1];
            for (int k = 0; k < proj.parts(); k++) {
                Projection.Part part = proj.part(k);
                for (long i = 0; i < part.nnz; i++) {
                    d[part.target(i) + 1]++;
                }
            }
            for (int j = 1; j < d.length; j++) {
                c[j] += d[j];
                d[j] += d[j - 1];
            }
            inDegree[proj.index()] = d;
        }
        for (double[] c : cost) {
            if (c != null) {
                for (int j = 1; j < c.length; j++) {
                    c[j] += NEURON_COST + c[j - 1];
                }
            }
        }
    }

    /** Sets the balanced chunks, and splits the projections again, where that pays (see the class comment). */
    static void balance(List<Population> populations, List<Projection> projections, int workers) {
        if (workers > 1) {
            new WorkerSplit(populations, projections, workers).balance();
        }
    }

    private void balance() {
        int n = populations.size();
        int[][] current = new int[n][];
        for (Population p : populations) {
            current[p.index()] = p.chunk;
        }
        int[][] chunks = balancedChunks(current);
        if (chunks == null || !(largestLoad(chunks) < largestLoad(current) * (1 - MIN_GAIN))) {
            return;
        }
        boolean[] moved = new boolean[n];
        for (Population p : populations) {
            if (!Arrays.equals(chunks[p.index()], p.chunk)) {
                p.chunk = chunks[p.index()];
                moved[p.index()] = true;
            }
        }
        for (Projection proj : projections) {
            if (moved[proj.target().index()]) {
                ProjectionBuilder.resplit(proj, workers);
            }
        }
    }

    /** The balanced split (the current one for generators and parrots), or null when there is none. */
    private int[][] balancedChunks(int[][] current) {
        int n = populations.size();
        // small populations whole, heaviest first, each onto the worker with the least such load (the last on ties)
        boolean[] small = new boolean[n];
        List<Population> whole = new ArrayList<>();
        for (Population p : populations) {
            if (cost[p.index()] != null && p.size() < MIN_CHUNK * workers) {
                small[p.index()] = true;
                whole.add(p);
            }
        }
        whole.sort((a, b) -> Double.compare(wholeLoad(b), wholeLoad(a)));
        double[] fixed = new double[workers];
        int[][] chunks = current.clone();
        for (Population p : whole) {
            int best = workers - 1;
            for (int k = workers - 2; k >= 0; k--) {
                if (fixed[k] < fixed[best]) {
                    best = k;
                }
            }
            int[] ch = new int[workers + 1];
            Arrays.fill(ch, best + 1, workers + 1, p.size());
            chunks[p.index()] = ch;
            fixed[best] += wholeLoad(p);
        }
        // the large populations' row passes, taken as they are now (a worker's rows change little with its share)
        double large = 0;
        for (Population p : populations) {
            double[] c = cost[p.index()];
            if (c != null && !small[p.index()]) {
                large += c[p.size()];
            }
        }
        for (Projection proj : projections) {
            if (inDegree[proj.index()] != null && !small[proj.target().index()]) {
                for (int k = 0; k < workers; k++) {
                    fixed[k] += rows(proj, current[proj.target().index()], k);
                }
            }
        }
        double fair = (large + Arrays.stream(fixed).sum()) / workers;
        double[] need = new double[workers];
        double needSum = 0;
        for (int k = 0; k < workers; k++) {
            need[k] = Math.max(0, fair - fixed[k]);
            needSum += need[k];
        }
        if (!(needSum > 0) && large > 0) {
            return null;
        }
        // each large population cut at the same fractions of its own cost
        for (Population p : populations) {
            double[] c = cost[p.index()];
            if (c == null || small[p.index()]) {
                continue;
            }
            int[] ch = new int[workers + 1];
            double before = 0;
            for (int k = 1; k < workers; k++) {
                before += need[k - 1] / needSum;
                ch[k] = Math.max(ch[k - 1], cut(c, before * c[p.size()]));
            }
            ch[workers] = p.size();
            chunks[p.index()] = ch;
        }
        return chunks;
    }

    /** A population's load on the worker that holds it whole: neurons, synapses and the rows into it. */
    private double wholeLoad(Population p) {
        double[] c = cost[p.index()];
        double load = c[p.size()];
        int[] whole = new int[workers + 1];
        Arrays.fill(whole, 1, workers + 1, p.size());
        for (Projection proj : projections) {
            if (proj.target() == p) {
                load += rows(proj, whole, 0);
            }
        }
        return load;
    }

    /**
     * Expected row passes of {@code proj} on worker k under {@code chunk} (of its target), times the row cost: the
     * sources with at least one of the chunk's synapses, as if each synapse's source were drawn at random.
     */
    private double rows(Projection proj, int[] chunk, int k) {
        long[] d = inDegree[proj.index()];
        double synapses = d[chunk[k + 1]] - d[chunk[k]];
        int sources = proj.source().size();
        return ROW_COST * sources * -Math.expm1(-synapses / sources);
    }

    /** The neuron boundary whose prefix cost is nearest {@code goal}. */
    private static int cut(double[] prefix, double goal) {
        int j = Arrays.binarySearch(prefix, goal);
        if (j >= 0) {
            return j;
        }
        int hi = Math.min(-j - 1, prefix.length - 1);
        int lo = Math.max(hi - 1, 0);
        return goal - prefix[lo] <= prefix[hi] - goal ? lo : hi;
    }

    /** The largest worker's estimated load under {@code chunks}. */
    private double largestLoad(int[][] chunks) {
        double[] load = new double[workers];
        for (Population p : populations) {
            double[] c = cost[p.index()];
            if (c != null) {
                int[] ch = chunks[p.index()];
                for (int k = 0; k < workers; k++) {
                    load[k] += c[ch[k + 1]] - c[ch[k]];
                }
            }
        }
        for (Projection proj : projections) {
            if (inDegree[proj.index()] != null) {
                for (int k = 0; k < workers; k++) {
                    load[k] += rows(proj, chunks[proj.target().index()], k);
                }
            }
        }
        return Arrays.stream(load).max().orElse(0);
    }
}
