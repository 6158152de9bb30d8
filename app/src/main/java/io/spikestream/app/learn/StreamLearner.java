package io.spikestream.app.learn;

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
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One online learner: a spiking network trained online on one sensor's event stream, never reset (or, with
 * {@code sensor.share_network}, on the windows of every sensor, each sensor's stream kept apart in a {@link Lane}
 * of its own). Events and labels go in; a {@link Prediction} comes out for every labelled window. The learning
 * rule is a {@link LearnerModel} chosen by {@code network.rule}: event-driven e-prop ({@code fast}, {@code nest};
 * the default), time-driven e-prop ({@code bsshslm}), SuperSpike ({@code superspike}) or EventProp
 * ({@code eventprop}); it builds the network behind the input layer, turns labels into targets and reads the
 * prediction out. Everything else here is the same for every rule.
 *
 * <p>Stream time drives everything (never wall time, so a replay is deterministic). In {@code per_window} time
 * mode (NEST's N-MNIST protocol) every labelled window occupies exactly {@code steps_per_window} steps, events
 * placed at {@code round(t_rel * steps / window_norm_us)} (half to even, as NumPy); windows follow each other
 * with no reset and no gap. The model supervises each window and names its scoring range (for e-prop: the one-hot
 * target, the learning signal for the last {@code learning_window_steps}, the argmax of the mean readout signal over
 * the last {@code score_window_steps}, as in NEST's example). A window is processed once its end is passed by the
 * event stream (or by {@link #finish}); events
 * no label covers after {@code lateness_us} of stream time are dropped and counted, and so are labels that
 * arrive after their window was simulated.
 *
 * <p>Checkpoints ({@link #addCheckpointSections}, {@link #restore}) hold the network's whole state and the learner's
 * own (event buffer, pending windows, scheduled input, supervision, scoring, counters, hot-pixel filter): a learner
 * restored into a fresh instance of the same settings continues bit-identically. The window policy and the
 * listener are configuration, set again by whoever builds the learner. Every rule's state is in the network's
 * checkpoint (each rule writes its own section).
 *
 * <p>Not threadsafe: one thread (the pipeline's learner thread) calls it; the network's own workers run inside
 * its calls.
 */
public final class StreamLearner implements AutoCloseable {

    /** The outcome of one labelled window, scored before (or while) it was learned from. */
    public record Prediction(String sampleId, long windowStartUs, long windowEndUs, int label, int predicted,
                             double[] scores, double loss, long modelVersion, boolean learning, String sensorId) {
        public boolean correct() {
            return label >= 0 && predicted == label;
        }
    }

    @FunctionalInterface
    public interface Listener {
        void onPrediction(Prediction p);
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
    }

    /** A labelled window of one sensor's stream ({@code sensorId} "" in a learner of its own sensor). */
    private record Window(String sensorId, String sampleId, long startUs, long endUs, int label, boolean learn) {
    }

    /** The model id under which every sensor of a shared network ({@code sensor.share_network}) is kept. */
    public static final String SHARED_MODEL_ID = "shared";

    /**
     * One sensor's side of the stream: its events waiting for their labels, its labelled windows and its own stream
     * clock. A learner of its own sensor has one lane; a shared network ({@code sensor.share_network}) one per sensor
     * (created on first sight), because sensors' clocks are unrelated: a window runs once its own sensor's stream has
     * passed its end, so the shared network learns the sensors' windows one after another in the order they complete.
     */
    private static final class Lane {
        final String sensorId;
        final InputMapper mapper;
        final TreeMap<Long, Window> windows = new TreeMap<>();
        long[] bufT = new long[4096];
        int[] bufIn = new int[4096];
        int bufHead;
        int bufCount;
        long maxEventUs = Long.MIN_VALUE;
        long processedUpToUs = Long.MIN_VALUE;
        long droppedUpToUs = Long.MIN_VALUE;

        Lane(String sensorId, InputMapper mapper) {
            this.sensorId = sensorId;
            this.mapper = mapper;
        }

        void compactOrGrow() {
            if (bufHead > 0) {
                System.arraycopy(bufT, bufHead, bufT, 0, bufCount - bufHead);
                System.arraycopy(bufIn, bufHead, bufIn, 0, bufCount - bufHead);
                bufCount -= bufHead;
                bufHead = 0;
            }
            if (bufCount == bufT.length) {
                bufT = Arrays.copyOf(bufT, bufT.length * 2);
                bufIn = Arrays.copyOf(bufIn, bufIn.length * 2);
            }
        }

        void writeBuffer(StateWriter out) {
            out.putLongs(bufT, bufHead, bufCount - bufHead);
            out.putInts(bufIn, bufHead, bufCount - bufHead);
        }

        void readBuffer(long[] t, int[] n) {
            int cap = Math.max(4096, Integer.highestOneBit(Math.max(1, t.length)) << 1);
            bufT = Arrays.copyOf(t, cap);
            bufIn = Arrays.copyOf(n, cap);
            bufHead = 0;
            bufCount = t.length;
        }
    }

    private final Settings settings;
    private final Listener listener;
    private final Network net;
    private final LearnerModel model;
    private final InputPopulation in;
    private final Population rec;
    /** The sensor's input mapping; every lane maps through a copy with a hot-pixel filter of its own. */
    private final InputMapper mapper;
    private final boolean shared;
    /** Lanes by sensor id in order of first sight (the order checkpoints and the end of the stream visit them). */
    private final Map<String, Lane> lanes = new LinkedHashMap<>();
    private final ScheduledInput input = new ScheduledInput();
    private final Counters counters = new Counters();

    private final int steps;
    private final double normUs;
    private final long latenessUs;
    private final int classes;

    private long nextBase;
    private boolean learning = true;
    private java.util.function.Predicate<String> policy = id -> true;
    private boolean etaOn = true;

    // scoring of pending windows (at most two overlap: the scoring range runs 2 steps into the next window)
    private final List<Scoring> scoring = new ArrayList<>();

    private final class Scoring {
        final Window w;
        final long from;
        final long to;
        final boolean learned;
        final double[] sums;
        double se;

        Scoring(Window w, long from, long to, boolean learned) {
            this.w = w;
            this.from = from;
            this.to = to;
            this.learned = learned;
            this.sums = new double[model.evidenceSize()];
        }
    }

    public StreamLearner(Settings s, Listener listener) throws IOException {
        this.settings = s;
        this.listener = listener;
        if (!s.s("time.mode").equals("per_window")) {
            throw new IllegalArgumentException("time.mode '" + s.s("time.mode") + "' is not supported; use per_window");
        }
        steps = s.i("time.steps_per_window");
        normUs = s.d("time.window_norm_us");
        latenessUs = s.l("time.lateness_us");
        int learnSteps = s.i("supervision.learning_window_steps");
        int scoreSteps = s.i("supervision.score_window_steps");
        classes = s.i("supervision.classes");
        if (steps < 4 || learnSteps > steps || scoreSteps < 1 || scoreSteps > steps) {
            throw new IllegalArgumentException("need steps_per_window >= 4 and 1 <= learning/score window <= steps_per_window");
        }
        String bl = s.s("sensor.blocklist");
        int[] blocklist = bl.isBlank() ? new int[0] : InputMapper.readBlocklist(Path.of(bl));
        mapper = new InputMapper(s.i("sensor.width"), s.i("sensor.height"), s.i("sensor.pool"), blocklist,
            s.l("sensor.hot_pixel_refractory_us"));
        shared = s.b("sensor.share_network");
        if (!shared) {
            lanes.put("", new Lane("", mapper));
        }

        net = new Network(TimeGrid.of(1.0), s.i("network.threads"), s.l("network.seed"));
        try {
            model = LearnerModel.build(s, net, mapper.inputs(), input);
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
        in = model.input();
        rec = model.hidden();
        net.addStepObserver(this::score);
        net.addStepObserver(this::captureRaster);
        try {
            net.prepare();
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    // spikes of the window being simulated and of the last completed one (for a raster plot)
    private long[] rasterSteps = new long[1024];
    private int[] rasterIds = new int[1024];
    private int rasterCount;
    private long rasterFrom;
    private long[] lastRasterSteps = new long[0];
    private int[] lastRasterIds = new int[0];
    private long lastRasterFrom;
    private long lastRasterTo;

    private void captureRaster(long t) {
        io.spikestream.network.EventList ev = net.pendingEvents();
        for (int i = 0; i < ev.count(); i++) {
            if (ev.isFlush(i)) {
                continue;
            }
            int popIndex = ev.population(i);
            if (popIndex != in.index() && popIndex != rec.index()) {
                continue;
            }
            if (rasterCount == rasterSteps.length) {
                rasterSteps = Arrays.copyOf(rasterSteps, rasterCount * 2);
                rasterIds = Arrays.copyOf(rasterIds, rasterCount * 2);
            }
            rasterSteps[rasterCount] = t + 1;
            rasterIds[rasterCount++] = net.populations().get(popIndex).globalOffset() + ev.local(i);
        }
    }

    private void startRasterWindow(long base) {
        if (base > 0) {
            lastRasterSteps = Arrays.copyOf(rasterSteps, rasterCount);
            lastRasterIds = Arrays.copyOf(rasterIds, rasterCount);
            lastRasterFrom = rasterFrom;
            lastRasterTo = base;
        }
        rasterCount = 0;
        rasterFrom = base;
    }

    /** Spikes (stamp in steps, global neuron id) of the input and recurrent neurons in the last completed window. */
    public long[] lastWindowSpikeSteps() {
        return lastRasterSteps;
    }

    public int[] lastWindowSpikeIds() {
        return lastRasterIds;
    }

    /** [from, to) steps of the last completed window. */
    public long[] lastWindowSteps() {
        return new long[] {lastRasterFrom, lastRasterTo};
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

    /** The value of {@code network.rule}. */
    public String rule() {
        return model.rule();
    }

    /** Bytes of learning state the rule keeps per plastic synapse besides the engine's target index and weight. */
    public double ruleStateBytesPerSynapse() {
        long n = plasticSynapses();
        return n == 0 ? 0.0 : model.ruleStateBytes() / (double) n;
    }

    /**
     * Learning on (the configured rate) or off (for e-prop eta 0, as NEST's test phase; one update late per synapse)
     * for windows from now on. Windows whose events are all in but that have not run yet keep the setting they were
     * labelled with; call {@link #flushWindows} first to close a phase.
     */
    public void setLearning(boolean on) {
        learning = on;
    }

    /** Decides per window whether it is learned from (default: every labelled window while learning is on). */
    public void setWindowPolicy(java.util.function.Predicate<String> learnOnSample) {
        this.policy = learnOnSample;
    }

    /** Runs every window whose label is known, as if the stream had passed their ends (a phase boundary). */
    public void flushWindows() {
        for (Lane lane : lanes.values()) {
            advance(lane, true);
        }
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
     * clock apart; a learner of its own sensor ignores the id); class -1 = unsupervised window (scored, not learned).
     */
    public void onLabel(String sensorId, String sampleId, long startUs, long endUs, int label) {
        if (endUs <= startUs) {
            throw new IllegalArgumentException("label window of " + sampleId + " is empty: [" + startUs + ", " + endUs + ")");
        }
        if (label >= classes) {
            throw new IllegalArgumentException("label " + label + " of " + sampleId + " outside 0.." + (classes - 1));
        }
        Lane lane = lane(sensorId);
        if (startUs < lane.processedUpToUs || startUs <= lane.droppedUpToUs) {
            counters.labelsLate++;
            return;
        }
        lane.windows.put(startUs, new Window(lane.sensorId, sampleId, startUs, endUs, label,
            learning && label >= 0 && policy.test(sampleId)));
        advance(lane, false);
    }

    /** Events of this learner's sensor, in time order (stream time, microseconds). */
    public void onEvents(int[] x, int[] y, byte[] p, long[] tUs, int n) {
        onEvents("", x, y, p, tUs, n);
    }

    /** Events of sensor {@code sensorId}, in that sensor's time order (stream time, microseconds). */
    public void onEvents(String sensorId, int[] x, int[] y, byte[] p, long[] tUs, int n) {
        Lane lane = lane(sensorId);
        InputMapper m = lane.mapper;
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
            if (lane.bufCount == lane.bufT.length) {
                lane.compactOrGrow();
            }
            lane.bufT[lane.bufCount] = tUs[i];
            lane.bufIn[lane.bufCount++] = neuron;
            lane.maxEventUs = Math.max(lane.maxEventUs, tUs[i]);
        }
        advance(lane, false);
    }

    private Lane lane(String sensorId) {
        if (!shared) {
            return lanes.get("");
        }
        Lane lane = lanes.get(sensorId);
        if (lane == null) {
            // same mapping, its own hot-pixel filter: a pixel of one sensor never silences another sensor's
            lane = new Lane(sensorId, mapper.withOwnFilter());
            lanes.put(sensorId, lane);
        }
        return lane;
    }

    /** Sensors seen so far (one, "", in a learner of its own sensor). */
    public Set<String> sensors() {
        return Collections.unmodifiableSet(lanes.keySet());
    }

    /** Whether this learner is one network shared by every sensor ({@code sensor.share_network}). */
    public boolean shared() {
        return shared;
    }

    /** End of the stream: process every pending window and complete the last prediction. */
    public void finish() {
        for (Lane lane : lanes.values()) {
            advance(lane, true);
        }
        long need = nextBase + 2;
        for (Scoring sc : scoring) {
            need = Math.max(need, sc.to); // a model's scoring range may run further into the next window
        }
        if (net.currentStep() < need) {
            net.simulateSteps(need - net.currentStep());
        }
        for (Lane lane : lanes.values()) {
            counters.eventsUnlabelled += lane.bufCount - lane.bufHead;
            lane.bufHead = lane.bufCount = 0;
        }
    }

    // ------------------------------------------------------------------ windows

    private void advance(Lane lane, boolean all) {
        while (!lane.windows.isEmpty()) {
            Window w = lane.windows.firstEntry().getValue();
            if (!all && lane.maxEventUs < w.endUs()) {
                break;
            }
            lane.windows.pollFirstEntry();
            while (lane.bufHead < lane.bufCount && lane.bufT[lane.bufHead] < w.startUs()) {
                counters.eventsUnlabelled++;
                lane.bufHead++;
            }
            int end = lane.bufHead;
            while (end < lane.bufCount && lane.bufT[end] < w.endUs()) {
                end++;
            }
            runWindow(w, lane, lane.bufHead, end);
            lane.bufHead = end;
            lane.processedUpToUs = w.endUs();
        }
        // events no known label covers, older than the lateness bound, cannot be supervised any more
        long horizon = lane.maxEventUs - latenessUs;
        long firstWindow = lane.windows.isEmpty() ? Long.MAX_VALUE : lane.windows.firstKey();
        while (lane.bufHead < lane.bufCount && lane.bufT[lane.bufHead] < horizon && lane.bufT[lane.bufHead] < firstWindow) {
            counters.eventsUnlabelled++;
            lane.droppedUpToUs = lane.bufT[lane.bufHead];
            lane.bufHead++;
        }
        if (lane.bufHead == lane.bufCount) {
            lane.bufHead = lane.bufCount = 0;
        }
    }

    private void runWindow(Window w, Lane lane, int from, int to) {
        long base = nextBase;
        startRasterWindow(base);
        nextBase += steps;
        long now = net.currentStep();
        long[] bufT = lane.bufT;
        int[] bufIn = lane.bufIn;
        for (int i = from; i < to; i++) {
            long rel = Math.round(Math.rint((bufT[i] - w.startUs()) * (double) steps / normUs));
            // the parrot fires one step after the generator time, as in NEST's example (offset_gen = 1)
            input.add(base + 1 + rel, bufIn[i], now);
            counters.eventsMapped++;
        }
        boolean learn = w.learn();
        if (learn != etaOn) {
            model.setLearning(learn);
            etaOn = learn;
        }
        model.startWindow(base, w.label(), learn);
        scoring.add(new Scoring(w, model.scoreFrom(base), model.scoreTo(base), learn));
        counters.windows++;
        if (learn) {
            counters.windowsLearned++;
        }
        long target = base + steps;
        if (target > now) {
            net.simulateSteps(target - now);
        }
        model.windowSimulated(net.currentStep());
    }

    /** Step observer: accumulates the model's evidence over scoring ranges and emits finished predictions. */
    private void score(long t) {
        for (int q = 0; q < scoring.size(); q++) {
            Scoring sc = scoring.get(q);
            if (t < sc.from || t >= sc.to) {
                continue;
            }
            sc.se = model.accumulate(t, sc.w.label(), sc.sums, sc.se);
            if (t == sc.to - 1) {
                double[] scores = new double[classes];
                int best = model.predict(sc.sums, sc.to - sc.from, scores);
                scoring.remove(q--);
                listener.onPrediction(new Prediction(sc.w.sampleId(), sc.w.startUs(), sc.w.endUs(), sc.w.label(), best,
                    scores, model.loss(sc.se, sc.sums, sc.to - sc.from, sc.w.label()), counters.windowsLearned, sc.learned,
                    sc.w.sensorId()));
            }
        }
    }

    // ------------------------------------------------------------------ checkpoints

    /** Settings blocks that do not shape a model (operational policy): changing them keeps checkpoints usable. */
    public static final String[] OPERATIONAL_SETTINGS = {"checkpoint", "models", "output", "pipeline"};

    /**
     * Stream time of the latest event consumed, in microseconds ({@code Long.MIN_VALUE} before the first); of a shared
     * network, the latest over its sensors.
     */
    public long streamTimeUs() {
        long t = Long.MIN_VALUE;
        for (Lane lane : lanes.values()) {
            t = Math.max(t, lane.maxEventUs);
        }
        return t;
    }

    /**
     * What a checkpoint of this learner must match: its settings (without operational blocks and the blocks of other
     * rules) and its network.
     */
    public String checkpointShape() {
        List<String> without = new ArrayList<>(List.of(OPERATIONAL_SETTINGS));
        without.addAll(List.of(model.foreignSettings()));
        if (!shared) {
            // a learner of its own sensor keeps the shape it had before sharing existed: older checkpoints restore
            without.add("sensor.share_network");
        }
        return "learner settings " + settings.toJsonWithout(without.toArray(new String[0])) + "\n" + net.checkpointShape();
    }

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
    }

    /*
     * Layout of the "learner" section. A learner of its own sensor (one lane, the layout since the first version):
     * counters, lane clocks, nextBase, learning, etaOn, lane buffer, lane windows, scoring, lane hot-pixel filter.
     * A shared network: counters, nextBase, learning, etaOn, scoring, then every lane in order of first sight
     * (sensor id, clocks, buffer, windows, filter); its windows carry their sensor id. sensor.share_network is part of
     * the checkpoint's shape, so a checkpoint is only ever read by a learner of its own layout.
     */
    private void writeState(StateWriter out) {
        Counters c = counters;
        out.putLongs(new long[] {c.eventsIn, c.eventsMapped, c.eventsBlocked, c.eventsOutOfGeometry, c.eventsUnlabelled,
            c.labelsLate, c.windows, c.windowsLearned});
        if (shared) {
            writeCommon(out);
            out.putInt(lanes.size());
            for (Lane lane : lanes.values()) {
                out.putString(lane.sensorId);
                writeClocks(out, lane);
                lane.writeBuffer(out);
                writeWindows(out, lane);
                lane.mapper.writeState(out);
            }
            return;
        }
        Lane lane = lanes.get("");
        writeClocks(out, lane);
        out.putLong(nextBase);
        out.putBoolean(learning);
        out.putBoolean(etaOn);
        lane.writeBuffer(out);
        writeWindows(out, lane);
        writeScoring(out);
        lane.mapper.writeState(out);
    }

    private void writeCommon(StateWriter out) {
        out.putLong(nextBase);
        out.putBoolean(learning);
        out.putBoolean(etaOn);
        writeScoring(out);
    }

    private static void writeClocks(StateWriter out, Lane lane) {
        out.putLong(lane.maxEventUs);
        out.putLong(lane.processedUpToUs);
        out.putLong(lane.droppedUpToUs);
    }

    private void writeWindows(StateWriter out, Lane lane) {
        out.putInt(lane.windows.size());
        for (Window w : lane.windows.values()) {
            writeWindow(out, w);
        }
    }

    private void writeScoring(StateWriter out) {
        out.putInt(scoring.size());
        for (Scoring sc : scoring) {
            writeWindow(out, sc.w);
            out.putLong(sc.from);
            out.putLong(sc.to);
            out.putBoolean(sc.learned);
            out.putDoubles(sc.sums);
            out.putDouble(sc.se);
        }
    }

    private void writeWindow(StateWriter out, Window w) {
        if (shared) {
            out.putString(w.sensorId());
        }
        out.putString(w.sampleId());
        out.putLong(w.startUs());
        out.putLong(w.endUs());
        out.putInt(w.label());
        out.putBoolean(w.learn());
    }

    private Window readWindow(StateReader in) throws CheckpointException {
        String sensor = shared ? in.getString() : "";
        return new Window(sensor, in.getString(), in.getLong(), in.getLong(), in.getInt(), in.getBoolean());
    }

    private void readClocks(StateReader in, Lane lane) throws CheckpointException {
        lane.maxEventUs = in.getLong();
        lane.processedUpToUs = in.getLong();
        lane.droppedUpToUs = in.getLong();
    }

    private static void readBuffer(StateReader in, Lane lane) throws CheckpointException {
        long[] t = in.getLongs("buffered event times");
        int[] n = new int[t.length];
        in.readInts(n, "buffered event inputs");
        lane.readBuffer(t, n);
    }

    private void readWindows(StateReader in, Lane lane) throws CheckpointException {
        int nw = in.getInt();
        for (int i = 0; i < nw; i++) {
            Window w = readWindow(in);
            lane.windows.put(w.startUs(), w);
        }
    }

    private List<Scoring> readScoring(StateReader in) throws CheckpointException {
        int ns = in.getInt();
        List<Scoring> sc = new ArrayList<>();
        for (int i = 0; i < ns; i++) {
            Scoring s = new Scoring(readWindow(in), in.getLong(), in.getLong(), in.getBoolean());
            in.readDoubles(s.sums, "scoring sums");
            s.se = in.getDouble();
            sc.add(s);
        }
        return sc;
    }

    // reads everything into fresh lanes first: a checkpoint that fails half-way leaves this learner as it was
    private void readState(StateReader in) throws CheckpointException {
        long[] c = new long[8];
        in.readLongs(c, "counters");
        Map<String, Lane> read = new LinkedHashMap<>();
        long base;
        boolean learn;
        boolean eta;
        List<Scoring> sc;
        if (shared) {
            base = in.getLong();
            learn = in.getBoolean();
            eta = in.getBoolean();
            sc = readScoring(in);
            int n = in.getInt();
            for (int i = 0; i < n; i++) {
                Lane lane = new Lane(in.getString(), mapper.withOwnFilter());
                readClocks(in, lane);
                readBuffer(in, lane);
                readWindows(in, lane);
                lane.mapper.readState(in);
                read.put(lane.sensorId, lane);
            }
        } else {
            Lane lane = new Lane("", mapper.withOwnFilter());
            readClocks(in, lane);
            base = in.getLong();
            learn = in.getBoolean();
            eta = in.getBoolean();
            readBuffer(in, lane);
            readWindows(in, lane);
            sc = readScoring(in);
            lane.mapper.readState(in);
            read.put("", lane);
        }
        counters.eventsIn = c[0];
        counters.eventsMapped = c[1];
        counters.eventsBlocked = c[2];
        counters.eventsOutOfGeometry = c[3];
        counters.eventsUnlabelled = c[4];
        counters.labelsLate = c[5];
        counters.windows = c[6];
        counters.windowsLearned = c[7];
        nextBase = base;
        learning = learn;
        etaOn = eta;
        lanes.clear();
        lanes.putAll(read);
        scoring.clear();
        scoring.addAll(sc);
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
        net.close();
    }
}
