package io.spikestream.learner;

import io.spikestream.network.InputPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.TimeGrid;
import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.CheckpointReader;
import io.spikestream.network.checkpoint.CheckpointWriter;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One online learner: a spiking network trained online on one sensor's event stream, never reset (or, with
 * {@code sensor.share_network}, on the windows of every sensor, each sensor's stream kept apart in a
 * {@link SensorLane} of its own). Events and labels go in; {@link Prediction}s come out. The learning rule is a
 * {@link LearnerModel} chosen by {@code network.rule} from the {@link RuleCatalogue}; it builds the network behind the
 * input layer, turns labels into targets and reads the prediction out. How stream time becomes loop steps, when the
 * network runs and when it predicts is the {@link TimeModel} of {@code time.mode}: {@link PerWindowTime} (NEST's
 * N-MNIST protocol, a prediction per labelled window) or {@link ContinuousTime} (a live stream: every event at its own
 * time, a prediction every {@code output.predict_every_ms}, learning where label intervals cover the steps).
 * This class keeps what every mode shares: input mapping and its drop counters, the network and its checkpoint, the
 * learning switch, the raster capture.
 *
 * <p>Stream time drives everything (never wall time, so a replay is deterministic); the only wall-clock input is
 * {@link #idle}, which the pipeline calls for a sensor silent for {@code time.idle_timeout_ms}.
 *
 * <p>Checkpoints ({@link #addCheckpointSections}, {@link #restore}) hold the network's whole state and the learner's
 * own (counters, then the time model's state): a learner restored into a fresh instance of the same settings
 * continues bit-identically. The window policy and the listener are configuration, set again by whoever builds the
 * learner.
 *
 * <p>Not threadsafe: one thread (the pipeline's learner thread) calls it; the network's own workers run inside
 * its calls.
 */
public final class StreamLearner implements AutoCloseable {

    /**
     * What the learner predicted over a span of one sensor's stream time.
     *
     * @param kind            {@code WINDOW}: a labelled window ({@code per_window}); {@code TICK}: one
     *                        {@code output.predict_every_ms} span of a continuous stream, labelled or not;
     *                        {@code INTERVAL}: a labelled interval of a continuous stream, scored at its end
     * @param confidence      softmax probability of the predicted class over the scores (orders predictions; not
     *                        calibrated for rules whose scores are not logits)
     * @param majority        {@code INTERVAL}: the class most of its ticks predicted (-1: none)
     * @param firstCorrectUs  {@code INTERVAL}: stream time from its start to the end of its first correct tick (-1: none)
     */
    public record Prediction(String sampleId, long windowStartUs, long windowEndUs, int label, int predicted,
                             double[] scores, double loss, long modelVersion, boolean learning, String sensorId,
                             Kind kind, double confidence, int majority, long firstCorrectUs) {

        public enum Kind { WINDOW, TICK, INTERVAL }

        /** A labelled window's prediction ({@code per_window}). */
        public Prediction(String sampleId, long windowStartUs, long windowEndUs, int label, int predicted, double[] scores,
                          double loss, long modelVersion, boolean learning, String sensorId) {
            this(sampleId, windowStartUs, windowEndUs, label, predicted, scores, loss, modelVersion, learning, sensorId,
                Kind.WINDOW, StreamLearner.confidence(scores, predicted), -1, -1L);
        }

        public boolean correct() {
            return label >= 0 && predicted == label;
        }
    }

    @FunctionalInterface
    public interface Listener {
        void onPrediction(Prediction p);

        /** A label the time model refused ({@code reason} a stable code, {@code detail} for people); counted already. */
        default void onRejectedLabel(String sensorId, String sampleId, String reason, String detail) {
        }
    }

    /** Counters of everything the learner did not turn into spikes, and of what it did. */
    public static final class Counters {
        public long eventsIn;
        public long eventsMapped;
        public long eventsBlocked;
        public long eventsOutOfGeometry;
        public long eventsUnlabelled;
        public long labelsLate;
        public long windows;
        public long windowsLearned;
        /** {@code continuous}: events behind the simulated steps (beyond the reorder slack). */
        public long eventsLate;
        /** {@code continuous}: events dropped as a clock jump that was not confirmed. */
        public long eventsClockJump;
        /** {@code continuous}: times the sensor's clock was re-anchored after a confirmed jump. */
        public long clockReanchors;
        /** {@code continuous}: silences longer than {@code time.max_simulated_gap_us}, and the stream time not simulated. */
        public long gapsCollapsed;
        public long gapSkippedUs;
        /** {@code continuous}: tick predictions made. */
        public long ticks;
        /**
         * {@code sensor.share_network}: sensors' lanes dropped to keep at most {@code models.max_lanes} (in memory only,
         * not in checkpoints).
         */
        public long lanesRetired;
        /** {@code continuous}: labels refused, by {@link ContinuousTime.LabelOutcome} ordinal. */
        public final long[] labelsRejected = new long[ContinuousTime.LabelOutcome.values().length];

        /** Labels refused, by reason code (only reasons that occurred). */
        public Map<String, Long> labelsRejectedByReason() {
            Map<String, Long> m = new LinkedHashMap<>();
            for (ContinuousTime.LabelOutcome o : ContinuousTime.LabelOutcome.values()) {
                if (labelsRejected[o.ordinal()] > 0) {
                    m.put(o.name().toLowerCase(java.util.Locale.ROOT), labelsRejected[o.ordinal()]);
                }
            }
            return m;
        }

        public long labelsRejectedTotal() {
            long n = 0;
            for (long v : labelsRejected) {
                n += v;
            }
            return n;
        }
    }

    /** The model id under which every sensor of a shared network ({@code sensor.share_network}) is kept. */
    public static final String SHARED_MODEL_ID = "shared";

    private final Settings settings;
    private final Listener listener;
    final Network net;
    final LearnerModel model;
    private final InputPopulation in;
    private final Population rec;
    /** The sensor's input mapping; every lane maps through a copy with a hot-pixel filter of its own. */
    private final InputMapper mapper;
    final boolean shared;
    final Counters counters = new Counters();
    final SensorLanes lanes;
    final ScheduledInput input = new ScheduledInput();
    final RasterCapture raster;
    final TimeModel time;
    private final int classes;

    private boolean learning = true;
    private boolean frozen;
    /** Continuous time with {@code time.label_delay_us > 0}: the tick predictions that do not wait (else null). */
    private PredictionPreview preview;
    private java.util.function.Predicate<String> policy = id -> true;

    public StreamLearner(Settings s, Listener listener) throws IOException {
        s = s.resolved("per_window");
        this.settings = s;
        this.listener = listener;
        String mode = s.s("time.mode");
        if (!mode.equals("per_window") && !mode.equals("continuous")) {
            throw new IllegalArgumentException("time.mode must be per_window or continuous, got '" + mode + "'");
        }
        classes = s.i("supervision.classes");
        String bl = s.s("sensor.blocklist");
        int[] blocklist = bl.isBlank() ? new int[0] : InputMapper.readBlocklist(Path.of(bl));
        mapper = new InputMapper(s.i("sensor.width"), s.i("sensor.height"), s.i("sensor.pool"), blocklist,
            s.l("sensor.hot_pixel_refractory_us"));
        shared = s.b("sensor.share_network");
        lanes = new SensorLanes(mapper, shared, s.i("models.max_lanes"), counters);
        if (shared && mode.equals("continuous")) {
            throw new IllegalArgumentException("sensor.share_network needs time.mode=per_window (a continuous stream "
                + "keeps one network per sensor: sensors' clocks cannot share one step line)");
        }
        net = new Network(TimeGrid.of(1.0), s.i("network.threads"), s.l("network.seed"));
        try {
            model = RuleCatalogue.build(s, net, mapper.inputs(), input);
            if (mode.equals("continuous") && !model.supportsContinuous()) {
                throw new IllegalArgumentException("network.rule '" + s.s("network.rule") + "' learns in windows: it "
                    + "supports time.mode=per_window only (continuous: " + String.join(", ", RuleCatalogue.continuousRules())
                    + ")");
            }
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
        in = model.input();
        rec = model.hidden();
        raster = new RasterCapture(net, in, rec);
        try {
            time = mode.equals("per_window") ? new PerWindowTime(this, s) : new ContinuousTime(this, s, lanes.get(""));
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
        net.addStepObserver(time::onStep);
        net.addStepObserver(raster::onStep);
        try {
            net.prepare();
            if (mode.equals("continuous") && s.l("time.label_delay_us") > 0) {
                preview = new PredictionPreview(this, s, listener);
            }
        } catch (RuntimeException | IOException e) {
            net.close();
            throw e;
        }
    }

    /**
     * {@code time.mode = auto} resolved for a command: {@code preferred} ({@code continuous} for {@code run} and
     * {@code learn}, {@code per_window} for {@code nmnist} and {@code demo}), except that a rule which learns in windows
     * or a shared network gets {@code per_window}. Settings with an explicit mode are returned as they are.
     */
    public static Settings resolveTimeMode(Settings s, String preferred) {
        if (!s.s("time.mode").equals("auto")) {
            return s;
        }
        boolean windowsOnly = !RuleCatalogue.rule(s.s("network.rule")).continuous() || s.b("sensor.share_network");
        return s.resolved(windowsOnly ? "per_window" : preferred);
    }

    /** Softmax probability of class {@code best} over {@code scores} (max-shifted, so it never overflows). */
    public static double confidence(double[] scores, int best) {
        if (best < 0 || best >= scores.length) {
            return Double.NaN;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double v : scores) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : scores) {
            sum += Math.exp(v - max);
        }
        return Math.exp(scores[best] - max) / sum;
    }

    // ------------------------------------------------------------------ for the time models

    void emit(Prediction p) {
        if (preview != null && p.kind() == Prediction.Kind.TICK) {
            return; // the preview publishes the ticks, at once (this learner runs label_delay_us behind)
        }
        listener.onPrediction(p);
    }

    void rejectedLabel(String sensorId, String sampleId, String reason, String detail) {
        listener.onRejectedLabel(sensorId, sampleId, reason, detail);
    }

    boolean learnsFrom(String sampleId) {
        return policy.test(sampleId);
    }

    String sensorName(SensorLane lane) {
        return lane.sensorId.isEmpty() ? "(this learner's)" : lane.sensorId;
    }

    SensorLane newLane(String sensorId) {
        return lanes.newLane(sensorId);
    }

    /** A time model read its state: these are the lanes now, and the learning switch. */
    void restored(Map<String, SensorLane> read, boolean learn) {
        lanes.replaceWith(read);
        learning = learn && !frozen;
    }

    void restoredLearning(boolean learn) {
        learning = learn && !frozen;
        if (time instanceof ContinuousTime) {
            model.setLearning(learning);
        }
    }

    // ------------------------------------------------------------------ raster, structure

    /** Spikes (stamp in steps, global neuron id) of the input and recurrent neurons in the last completed window. */
    public long[] lastWindowSpikeSteps() {
        return raster.lastSteps();
    }

    public int[] lastWindowSpikeIds() {
        return raster.lastIds();
    }

    /** [from, to) steps of the last completed window. */
    public long[] lastWindowSteps() {
        return raster.lastRange();
    }

    public Population input() {
        return in;
    }

    /**
     * The plastic projections by name: {@code input->recurrent}, {@code recurrent->recurrent} (if any),
     * {@code recurrent->readout} for the e-prop rules; {@code input->hidden}, {@code hidden->output} for SuperSpike
     * and EventProp.
     */
    public Map<String, Projection> projections() {
        return model.projections();
    }

    /** The current weights of a projection, in storage order. */
    public static double[] weights(Projection p) {
        double[] w = new double[(int) p.size()];
        int[] k = {0};
        p.forEachSynapse((part, i, src, tgt, x) -> w[k[0]++] = x);
        return w;
    }

    /** Spikes of the recurrent population so far. */
    public long recurrentSpikes() {
        return net.spikeCount(rec);
    }

    public Settings settings() {
        return settings;
    }

    public Network network() {
        return net;
    }

    public Counters counters() {
        return counters;
    }

    public int inputs() {
        return mapper.inputs();
    }

    /** The hidden population (recurrent for the e-prop rules). */
    public Population recurrent() {
        return rec;
    }

    /** The population the predictions are read from. */
    public Population output() {
        return model.output();
    }

    /** The value of {@code network.rule}, as configured (an alias stays an alias here). */
    public String rule() {
        return model.rule();
    }

    /** The value of {@code time.mode} this learner runs. */
    public String timeMode() {
        return time.mode();
    }

    /** Bytes of learning state the rule keeps per plastic synapse besides the engine's target index and weight. */
    public double ruleStateBytesPerSynapse() {
        long n = plasticSynapses();
        return n == 0 ? 0.0 : model.ruleStateBytes() / (double) n;
    }

    // ------------------------------------------------------------------ learning switch

    /**
     * Learning on (the configured rate) or off (for e-prop eta 0, as NEST's test phase; one update late per synapse)
     * for windows from now on. Windows whose events are all in but that have not run yet keep the setting they were
     * labelled with; call {@link #flushWindows} first to close a phase. Ignored once {@link #freeze frozen}.
     */
    public void setLearning(boolean on) {
        learning = on && !frozen;
        if (time instanceof ContinuousTime) {
            model.setLearning(learning);
        }
    }

    /**
     * Inference only, for good ({@code run --frozen}): learning off as {@link #setLearning setLearning(false)} from
     * now on, whatever labels arrive; the model's shape and checkpoint layout do not change.
     */
    public void freeze() {
        setLearning(false);
        frozen = true;
    }

    public boolean frozen() {
        return frozen;
    }

    /** Decides per window whether it is learned from (default: every labelled window while learning is on). */
    public void setWindowPolicy(java.util.function.Predicate<String> learnOnSample) {
        this.policy = learnOnSample;
    }

    /** Runs every window whose label is known, as if the stream had passed their ends (a phase boundary). */
    public void flushWindows() {
        time.flush();
    }

    public boolean learning() {
        return learning;
    }

    // ------------------------------------------------------------------ input

    /** A label for [startUs, endUs) of this learner's sensor; class -1 = unsupervised window (scored, not learned). */
    public void onLabel(String sampleId, long startUs, long endUs, int label) {
        onLabel("", sampleId, startUs, endUs, label);
    }

    /**
     * A label for [startUs, endUs) of stream time of sensor {@code sensorId} (a shared network keeps each sensor's
     * clock apart; a learner of its own sensor ignores the id). {@code per_window}: class -1 = unsupervised window
     * (scored, not learned); {@code continuous}: see {@link ContinuousTime} for what a label may be.
     */
    public void onLabel(String sensorId, String sampleId, long startUs, long endUs, int label) {
        time.onLabel(lanes.of(sensorId, time), sampleId, startUs, endUs, label);
        if (preview != null && preview.ahead().time instanceof ContinuousTime ct && ct.notYetSimulated(startUs)) {
            // for the label field of the preview's ticks; one it has passed would only be refused there
            preview.ahead().onLabel(sensorId, sampleId, startUs, endUs, label);
        }
    }

    /** Events of this learner's sensor, in time order (stream time, microseconds). */
    public void onEvents(int[] x, int[] y, byte[] p, long[] tUs, int n) {
        onEvents("", x, y, p, tUs, n);
    }

    /** Events of sensor {@code sensorId}, in that sensor's time order (stream time, microseconds). */
    public void onEvents(String sensorId, int[] x, int[] y, byte[] p, long[] tUs, int n) {
        SensorLane lane = lanes.of(sensorId, time);
        InputMapper m = lane.mapper;
        TimeModel tm = time;
        for (int i = 0; i < n; i++) {
            counters.eventsIn++;
            if (!m.inside(x[i], y[i])) {
                counters.eventsOutOfGeometry++;
                continue;
            }
            int neuron = m.map(x[i], y[i], p[i], tUs[i]);
            if (neuron == InputMapper.DROPPED) {
                counters.eventsBlocked++;
                continue;
            }
            tm.accept(lane, tUs[i], neuron);
        }
        tm.onEvents(lane);
        if (preview != null) {
            preview.sync();
            preview.ahead().onEvents(sensorId, x, y, p, tUs, n);
        }
    }

    /**
     * The sensor has been silent for {@code time.idle_timeout_ms} of wall-clock time: its stream is moved on past its
     * newest event (as a watermark of an idle source), so its last predictions come out. Returns whether anything
     * ran. Events that arrive later behind what ran are counted late.
     */
    public boolean idle(String sensorId) {
        SensorLane lane = lanes.existing(sensorId);
        boolean ran = lane != null && time.idle(lane);
        if (preview != null) {
            preview.sync();
            ran |= preview.ahead().idle(sensorId);
        }
        return ran;
    }

    /** Sensors seen so far (one, "", in a learner of its own sensor). */
    public Set<String> sensors() {
        return lanes.ids();
    }

    /** Whether this learner is one network shared by every sensor ({@code sensor.share_network}). */
    public boolean shared() {
        return shared;
    }

    /** End of the stream: process everything pending and complete the last predictions. */
    public void finish() {
        time.finish();
        if (preview != null) {
            preview.sync();
            preview.ahead().finish();
        }
    }

    // ------------------------------------------------------------------ checkpoints

    /** Settings blocks that do not shape a model (operational policy): changing them keeps checkpoints usable. */
    public static final String[] OPERATIONAL_SETTINGS = {"checkpoint", "models", "output", "pipeline", "processing"};

    /**
     * Heap bytes the learner holds beside its network's state: events buffered or scheduled and not yet simulated, and
     * labelled windows waiting, i.e. what grows with a sensor's rate and its labels' delay ({@code time.lateness_us}, a
     * label far in the future). Cheap: capacities kept by the buffers, one visit per lane.
     */
    public long heldBytes() {
        return input.heapBytes() + lanes.heapBytes();
    }

    /**
     * Stream time of the latest event consumed, in microseconds ({@code Long.MIN_VALUE} before the first); of a shared
     * network, the latest over its sensors.
     */
    public long streamTimeUs() {
        return lanes.newestEventUs();
    }

    /**
     * What a checkpoint of this learner must match: its settings (without operational blocks, the blocks of other
     * rules and the keys of the other time mode, the rule by its checkpoint name) and its network.
     */
    public String checkpointShape() {
        List<String> without = new ArrayList<>(List.of(OPERATIONAL_SETTINGS));
        without.addAll(RuleCatalogue.foreignSettings(settings.s("network.rule")));
        without.addAll(List.of(time.mode().equals("per_window") ? CONTINUOUS_KEYS : PER_WINDOW_KEYS));
        if (!shared) {
            // a learner of its own sensor keeps the shape it had before sharing existed: older checkpoints restore
            without.add("sensor.share_network");
        }
        Settings shape = settings.with("network.rule", RuleCatalogue.checkpointName(settings.s("network.rule")));
        return "learner settings " + shape.toJsonWithout(without.toArray(new String[0])) + "\n" + net.checkpointShape();
    }

    /** Keys only the continuous time model reads (not part of a per_window checkpoint's shape, which predates them). */
    static final String[] CONTINUOUS_KEYS = {"time.reorder_slack_us", "time.label_delay_us", "time.max_label_us",
        "time.max_pending_labels", "time.idle_timeout_ms", "time.max_jump_ahead_us", "time.max_jump_back_us",
        "time.jump_confirm_events", "time.max_simulated_gap_us", "supervision.interval_tail_us"};
    /** Keys only the per_window time model reads. */
    static final String[] PER_WINDOW_KEYS = {"time.window_norm_us", "time.lateness_us"};

    /** Adds the network's sections and the learner's own ({@code learner}) to a checkpoint. */
    public void addCheckpointSections(CheckpointWriter w) {
        net.addCheckpointSections(w);
        w.section("learner", this::writeState);
    }

    /** Restores a checkpoint of a learner with the same settings (shape checked by the caller or the network). */
    public void restore(CheckpointReader r) throws CheckpointException {
        StateReader in = r.section("learner");
        net.restore(r);
        readState(in);
        in.expectEnd();
        if (preview != null) {
            preview.sync(); // the restored weights; the preview's neurons start at rest (it is not checkpointed)
        }
    }

    /* Layout of the "learner" section: the eight counters, then the time model's state (see each model). */
    private void writeState(StateWriter out) {
        Counters c = counters;
        out.putLongs(new long[] {c.eventsIn, c.eventsMapped, c.eventsBlocked, c.eventsOutOfGeometry, c.eventsUnlabelled,
            c.labelsLate, c.windows, c.windowsLearned});
        time.writeState(out);
    }

    // the time model reads everything before it applies anything: a checkpoint that fails half-way changes nothing
    private void readState(StateReader in) throws CheckpointException {
        long[] c = new long[8];
        in.readLongs(c, "counters");
        time.readState(in);
        counters.eventsIn = c[0];
        counters.eventsMapped = c[1];
        counters.eventsBlocked = c[2];
        counters.eventsOutOfGeometry = c[3];
        counters.eventsUnlabelled = c[4];
        counters.labelsLate = c[5];
        counters.windows = c[6];
        counters.windowsLearned = c[7];
    }

    /** Current settings and counters, for a run summary. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("inputs", mapper.inputs());
        m.put("recurrent", rec.size());
        m.put("readouts", classes);
        m.put("plastic_synapses", plasticSynapses());
        m.put("rule", model.rule());
        m.put("rule_state_bytes_per_synapse", ruleStateBytesPerSynapse());
        return m;
    }

    /** Synapses whose weights the rule learns (spike-carrying projections of a plasticity rule). */
    public long plasticSynapses() {
        return net.projections().stream().filter(p -> p.model().rule() != null && p.model().carriesSpikes())
            .mapToLong(Projection::size).sum();
    }

    @Override
    public void close() {
        if (preview != null) {
            preview.close();
        }
        net.close();
    }
}
