package io.spikestream.network;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * A group of neurons of one model with one parameter set (PyNEST's {@code Create(model, n, params)}).
 * State is structure-of-arrays over the population's neurons; neuron {@code i} of the population has the
 * network-wide id {@code globalOffset() + i}, assigned in creation order, which is also the order in which
 * their events are delivered.
 *
 * <p>Threading: with W workers, the neurons are split into W contiguous chunks; worker k alone updates
 * chunk k and alone writes its input buffer entries. The chunks set here (even) hold while building;
 * {@link WorkerSplit} may move them when the network is prepared.
 */
public abstract sealed class Population permits InputPopulation, LifPopulation, ReadoutPopulation,
    BsshslmLifPopulation, BsshslmReadoutPopulation, CurrentLifPopulation, SpikeGeneratorPopulation {

    protected final int index;
    protected final String label;
    protected final NeuronModel model;
    protected final Params params;
    protected final int size;
    protected final int globalOffset;

    /** Chunk k of the population is [chunk[k], chunk[k+1]). */
    int[] chunk;
    /** Ring of pending input per delay slot: input[slot * size + neuron]. */
    protected double[] input;
    protected int ringSlots = 1;
    /** Steps between flush events of a silent neuron (NEST's flush_event_send_interval); NEVER = off. */
    protected long flushSteps = TimeGrid.NEVER;
    /** Loop step of the last spike or flush event (0 = none yet, as in NEST). */
    protected long[] lastEvent;
    protected TimeGrid grid;
    /** NEST node id of local neuron 0; 0 = creation order ({@code globalOffset + 1}). */
    long firstNestNodeId;

    private final Map<String, Recordable> recordables = new TreeMap<>();

    Population(int index, String label, NeuronModel model, Params params, int size, int globalOffset) {
        if (size <= 0) {
            throw new IllegalArgumentException("population size must be positive, got " + size);
        }
        this.index = index;
        this.label = label;
        this.model = model;
        this.params = params;
        this.size = size;
        this.globalOffset = globalOffset;
    }

    static Population create(int index, String label, NeuronModel model, Params params, int size, int offset,
                             int workers, TimeGrid grid) {
        Population p = switch (model) {
            case EPROP_IAF_BSSHSLM_2020, EPROP_IAF_ADAPT_BSSHSLM_2020 ->
                new BsshslmLifPopulation(index, label, model, params, size, offset);
            case EPROP_READOUT_BSSHSLM_2020 -> new BsshslmReadoutPopulation(index, label, model, params, size, offset);
            case IAF_PSC_EXP_EULER, LIF_PSC_EXP, LI_PSC_EXP -> new CurrentLifPopulation(index, label, model, params, size, offset);
            default -> switch (model.kind()) {
                case GENERATOR -> new SpikeGeneratorPopulation(index, label, model, params, size, offset);
                case INPUT -> new InputPopulation(index, label, model, params, size, offset);
                case RECURRENT -> new LifPopulation(index, label, model, params, size, offset);
                case READOUT -> new ReadoutPopulation(index, label, model, params, size, offset);
            };
        };
        p.grid = grid;
        p.chunk = new int[workers + 1];
        if (model.kind() == NeuronModel.Kind.INPUT || model.kind() == NeuronModel.Kind.GENERATOR) {
            // generators and parrots have few incoming synapses at most: one worker emits them all
            Arrays.fill(p.chunk, 1, workers + 1, size);
        } else {
            for (int k = 0; k <= workers; k++) {
                p.chunk[k] = (int) ((long) size * k / workers);
            }
        }
        return p;
    }

    void prepare(TimeGrid grid, int ringSlots) {
        this.grid = grid;
        this.ringSlots = Math.max(1, ringSlots);
        this.input = new double[this.ringSlots * size];
        this.lastEvent = new long[size];
        if (params.has("flush_event_send_interval")) {
            this.flushSteps = grid.steps(params.d("flush_event_send_interval"));
        }
        prepareState();
    }

    protected abstract void prepareState();

    /** Checkpoint: the last-event stamps, the input ring and the model's own state (between simulate calls). */
    final void writeState(StateWriter out) {
        out.putLongs(lastEvent);
        out.putDoubles(input);
        writeModelState(out);
    }

    final void readState(StateReader in) throws CheckpointException {
        in.readLongs(lastEvent, "lastEvent");
        in.readDoubles(input, "input ring");
        readModelState(in);
        in.expectEnd();
    }

    protected abstract void writeModelState(StateWriter out);

    protected abstract void readModelState(StateReader in) throws CheckpointException;

    /** The drive whose state is checkpointed with this population, or null. */
    Object checkpointedDrive() {
        return null;
    }

    /** Phase A of loop step t: take rate/drive inputs for the chunk (before spikes are delivered). */
    void beginStep(long t, int from, int to) {
    }

    /** Phase C of loop step t: integrate, spike, flush, for neurons [from, to). */
    abstract void update(long t, int from, int to, StepEvents out);

    /**
     * Whether this population accepts {@code rate_connection_delayed} connections on {@code receptor}; throws
     * with the reason if not. Called by {@link Network#connect}.
     */
    void checkRateInput(Population source, int receptor) {
        throw new IllegalArgumentException(model.nestName() + " population '" + label + "' does not accept "
            + SynapseModel.RATE_CONNECTION_DELAYED + " connections");
    }

    /** Hands over an incoming {@code rate_connection_delayed} projection (topology frozen, before the first step). */
    void attachRateInput(Projection projection) {
        throw new IllegalStateException("unexpected rate input " + projection);
    }

    // ------------------------------------------------------------------ quiet stretches (Network#skipQuiet)

    /**
     * Whether steps without any input can be carried in closed form from the current state: no input pending in
     * the ring, and (per model) no neuron that could spike with no input. Default: not supported.
     */
    boolean quiet(long step) {
        return false;
    }

    /**
     * Carries the state over loop steps [from, to) with no input and no spike, leaving every array exactly as
     * stepping would (the same arithmetic per step; see {@link Network#skipQuiet}). Flush events are not this
     * method's concern: {@link #quietFlushes} reports them and moves {@link #lastEvent}. Only when {@link #quiet}.
     */
    void skipQuiet(long from, long to) {
        throw new UnsupportedOperationException(model.nestName() + " cannot skip quiet steps");
    }

    /** Whether every slot of the input ring is zero. */
    final boolean inputRingEmpty() {
        for (double x : input) {
            if (x != 0.0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The flush events a silent neuron emits in [from, to) (as {@link #flushDue} would decide step by step:
     * every {@link #flushSteps} after its last event), handed to {@code sink} in time order per neuron;
     * {@link #lastEvent} moves to the last of them.
     */
    final void quietFlushes(long from, long to, QuietFlushSink sink) {
        if (flushSteps == TimeGrid.NEVER) {
            return;
        }
        for (int j = 0; j < size; j++) {
            long last = lastEvent[j];
            if (last <= 0) {
                continue;
            }
            long e = last + flushSteps < from ? from : last + flushSteps;
            for (; e < to; e += flushSteps) {
                sink.flush(index, j, e);
                lastEvent[j] = e;
            }
        }
    }

    /** Receives the flush events of a quiet stretch: population index, neuron, the step that emits it. */
    interface QuietFlushSink {
        void flush(int population, int neuron, long emittedAt);
    }

    protected final boolean flushDue(int j, long t) {
        long last = lastEvent[j];
        return last > 0 && t - last >= flushSteps;
    }

    protected final void register(String name, Recordable r) {
        recordables.put(name, r);
    }

    public Recordable recordable(String name) {
        Recordable r = recordables.get(name);
        if (r == null) {
            throw new IllegalArgumentException(model.nestName() + " population '" + label + "' has no recordable '"
                + name + "'; it has " + recordables.keySet());
        }
        return r;
    }

    public boolean hasRecordable(String name) {
        return recordables.containsKey(name);
    }

    public java.util.Set<String> recordableNames() {
        return java.util.Collections.unmodifiableSet(recordables.keySet());
    }

    void addRecordable(String name, Recordable r) {
        register(name, r);
    }

    public int index() {
        return index;
    }

    public String label() {
        return label;
    }

    public NeuronModel model() {
        return model;
    }

    public Params params() {
        return params;
    }

    public int size() {
        return size;
    }

    public int globalOffset() {
        return globalOffset;
    }

    /** NEST's node id of local neuron {@code local} (see {@link Network#setNestNodeIds}). */
    public long nestNodeId(int local) {
        return (firstNestNodeId > 0 ? firstNestNodeId : globalOffset + 1L) + local;
    }

    public int chunkStart(int worker) {
        return chunk[worker];
    }

    public int chunkEnd(int worker) {
        return chunk[worker + 1];
    }

    public long flushSteps() {
        return flushSteps;
    }

    /** The input ring (slot-major); deposits for loop step t go to slot {@code t % ringSlots()}. */
    public double[] inputRing() {
        return input;
    }

    public int ringSlots() {
        return ringSlots;
    }

    @Override
    public String toString() {
        return model.nestName() + "[" + label + ", n=" + size + ", ids " + globalOffset + ".." + (globalOffset + size - 1) + "]";
    }
}
