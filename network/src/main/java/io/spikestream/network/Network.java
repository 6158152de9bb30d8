package io.spikestream.network;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.CheckpointReader;
import io.spikestream.network.checkpoint.CheckpointWriter;
import io.spikestream.network.checkpoint.Checkpointable;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;

/**
 * A spiking network and its simulation engine, used the way PyNEST is: {@link #create} populations,
 * {@link #connect} them with a rule and a synapse spec, attach recorders, then {@link #simulate}. The first
 * simulate call freezes the topology and attaches the plasticity rules; later calls continue the same
 * unbroken simulation (no resets).
 *
 * <p>Time is an integer loop step {@code t} on the grid of {@link TimeGrid}; every step runs NEST's order
 * (see {@link PlasticityRule}): drives and learning signals, delivery of the events of stamp t in NEST's order
 * ({@link DeliveryOrder}; a neuron's event of multiplicity m as m events, see docs/nest-semantics.md), neuron
 * updates. With {@code threads > 1} the neurons of each population are split into
 * contiguous chunks, one per worker; a worker owns its chunk's state and the synapses into it, so the
 * results are bit-identical for any thread count.
 *
 * <p>Not threadsafe: one thread builds and drives a network (the workers are internal).
 */
public final class Network implements AutoCloseable {

    private final TimeGrid grid;
    private final int workers;
    private final long seed;
    private final Arena arena = Arena.ofShared();

    private final List<Population> populations = new ArrayList<>();
    private final List<Projection> projections = new ArrayList<>();
    private final Map<String, SynapseModel> synapseModels = new LinkedHashMap<>();
    private final Set<PlasticityRule> rules = new LinkedHashSet<>();
    private final List<SpikeRecorder> spikeRecorders = new ArrayList<>();
    private final List<Multimeter> multimeters = new ArrayList<>();
    private final List<WeightRecorder> weightRecorders = new ArrayList<>();
    private final List<StepObserver> observers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private int networkSize;

    // engine state, set by prepare()
    private boolean prepared;
    private long step;
    private Population[] pops;
    private Projection[][] outgoing;
    private PlasticityRule[] ruleArray;
    private StepEvents[][] stepEvents;
    private EventList current;
    private EventList next;
    private DeliveryOrder deliveryOrder;
    private int virtualProcesses = 1;
    private long[] synapticEvents;
    private long[] spikeCounts;
    private StepBarrier barrier;
    private WorkerThread[] helpers;
    private Semaphore done;
    private long runTo;
    private boolean closed;

    public Network(TimeGrid grid) {
        this(grid, 1, 1L);
    }

    /**
     * @param threads number of simulation workers (>= 1); results do not depend on it
     * @param seed    seed of every random choice made while building (connections, weights)
     */
    public Network(TimeGrid grid, int threads, long seed) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.grid = grid;
        this.workers = threads;
        this.seed = seed;
        synapseModels.put(SynapseModel.STATIC, SynapseModel.staticSynapse());
        synapseModels.put(SynapseModel.RATE_CONNECTION_DELAYED, SynapseModel.rateConnectionDelayed());
    }

    // ------------------------------------------------------------------ building

    public Population create(String model, int n) {
        return create(model, n, Map.of());
    }

    public Population create(String model, int n, Map<String, ?> params) {
        return create(model + "#" + populations.size(), model, n, params);
    }

    /** PyNEST's {@code Create(model, n, params)}; ids continue from the previous population. */
    public Population create(String label, String model, int n, Map<String, ?> params) {
        requireBuilding();
        NeuronModel m = NeuronModel.byName(model);
        Params p = m.params(params);
        Population pop = Population.create(populations.size(), label, m, p, n, networkSize, workers, grid);
        populations.add(pop);
        networkSize += n;
        return pop;
    }

    /**
     * Delivers each stamp's events in the order NEST 3.10 does when it runs on {@code n} virtual processes (one
     * MPI process, {@code n} threads; NEST's {@code total_num_virtual_procs}): the order in which a target's input
     * is summed, hence its rounding. Default 1. Independent of this network's own worker count; see
     * {@link DeliveryOrder}.
     */
    public void setNestVirtualProcesses(int n) {
        requireBuilding();
        if (n < 1) {
            throw new IllegalArgumentException("virtual processes must be >= 1, got " + n);
        }
        virtualProcesses = n;
    }

    /**
     * Gives the neurons of {@code pop} the NEST node ids {@code firstId, firstId + 1, ...} (default: creation order,
     * {@code globalOffset + 1}, which differs from NEST's when devices were created between neurons). Used for
     * NEST's delivery order with several virtual processes.
     */
    public void setNestNodeIds(Population pop, long firstId) {
        requireBuilding();
        if (firstId < 1) {
            throw new IllegalArgumentException("NEST node ids start at 1, got " + firstId);
        }
        pop.firstNestNodeId = firstId;
    }

    /** Makes a synapse model (usually a plasticity rule's) available to {@link #connect}. */
    public void registerSynapseModel(SynapseModel model) {
        requireBuilding();
        synapseModels.put(model.name(), model);
    }

    public boolean hasSynapseModel(String name) {
        return synapseModels.containsKey(name);
    }

    /** PyNEST's {@code Connect(pre, post, conn_spec, syn_spec)}. */
    public Projection connect(Population pre, Population post, Connectivity conn, SynapseSpec syn) {
        requireBuilding();
        if (post.model().kind() == NeuronModel.Kind.GENERATOR) {
            throw new IllegalArgumentException("cannot connect into " + post + ": a spike_generator takes no input");
        }
        if (post.model().kind() == NeuronModel.Kind.INPUT && !syn.model().equals(SynapseModel.STATIC)) {
            throw new IllegalArgumentException("cannot connect into " + post + " with " + syn.model() + ": parrot_neuron "
                + "populations take spikes through " + SynapseModel.STATIC + " only (or from an InputDrive)");
        }
        SynapseModel sm = synapseModels.get(syn.model());
        if (sm == null) {
            throw new IllegalArgumentException("unknown synapse model '" + syn.model() + "'; known: " + synapseModels.keySet());
        }
        if (sm.name().equals(SynapseModel.RATE_CONNECTION_DELAYED)) {
            post.checkRateInput(pre, syn.receptor());
        }
        double[] delaysMs = syn.delaysMs();
        Projection proj = ProjectionBuilder.build(projections.size(), pre, post, sm, syn.receptor(),
            mix(seed, projections.size()), (rng, sink) -> generate(pre, post, conn, rng, sink), syn,
            delaysMs == null ? null : i -> delaySteps(delaysMs[i]), delaysMs == null ? delaySteps(syn.delayMs()) : 0,
            workers, arena);
        projections.add(proj);
        if (sm.rule() != null) {
            rules.add(sm.rule());
        }
        return proj;
    }

    private int delaySteps(double ms) {
        if (!(ms >= grid.resolutionMs()) || Double.isInfinite(ms)) {
            throw new IllegalArgumentException("delay " + ms + " ms is below the resolution h = " + grid.resolutionMs()
                + " ms (every delay must be at least one step)");
        }
        long steps = Math.round(ms / grid.resolutionMs());
        if (steps > SynapseLayout.MAX_DELAY_STEPS) {
            throw new IllegalArgumentException("delay " + ms + " ms exceeds the largest supported delay of "
                + SynapseLayout.MAX_DELAY_STEPS + " steps");
        }
        return (int) steps;
    }

    private static void generate(Population pre, Population post, Connectivity conn, SplittableRandom rng,
                                 ProjectionBuilder.PairSink sink) {
        int nPre = pre.size();
        int nPost = post.size();
        boolean same = pre == post;
        switch (conn) {
            case Connectivity.AllToAll a -> {
                for (int i = 0; i < nPre; i++) {
                    for (int j = 0; j < nPost; j++) {
                        if (same && i == j && !a.allowAutapses()) {
                            continue;
                        }
                        sink.add(i, j);
                    }
                }
            }
            case Connectivity.PairwiseBernoulli b -> {
                double p = b.p();
                if (p <= 0) {
                    return;
                }
                // geometric skipping: the gap to the next chosen pair is Geometric(p); same law as a coin per pair
                double logq = Math.log1p(-p);
                for (int i = 0; i < nPre; i++) {
                    int j = -1;
                    while (true) {
                        if (p >= 1.0) {
                            j++;
                        } else {
                            double u = 1.0 - rng.nextDouble();
                            j += 1 + (int) Math.min(Integer.MAX_VALUE - 1L, (long) Math.floor(Math.log(u) / logq));
                        }
                        if (j >= nPost) {
                            break;
                        }
                        if (same && i == j && !b.allowAutapses()) {
                            continue;
                        }
                        sink.add(i, j);
                    }
                }
            }
            case Connectivity.FixedIndegree f -> {
                int k = f.indegree();
                int available = nPre - (same && !f.allowAutapses() ? 1 : 0);
                if (k > 0 && available <= 0) {
                    throw new IllegalArgumentException("fixed_indegree: no admissible source for K = " + k);
                }
                if (!f.allowMultapses() && k > available) {
                    throw new IllegalArgumentException("fixed_indegree: K = " + k + " exceeds the " + available
                        + " admissible sources without multapses");
                }
                boolean[] chosen = f.allowMultapses() ? null : new boolean[nPre];
                int[] picked = new int[k];
                for (int j = 0; j < nPost; j++) {
                    int c = 0;
                    while (c < k) {
                        int i = rng.nextInt(nPre);
                        if (same && i == j && !f.allowAutapses()) {
                            continue;
                        }
                        if (chosen != null) {
                            if (chosen[i]) {
                                continue;
                            }
                            chosen[i] = true;
                        }
                        picked[c++] = i;
                    }
                    for (int q = 0; q < k; q++) {
                        sink.add(picked[q], j);
                        if (chosen != null) {
                            chosen[picked[q]] = false;
                        }
                    }
                }
            }
            case Connectivity.OneToOne o -> {
                if (nPre != nPost) {
                    throw new IllegalArgumentException("one_to_one needs equal sizes, got " + nPre + " and " + nPost);
                }
                for (int i = 0; i < nPre; i++) {
                    sink.add(i, i);
                }
            }
            case Connectivity.Explicit e -> {
                for (int q = 0; q < e.sources().length; q++) {
                    int i = e.sources()[q];
                    int j = e.targets()[q];
                    if (i < 0 || i >= nPre || j < 0 || j >= nPost) {
                        throw new IllegalArgumentException("explicit connection " + q + ": (" + i + " -> " + j
                            + ") outside the populations' sizes " + nPre + " and " + nPost);
                    }
                    sink.add(i, j);
                }
            }
        }
    }

    private static long mix(long seed, long stream) {
        long z = seed + 0x9E3779B97F4A7C15L * (stream + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    // ------------------------------------------------------------------ recording devices

    /** Records the spikes of {@code pop} (all neurons) with stamps in (start, stop] ms. */
    public SpikeRecorder recordSpikes(Population pop, double startMs, double stopMs) {
        return recordSpikes(List.of(pop), startMs, stopMs);
    }

    public SpikeRecorder recordSpikes(List<Population> pops, double startMs, double stopMs) {
        SpikeRecorder r = new SpikeRecorder(networkSizeCapacity(), grid.steps(startMs), grid.steps(stopMs));
        for (Population p : pops) {
            r.add(p, null);
        }
        spikeRecorders.add(r);
        return r;
    }

    /** Records the spikes of selected neurons (local indices per population). */
    public SpikeRecorder recordSpikes(Map<Population, int[]> neurons, double startMs, double stopMs) {
        SpikeRecorder r = new SpikeRecorder(networkSizeCapacity(), grid.steps(startMs), grid.steps(stopMs));
        neurons.forEach(r::add);
        spikeRecorders.add(r);
        return r;
    }

    private int networkSizeCapacity() {
        requireBuilding();
        return networkSize;
    }

    /** A multimeter sampling {@code recordFrom} of the given neurons every {@code intervalMs}. */
    public Multimeter multimeter(List<String> recordFrom, double startMs, double stopMs, double intervalMs) {
        requireBuilding();
        Multimeter m = new Multimeter(recordFrom, grid.steps(startMs), grid.steps(stopMs), grid.steps(intervalMs));
        multimeters.add(m);
        return m;
    }

    /** Adds a neuron to a multimeter (call before the first simulate; rule recordables exist only then). */
    public void addToMultimeter(Multimeter m, Population pop, int local) {
        pendingMultimeter.add(new Object[] {m, pop, local});
    }

    private final List<Object[]> pendingMultimeter = new ArrayList<>();

    /** Records the transmitted weights of plastic synapses from {@code senderIds} to {@code targetIds} (global ids; null = all). */
    public WeightRecorder recordWeights(int[] senderIds, int[] targetIds, double startMs, double stopMs) {
        WeightRecorder r = new WeightRecorder(networkSizeCapacity(), senderIds, targetIds,
            grid.steps(startMs), grid.steps(stopMs), workers);
        weightRecorders.add(r);
        return r;
    }

    // ------------------------------------------------------------------ simulation

    /** Advances the simulation by {@code ms} of biological time (a whole number of steps). */
    public void simulate(double ms) {
        long steps = grid.steps(ms);
        if (Math.abs(steps * grid.resolutionMs() - ms) > 1e-9 * Math.max(1, ms)) {
            throw new IllegalArgumentException("simulate: " + ms + " ms is not a multiple of the resolution " + grid.resolutionMs());
        }
        simulateSteps(steps);
    }

    public void simulateSteps(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0");
        }
        prepare();
        long to = step + steps;
        if (workers == 1) {
            for (long t = step; t < to; t++) {
                runStep(0, t);
                endOfStep(t);
            }
        } else {
            runParallel(to);
        }
        step = to;
    }

    /** Freezes the topology and attaches rules; called by the first simulate, or explicitly. */
    public void prepare() {
        if (prepared) {
            return;
        }
        if (closed) {
            throw new IllegalStateException("network is closed");
        }
        int[] slots = new int[populations.size()];
        Arrays.fill(slots, 1);
        for (Projection p : projections) {
            slots[p.target().index()] = Math.max(slots[p.target().index()], p.maxDelay());
        }
        for (Projection p : projections) {
            if (p.model().name().equals(SynapseModel.RATE_CONNECTION_DELAYED)) {
                p.target().attachRateInput(p);
            }
        }
        for (Population p : populations) {
            p.prepare(grid, slots[p.index()]);
        }
        for (Projection p : projections) {
            if (p.target() instanceof InputPopulation ip) {
                ip.hasSynapticInput = true;
            }
        }
        pops = populations.toArray(new Population[0]);
        deliveryOrder = new DeliveryOrder(pops, virtualProcesses);
        outgoing = new Projection[pops.length][];
        for (int i = 0; i < pops.length; i++) {
            List<Projection> out = new ArrayList<>();
            for (Projection p : projections) {
                if (p.source() == pops[i] && p.model().carriesSpikes()) {
                    out.add(p);
                }
            }
            outgoing[i] = out.toArray(new Projection[0]);
        }
        ruleArray = rules.toArray(new PlasticityRule[0]);
        for (PlasticityRule r : ruleArray) {
            r.attach(this);
        }
        for (Object[] pm : pendingMultimeter) {
            ((Multimeter) pm[0]).add((Population) pm[1], (Integer) pm[2]);
        }
        stepEvents = new StepEvents[workers][pops.length];
        for (int k = 0; k < workers; k++) {
            for (int i = 0; i < pops.length; i++) {
                stepEvents[k][i] = new StepEvents(Math.min(pops[i].size(), 1024));
            }
        }
        current = new EventList(1024);
        next = new EventList(1024);
        synapticEvents = new long[workers * 8]; // padded: one cache line per worker
        spikeCounts = new long[pops.length];
        prepared = true;
        if (workers > 1) {
            barrier = new StepBarrier(workers, this::barrierAction);
            done = new Semaphore(0);
            helpers = new WorkerThread[workers - 1];
            for (int k = 1; k < workers; k++) {
                helpers[k - 1] = new WorkerThread(k);
                helpers[k - 1].start();
            }
        }
    }

    private long barrierStep;

    private void barrierAction() {
        endOfStep(barrierStep);
    }

    /** One loop step of worker k: phases A, B, C (see class comment). */
    private void runStep(int k, long t) {
        final Population[] ps = pops;
        // A: drives and secondary events
        for (Population p : ps) {
            p.beginStep(t, p.chunk[k], p.chunk[k + 1]);
        }
        for (PlasticityRule r : ruleArray) {
            r.beginStep(k, t);
        }
        // B: deliver the events of stamp t in NEST's order (DeliveryOrder)
        final EventList ev = current;
        final boolean recordingWeights = !weightRecorders.isEmpty();
        long delivered = 0;
        for (int i = 0, n = ev.count; i < n; i++) {
            final int src = ev.local[i];
            final boolean flush = ev.flush[i];
            // A neuron's event of multiplicity m reaches every synapse as m events of multiplicity 1 (NEST unrolls
            // it when sending: plastic synapses handle single spikes); a generator's event keeps its multiplicity.
            final boolean device = deliveryOrder.isGenerator(ev.population[i]);
            final int repeats = device || flush ? 1 : ev.mult[i];
            final int mult = device ? ev.mult[i] : 1;
            for (Projection proj : outgoing[ev.population[i]]) {
                Projection.Part part = proj.part(k);
                long a = part.rowPtr[src];
                long b = part.rowPtr[src + 1];
                if (a == b) {
                    continue;
                }
                PlasticityRule rule = proj.model().rule();
                for (int rep = 0; rep < repeats; rep++) {
                    if (rule == null) {
                        if (!flush) {
                            proj.deposit(part, src, t, mult);
                            delivered += b - a;
                        }
                        continue;
                    }
                    boolean transmit = rule.onPresynapticEvent(k, proj, part, src, t, flush);
                    if (!flush && transmit) {
                        proj.deposit(part, src, t, mult);
                        delivered += b - a;
                        if (recordingWeights) {
                            for (WeightRecorder wr : weightRecorders) {
                                wr.record(k, proj, part, src, t);
                            }
                        }
                    }
                }
            }
        }
        synapticEvents[k * 8] += delivered;
        // C: update neurons
        final StepEvents[] mine = stepEvents[k];
        for (Population p : ps) {
            StepEvents out = mine[p.index];
            out.clear();
            int from = p.chunk[k];
            int to = p.chunk[k + 1];
            if (from < to) {
                p.update(t, from, to, out);
            }
            for (PlasticityRule r : ruleArray) {
                r.afterUpdate(k, p, from, to, t);
            }
        }
    }

    /** Single-threaded end of step t: merge the events of stamp t+1, record, let rules finish the step. */
    private void endOfStep(long t) {
        EventList merged = mergeStepEvents();
        for (SpikeRecorder r : spikeRecorders) {
            r.collect(t + 1, merged, pops);
        }
        for (Multimeter m : multimeters) {
            m.sample(t);
        }
        for (WeightRecorder w : weightRecorders) {
            w.flushWorkers();
        }
        for (PlasticityRule r : ruleArray) {
            r.endStep(t);
        }
        for (StepObserver o : observers) {
            o.stepEnded(t);
        }
    }

    /** The workers' events of the step just updated become the events of the next step, in delivery order. */
    private EventList mergeStepEvents() {
        EventList merged = next;
        merged.clear();
        for (int i : deliveryOrder.populations()) {
            long before = merged.count;
            for (int k = 0; k < workers; k++) {
                merged.append(i, stepEvents[k][i]);
            }
            for (long q = before; q < merged.count; q++) {
                if (!merged.flush[(int) q]) {
                    spikeCounts[i]++;
                }
            }
        }
        merged = deliveryOrder.arrange(merged);
        next = current;
        current = merged;
        return merged;
    }

    // ------------------------------------------------------------------ quiet stretches

    /**
     * Whether {@link #skipQuiet} can carry the next steps in closed form now: the network is prepared, no event is
     * pending for the current step, no recorder is attached, every population is {@code quiet} (no input pending,
     * its drive silent from here on, no neuron able to reach threshold without input) and every rule is
     * {@link PlasticityRule#quietSkippable}.
     */
    public boolean canSkipQuiet() {
        if (!prepared || closed || current.count != 0 || !spikeRecorders.isEmpty() || !multimeters.isEmpty()
            || !weightRecorders.isEmpty()) {
            return false;
        }
        for (Population p : pops) {
            if (!p.quiet(step)) {
                return false;
            }
        }
        for (PlasticityRule r : ruleArray) {
            if (!r.quietSkippable()) {
                return false;
            }
        }
        return true;
    }

    /**
     * The steps to simulate after a {@link #skipQuiet} before every rule's record of the past is what stepping
     * would hold (the largest {@link PlasticityRule#quietResumeSteps}).
     */
    public long quietResumeSteps() {
        prepare();
        long n = 0;
        for (PlasticityRule r : ruleArray) {
            n = Math.max(n, r.quietResumeSteps());
        }
        return n;
    }

    /**
     * Carries the network over {@code steps} loop steps in which nothing can spike (requires {@link #canSkipQuiet}),
     * without stepping: each population applies its per-step update with no input, neuron by neuron, until its state
     * stops changing (a decaying double reaches 0 or a fixed point of the rounding), so the result is bit-identical to
     * stepping at a cost bounded by the time constants, not by {@code steps}. Flush events that silent neurons emit in
     * the stretch reach the rules with their own stamps (in stamp order, then delivery order of populations, then
     * neuron); those emitted in the last step are the next step's events, as after a step. Then each rule carries its
     * own state ({@link PlasticityRule#skipQuiet}). Step observers are not called for the skipped steps.
     */
    public void skipQuiet(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0");
        }
        prepare();
        if (steps == 0) {
            return;
        }
        if (!canSkipQuiet()) {
            throw new IllegalStateException("the network is not quiet at step " + step + ": simulate it (canSkipQuiet)");
        }
        final long from = step;
        final long to = step + steps;
        QuietFlushes flushes = new QuietFlushes();
        int[] order = deliveryOrder.populations();
        int[] rank = new int[pops.length];
        for (int q = 0; q < order.length; q++) {
            rank[order[q]] = q;
        }
        for (int i : order) {
            pops[i].skipQuiet(from, to);
            pops[i].quietFlushes(from, to, flushes);
        }
        // flush events emitted before the last step are delivered in the stretch, each at its stamp (emitted + 1),
        // in stamp order, then delivery order of populations, then neuron: one sortable key per event
        long[] key = new long[flushes.n];
        int[] firstRank = new int[order.length + 1];
        for (int q = 0; q < order.length; q++) {
            firstRank[q + 1] = firstRank[q] + pops[order[q]].size();
        }
        if (firstRank[order.length] >= 1 << 24 || steps >= 1L << 38) {
            throw new IllegalArgumentException("skipQuiet: " + steps + " steps of a network of " + firstRank[order.length]
                + " neurons exceed the flush-event key (2^38 steps, 2^24 neurons); skip in parts");
        }
        for (int q = 0; q < flushes.n; q++) {
            key[q] = (flushes.at[q] - from) << 24 | (firstRank[rank[flushes.pop[q]]] + flushes.neuron[q]);
        }
        java.util.Arrays.sort(key);
        for (StepEvents[] perWorker : stepEvents) {
            for (StepEvents ev : perWorker) {
                ev.clear();
            }
        }
        for (long kq : key) {
            int g = (int) (kq & ((1 << 24) - 1));
            int q = java.util.Arrays.binarySearch(firstRank, g);
            int r = q >= 0 ? q : -q - 2; // populations are never empty: the starts strictly increase
            int i = order[r];
            int src = g - firstRank[r];
            long stamp = from + (kq >>> 24) + 1;
            if (stamp == to) {
                Population p = pops[i];
                int k = 0;
                while (src >= p.chunk[k + 1]) {
                    k++;
                }
                stepEvents[k][i].flushEvent(src);
                continue;
            }
            for (Projection proj : outgoing[i]) {
                PlasticityRule rule = proj.model().rule();
                if (rule == null) {
                    continue;
                }
                for (int k = 0; k < workers; k++) {
                    Projection.Part part = proj.part(k);
                    if (part.rowPtr[src] != part.rowPtr[src + 1]) {
                        rule.onPresynapticEvent(k, proj, part, src, stamp, true);
                    }
                }
            }
        }
        for (PlasticityRule r : ruleArray) {
            r.skipQuiet(from, to);
        }
        mergeStepEvents();
        step = to;
    }

    /** Flush events of a quiet stretch, growing arrays. */
    private static final class QuietFlushes implements Population.QuietFlushSink {
        int n;
        int[] pop = new int[64];
        int[] neuron = new int[64];
        long[] at = new long[64];

        @Override
        public void flush(int population, int j, long emittedAt) {
            if (n == at.length) {
                pop = java.util.Arrays.copyOf(pop, n * 2);
                neuron = java.util.Arrays.copyOf(neuron, n * 2);
                at = java.util.Arrays.copyOf(at, n * 2);
            }
            pop[n] = population;
            neuron[n] = j;
            at[n++] = emittedAt;
        }
    }

    /** Adds an observer called at the end of every step (any time; between simulate calls). */
    public void addStepObserver(StepObserver o) {
        observers.add(o);
    }

    private void runParallel(long to) {
        runTo = to;
        long from = step;
        for (WorkerThread h : helpers) {
            h.go.release();
        }
        Throwable mainFailure = null;
        try {
            workerLoop(0, from, to);
        } catch (Throwable t) {
            mainFailure = t;
            barrier.abort(t);
        }
        done.acquireUninterruptibly(workers - 1);
        Throwable f = mainFailure != null ? mainFailure : barrier.failure();
        if (f != null) {
            closed = true;
            if (f instanceof RuntimeException re) {
                throw re;
            }
            if (f instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException("simulation failed", f);
        }
    }

    private void workerLoop(int k, long from, long to) {
        for (long t = from; t < to; t++) {
            runStep(k, t);
            if (k == 0) {
                barrierStep = t;
            }
            barrier.await();
        }
    }

    private final class WorkerThread extends Thread {
        final int k;
        final Semaphore go = new Semaphore(0);

        WorkerThread(int k) {
            super("spikestream-sim-" + k);
            this.k = k;
            setDaemon(true);
        }

        @Override
        public void run() {
            while (true) {
                go.acquireUninterruptibly();
                if (closed) {
                    return;
                }
                try {
                    workerLoop(k, step, runTo);
                } catch (Throwable t) {
                    barrier.abort(t);
                } finally {
                    done.release();
                }
            }
        }
    }

    @Override
    public void close() {
        if (closed && !arena.scope().isAlive()) {
            return;
        }
        closed = true;
        if (helpers != null) {
            for (WorkerThread h : helpers) {
                h.go.release();
            }
            for (WorkerThread h : helpers) {
                try {
                    h.join(1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    private void requireBuilding() {
        if (prepared) {
            throw new IllegalStateException("the network is already simulating; create and connect before the first simulate()");
        }
    }

    // ------------------------------------------------------------------ checkpoints

    /** Section names of the engine's part of a checkpoint. */
    public static final String SECTION_PREFIX = "network/";

    /**
     * What a checkpoint of this network must match to be restored into it, one item per line: resolution, thread
     * count and seed, every population (model, size, parameters), every projection (endpoints, synapse model,
     * size and a checksum of its connectivity), every plasticity rule and checkpointed drive (their own shape).
     * Prepares the network.
     */
    public String checkpointShape() {
        prepare();
        StringBuilder b = new StringBuilder();
        b.append("network resolution_ms=").append(grid.resolutionMs()).append(" workers=").append(workers)
            .append(" seed=").append(seed).append('\n');
        for (Population p : pops) {
            b.append("population ").append(p.index()).append(' ').append(p.label()).append(' ')
                .append(p.model().nestName()).append(" n=").append(p.size()).append(" ring=").append(p.ringSlots())
                .append(" params=").append(p.params().asMap()).append('\n');
        }
        for (Projection p : projections) {
            b.append("projection ").append(p.index()).append(' ').append(p.source().index()).append("->")
                .append(p.target().index()).append(' ').append(p.model().name()).append(" receptor=").append(p.receptor())
                .append(" n=").append(p.size()).append(" nnz=[");
            for (int k = 0; k < p.parts(); k++) {
                b.append(k == 0 ? "" : ",").append(p.part(k).nnz);
            }
            b.append("] topology=").append(Long.toHexString(p.topologyChecksum())).append('\n');
        }
        for (int i = 0; i < ruleArray.length; i++) {
            b.append("rule ").append(i).append(' ').append(indent(checkpointable(ruleArray[i], "plasticity rule").checkpointShape()))
                .append('\n');
        }
        for (Population p : pops) {
            if (p.checkpointedDrive() instanceof Checkpointable c) {
                b.append("drive ").append(p.index()).append(' ').append(indent(c.checkpointShape())).append('\n');
            }
        }
        return b.toString();
    }

    private static String indent(String s) {
        return s.strip().replace("\n", "\n  ");
    }

    private static Checkpointable checkpointable(Object component, String what) {
        if (component instanceof Checkpointable c) {
            return c;
        }
        throw new IllegalStateException("the " + what + " " + component.getClass().getName()
            + " does not implement Checkpointable: this network cannot be checkpointed");
    }

    /**
     * Adds the engine's sections to a checkpoint: its shape, the clock and pending events, every population's state
     * and input ring, every projection's weights (straight from off-heap memory), every rule's and checkpointed
     * drive's own section. Call between simulate calls, on the thread that drives the network; the writer runs the
     * sections when it writes. Drives that do not implement {@link Checkpointable} are taken to be stateless;
     * recording devices (spike recorders, multimeters, weight recorders) are observers, not state, and are not saved.
     */
    public void addCheckpointSections(CheckpointWriter w) {
        if (closed) {
            throw new IllegalStateException("network is closed");
        }
        String shape = checkpointShape();
        w.section(SECTION_PREFIX + "shape", out -> out.putString(shape));
        w.section(SECTION_PREFIX + "engine", this::writeEngine);
        for (Population p : pops) {
            w.section(SECTION_PREFIX + "population/" + p.index(), p::writeState);
        }
        for (Projection p : projections) {
            w.section(SECTION_PREFIX + "projection/" + p.index(), out -> {
                for (int k = 0; k < p.parts(); k++) {
                    out.putSegment(weightsOf(p.part(k)));
                }
            });
        }
        for (int i = 0; i < ruleArray.length; i++) {
            w.section(SECTION_PREFIX + "rule/" + i, checkpointable(ruleArray[i], "plasticity rule"));
        }
        for (Population p : pops) {
            if (p.checkpointedDrive() instanceof Checkpointable c) {
                w.section(SECTION_PREFIX + "drive/" + p.index(), c);
            }
        }
    }

    private static MemorySegment weightsOf(Projection.Part part) {
        return part.weights.asSlice(0, part.nnz * SynapseLayout.WEIGHT.byteSize());
    }

    private void writeEngine(StateWriter out) {
        out.putLong(step);
        long[] perWorker = new long[workers];
        for (int k = 0; k < workers; k++) {
            perWorker[k] = synapticEvents[k * 8];
        }
        out.putLongs(perWorker);
        out.putLongs(spikeCounts);
        current.writeState(out);
    }

    /**
     * Restores this network, freshly built with the same shape, to the state of a checkpoint; simulating on then
     * gives bit-identical results to the run that wrote it. The shape is compared and every section checked for
     * presence before any state changes; should a later section still fail, the network is left half restored and
     * must be discarded.
     */
    public void restore(CheckpointReader r) throws CheckpointException {
        if (closed) {
            throw new IllegalStateException("network is closed");
        }
        String shape = checkpointShape();
        String stored = r.section(SECTION_PREFIX + "shape").getString();
        CheckpointReader.compareShapes(r.origin(), stored, shape);
        List<String> needed = new ArrayList<>(List.of(SECTION_PREFIX + "engine"));
        for (Population p : pops) {
            needed.add(SECTION_PREFIX + "population/" + p.index());
            if (p.checkpointedDrive() instanceof Checkpointable) {
                needed.add(SECTION_PREFIX + "drive/" + p.index());
            }
        }
        for (Projection p : projections) {
            needed.add(SECTION_PREFIX + "projection/" + p.index());
        }
        for (int i = 0; i < ruleArray.length; i++) {
            needed.add(SECTION_PREFIX + "rule/" + i);
        }
        for (String name : needed) {
            if (!r.has(name)) {
                throw new CheckpointException(CheckpointException.Kind.MISSING_SECTION, r.origin() + ": no section '" + name + "'");
            }
        }
        StateReader engine = r.section(SECTION_PREFIX + "engine");
        long restoredStep = engine.getLong();
        long[] perWorker = new long[workers];
        engine.readLongs(perWorker, "synaptic events per worker");
        engine.readLongs(spikeCounts, "spike counts");
        current.readState(engine, pops.length);
        engine.expectEnd();
        for (Population p : pops) {
            p.readState(r.section(SECTION_PREFIX + "population/" + p.index()));
        }
        for (Projection p : projections) {
            StateReader in = r.section(SECTION_PREFIX + "projection/" + p.index());
            for (int k = 0; k < p.parts(); k++) {
                in.readSegment(weightsOf(p.part(k)), "weights of part " + k);
            }
            in.expectEnd();
        }
        for (int i = 0; i < ruleArray.length; i++) {
            StateReader in = r.section(SECTION_PREFIX + "rule/" + i);
            checkpointable(ruleArray[i], "plasticity rule").readState(in);
            in.expectEnd();
        }
        for (Population p : pops) {
            if (p.checkpointedDrive() instanceof Checkpointable c) {
                StateReader in = r.section(SECTION_PREFIX + "drive/" + p.index());
                c.readState(in);
                in.expectEnd();
            }
        }
        for (int k = 0; k < workers; k++) {
            synapticEvents[k * 8] = perWorker[k];
        }
        step = restoredStep;
    }

    /** Writes a checkpoint of this network alone (shape = {@link #checkpointShape()}); returns its size in bytes. */
    public long writeCheckpoint(Path file) throws IOException {
        CheckpointWriter w = new CheckpointWriter(checkpointShape());
        addCheckpointSections(w);
        return w.writeAtomically(file);
    }

    /** Restores a checkpoint written by {@link #writeCheckpoint}. */
    public void restoreCheckpoint(Path file) throws IOException {
        try (CheckpointReader r = CheckpointReader.open(file)) {
            r.requireShape(checkpointShape());
            restore(r);
        }
    }

    /** Bytes of a checkpoint of this network's state (a sizing pass: nothing is written). */
    public long checkpointBytes() {
        CheckpointWriter w = new CheckpointWriter("");
        addCheckpointSections(w);
        return w.sizeBytes();
    }

    // ------------------------------------------------------------------ accessors for rules and tools

    public TimeGrid grid() {
        return grid;
    }

    public int workers() {
        return workers;
    }

    public long seed() {
        return seed;
    }

    public Arena arena() {
        return arena;
    }

    /** The next loop step to simulate (= number of steps simulated so far). */
    public long currentStep() {
        return step;
    }

    public List<Population> populations() {
        return Collections.unmodifiableList(populations);
    }

    public List<Projection> projections() {
        return Collections.unmodifiableList(projections);
    }

    public int size() {
        return networkSize;
    }

    /** Population containing global id {@code g}. */
    public Population populationOf(int g) {
        for (Population p : populations) {
            if (g >= p.globalOffset() && g < p.globalOffset() + p.size()) {
                return p;
            }
        }
        throw new IllegalArgumentException("no neuron with global id " + g);
    }

    /** Lets a rule expose a per-neuron quantity to multimeters (e.g. {@code surrogate_gradient}). */
    public void addRecordable(Population pop, String name, Recordable r) {
        pop.addRecordable(name, r);
    }

    /** Synaptic events delivered so far (spikes times the row lengths they were transmitted through). */
    public long synapticEvents() {
        long s = 0;
        if (synapticEvents == null) {
            return 0;
        }
        for (int k = 0; k < workers; k++) {
            s += synapticEvents[k * 8];
        }
        return s;
    }

    /** Spikes emitted so far by {@code pop} (flush events not counted). */
    public long spikeCount(Population pop) {
        return spikeCounts == null ? 0 : spikeCounts[pop.index()];
    }

    /** The events of the stamp about to be delivered (read-only view, valid between simulate calls). */
    public EventList pendingEvents() {
        return current;
    }
}
