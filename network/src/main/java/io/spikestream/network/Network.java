package io.spikestream.network;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.CheckpointReader;
import io.spikestream.network.checkpoint.CheckpointWriter;
import io.spikestream.network.checkpoint.Checkpointable;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

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
 * results are bit-identical for any thread count. The chunks are even while building and balanced by estimated
 * cost when the network is prepared ({@link WorkerSplit}), which may split the projections again.
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
    private PlasticityRule[] ruleArray;
    /** Phase B and the events between steps. */
    private SpikeDelivery delivery;
    private int virtualProcesses = 1;
    /** The worker threads, when {@code workers > 1} (else null: the caller's thread runs every step). */
    private StepWorkers stepWorkers;
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
        // each projection's segments in an arena of their own: WorkerSplit may replace them before the first step
        Arena own = Arena.ofShared();
        Projection proj;
        try {
            proj = ProjectionBuilder.build(projections.size(), pre, post, sm, syn.receptor(),
                mix(seed, projections.size()), (rng, sink) -> ConnectionGenerator.generate(pre, post, conn, rng, sink),
                syn, delaysMs == null ? null : i -> delaySteps(delaysMs[i]),
                delaysMs == null ? delaySteps(syn.delayMs()) : 0, workers, own);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
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
            try {
                stepWorkers.run(step, to);
            } catch (RuntimeException | Error e) {
                closed = true;
                throw e;
            }
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
        WorkerSplit.balance(populations, projections, workers);
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
        delivery = new SpikeDelivery(pops, projections, workers, virtualProcesses, weightRecorders);
        ruleArray = rules.toArray(new PlasticityRule[0]);
        for (PlasticityRule r : ruleArray) {
            r.attach(this);
        }
        for (Object[] pm : pendingMultimeter) {
            ((Multimeter) pm[0]).add((Population) pm[1], (Integer) pm[2]);
        }
        prepared = true;
        if (workers > 1) {
            stepWorkers = new StepWorkers(workers, new StepWorkers.Step() {
                @Override
                public void run(int worker, long t) {
                    runStep(worker, t);
                }

                @Override
                public void end(long t) {
                    endOfStep(t);
                }
            });
        }
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
        delivery.deliver(k, t);
        // C: update neurons
        final StepEvents[] mine = delivery.eventsOf(k);
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
        EventList merged = delivery.merge();
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

    // ------------------------------------------------------------------ quiet stretches

    /**
     * Whether {@link #skipQuiet} can carry the next steps in closed form now: the network is prepared, no event is
     * pending for the current step, no recorder is attached, every population is {@code quiet} (no input pending,
     * its drive silent from here on, no neuron able to reach threshold without input) and every rule is
     * {@link PlasticityRule#quietSkippable}.
     */
    public boolean canSkipQuiet() {
        if (!prepared || closed || delivery.current().count != 0 || !spikeRecorders.isEmpty() || !multimeters.isEmpty()
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
     * the stretch reach the rules with their own stamps ({@link SpikeDelivery#deliverQuietFlushes}); those emitted in
     * the last step are the next step's events, as after a step. Then each rule carries its own state
     * ({@link PlasticityRule#skipQuiet}). Step observers are not called for the skipped steps.
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
        for (int i : delivery.order().populations()) {
            pops[i].skipQuiet(from, to);
            pops[i].quietFlushes(from, to, flushes);
        }
        delivery.deliverQuietFlushes(from, to, flushes);
        for (PlasticityRule r : ruleArray) {
            r.skipQuiet(from, to);
        }
        delivery.merge();
        step = to;
    }

    /** Adds an observer called at the end of every step (any time; between simulate calls). */
    public void addStepObserver(StepObserver o) {
        observers.add(o);
    }

    @Override
    public void close() {
        if (closed && !arena.scope().isAlive()) {
            return;
        }
        closed = true;
        if (stepWorkers != null) {
            stepWorkers.close();
        }
        if (arena.scope().isAlive()) {
            for (Projection p : projections) {
                p.close();
            }
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
        return NetworkCheckpoint.shape(this);
    }

    /**
     * Adds the engine's sections to a checkpoint: its shape, the clock and pending events, every population's state
     * and input ring, every projection's weights (straight from off-heap memory), every rule's and checkpointed
     * drive's own section. Call between simulate calls, on the thread that drives the network; the writer runs the
     * sections when it writes. Drives that do not implement {@link Checkpointable} are taken to be stateless;
     * recording devices (spike recorders, multimeters, weight recorders) are observers, not state, and are not saved.
     */
    public void addCheckpointSections(CheckpointWriter w) {
        NetworkCheckpoint.addSections(this, w);
    }

    /**
     * Restores this network, freshly built with the same shape, to the state of a checkpoint; simulating on then
     * gives bit-identical results to the run that wrote it. The shape is compared and every section checked for
     * presence before any state changes; should a later section still fail, the network is left half restored and
     * must be discarded.
     */
    public void restore(CheckpointReader r) throws CheckpointException {
        NetworkCheckpoint.restore(this, r);
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

    boolean isClosed() {
        return closed;
    }

    /** The populations as the engine holds them (after {@link #prepare}). */
    Population[] preparedPopulations() {
        return pops;
    }

    /** The plasticity rules as the engine calls them (after {@link #prepare}). */
    PlasticityRule[] preparedRules() {
        return ruleArray;
    }

    SpikeDelivery delivery() {
        return delivery;
    }

    /** Sets the clock (a checkpoint's restore). */
    void setCurrentStep(long restored) {
        step = restored;
    }

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
        return delivery == null ? 0 : delivery.totalSynapticEvents();
    }

    /** Spikes emitted so far by {@code pop} (flush events not counted). */
    public long spikeCount(Population pop) {
        return delivery == null ? 0 : delivery.spikeCounts()[pop.index()];
    }

    /** The events of the stamp about to be delivered (read-only view, valid between simulate calls). */
    public EventList pendingEvents() {
        return delivery == null ? null : delivery.current();
    }
}
