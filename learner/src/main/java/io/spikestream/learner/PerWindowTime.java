package io.spikestream.learner;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code time.mode = per_window}, NEST's N-MNIST protocol: every labelled window occupies exactly
 * {@code steps_per_window} steps, events placed at {@code round(t_rel * steps / window_norm_us)} (half to even, as
 * NumPy); windows follow each other with no reset and no gap. The model supervises each window and names its scoring
 * range (for e-prop: the one-hot target, the learning signal for the last {@code learning_window_steps}, the argmax of
 * the mean readout signal over the last {@code score_window_steps}, as in NEST's example). A window is processed once
 * its end is passed by its sensor's event stream (or by {@link #finish}); events no label covers after
 * {@code lateness_us} of stream time are dropped and counted, and so are labels that arrive after their window was
 * simulated. A shared network learns the sensors' windows one after another in the order they complete.
 *
 * <p>This is the learner's arithmetic and checkpoint layout exactly as they were before time models existed
 * ({@code EpropPathUnchangedTest} holds the recorded digests).
 */
final class PerWindowTime implements TimeModel {

    /** A labelled window of one sensor's stream ({@code sensorId} "" in a learner of its own sensor). */
    record Window(String sensorId, String sampleId, long startUs, long endUs, int label, boolean learn) {
    }

    private final StreamLearner l;
    private final int steps;
    private final double normUs;
    private final long latenessUs;
    private final int classes;

    private long nextBase;
    private boolean etaOn = true;
    /** Scoring of pending windows (at most two overlap: the scoring range runs 2 steps into the next window). */
    private final List<WindowScore> scoring = new ArrayList<>();

    PerWindowTime(StreamLearner learner, Settings s) {
        this.l = learner;
        steps = s.i("time.steps_per_window");
        normUs = s.d("time.window_norm_us");
        latenessUs = s.l("time.lateness_us");
        classes = s.i("supervision.classes");
        int learnSteps = s.i("supervision.learning_window_steps");
        int scoreSteps = s.i("supervision.score_window_steps");
        if (steps < 4 || learnSteps > steps || scoreSteps < 1 || scoreSteps > steps) {
            throw new IllegalArgumentException("need steps_per_window >= 4 and 1 <= learning/score window <= steps_per_window");
        }
    }

    @Override
    public String mode() {
        return "per_window";
    }

    @Override
    public void onLabel(SensorLane lane, String sampleId, long startUs, long endUs, int label) {
        if (endUs <= startUs) {
            throw new IllegalArgumentException("label window of " + sampleId + " is empty: [" + startUs + ", " + endUs + ")");
        }
        if (label >= classes) {
            throw new IllegalArgumentException("label " + label + " of " + sampleId + " outside 0.." + (classes - 1));
        }
        if (startUs < lane.processedUpToUs || startUs <= lane.droppedUpToUs) {
            l.counters.labelsLate++;
            return;
        }
        lane.windows.put(startUs, new Window(lane.sensorId, sampleId, startUs, endUs, label,
            l.learning() && label >= 0 && l.learnsFrom(sampleId)));
        advance(lane, false);
    }

    @Override
    public void accept(SensorLane lane, long tUs, int neuron) {
        lane.append(tUs, neuron);
        lane.maxEventUs = Math.max(lane.maxEventUs, tUs);
    }

    @Override
    public void onEvents(SensorLane lane) {
        advance(lane, false);
    }

    @Override
    public void flush() {
        for (SensorLane lane : l.lanes.values()) {
            advance(lane, true);
        }
    }

    @Override
    public void finish() {
        flush();
        long need = nextBase + 2;
        for (WindowScore sc : scoring) {
            need = Math.max(need, sc.to); // a model's scoring range may run further into the next window
        }
        if (l.net.currentStep() < need) {
            l.net.simulateSteps(need - l.net.currentStep());
        }
        for (SensorLane lane : l.lanes.values()) {
            l.counters.eventsUnlabelled += lane.bufCount - lane.bufHead;
            lane.bufHead = lane.bufCount = 0;
        }
    }

    @Override
    public void retire(SensorLane lane) {
        advance(lane, true);
        l.counters.eventsUnlabelled += lane.bufCount - lane.bufHead;
        lane.bufHead = lane.bufCount = 0;
    }

    private void advance(SensorLane lane, boolean all) {
        while (!lane.windows.isEmpty()) {
            Window w = lane.windows.firstEntry().getValue();
            if (!all && lane.maxEventUs < w.endUs()) {
                break;
            }
            lane.windows.pollFirstEntry();
            while (lane.bufHead < lane.bufCount && lane.bufT[lane.bufHead] < w.startUs()) {
                l.counters.eventsUnlabelled++;
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
            l.counters.eventsUnlabelled++;
            lane.droppedUpToUs = lane.bufT[lane.bufHead];
            lane.bufHead++;
        }
        lane.resetIfDrained();
    }

    private void runWindow(Window w, SensorLane lane, int from, int to) {
        long base = nextBase;
        l.raster.startWindow(base);
        nextBase += steps;
        long now = l.net.currentStep();
        long[] bufT = lane.bufT;
        int[] bufIn = lane.bufIn;
        for (int i = from; i < to; i++) {
            long rel = Math.round(Math.rint((bufT[i] - w.startUs()) * (double) steps / normUs));
            // the parrot fires one step after the generator time, as in NEST's example (offset_gen = 1)
            l.input.add(base + 1 + rel, bufIn[i], now);
            l.counters.eventsMapped++;
        }
        boolean learn = w.learn();
        if (learn != etaOn) {
            l.model.setLearning(learn);
            etaOn = learn;
        }
        l.model.startWindow(base, w.label(), learn);
        scoring.add(new WindowScore(w, l.model.scoreFrom(base), l.model.scoreTo(base), learn, l.model.evidenceSize()));
        l.counters.windows++;
        if (learn) {
            l.counters.windowsLearned++;
        }
        long target = base + steps;
        if (target > now) {
            l.net.simulateSteps(target - now);
        }
        l.model.windowSimulated(l.net.currentStep());
    }

    /** Accumulates the model's evidence over scoring ranges and emits finished predictions. */
    @Override
    public void onStep(long t) {
        for (int q = 0; q < scoring.size(); q++) {
            WindowScore sc = scoring.get(q);
            if (t < sc.from || t >= sc.to) {
                continue;
            }
            sc.se = l.model.accumulate(t, sc.w.label(), sc.sums, sc.se);
            if (t == sc.to - 1) {
                double[] scores = new double[classes];
                int best = l.model.predict(sc.sums, sc.to - sc.from, scores);
                scoring.remove(q--);
                l.emit(new StreamLearner.Prediction(sc.w.sampleId(), sc.w.startUs(), sc.w.endUs(), sc.w.label(), best,
                    scores, l.model.loss(sc.se, sc.sums, sc.to - sc.from, sc.w.label()), l.counters.windowsLearned,
                    sc.learned, sc.w.sensorId()));
            }
        }
    }

    /** The evidence of one window's scoring range [from, to) as it accumulates. */
    private static final class WindowScore {
        final Window w;
        final long from;
        final long to;
        final boolean learned;
        final double[] sums;
        double se;

        WindowScore(Window w, long from, long to, boolean learned, int evidence) {
            this.w = w;
            this.from = from;
            this.to = to;
            this.learned = learned;
            this.sums = new double[evidence];
        }
    }

    // ------------------------------------------------------------------ checkpoint layout (unchanged since v1)

    /*
     * After the learner's counters. A learner of its own sensor (one lane): lane clocks, nextBase, learning, etaOn,
     * lane buffer, lane windows, scoring, lane hot-pixel filter. A shared network: nextBase, learning, etaOn, scoring,
     * then every lane in order of first sight (sensor id, clocks, buffer, windows, filter); its windows carry their
     * sensor id. sensor.share_network is part of the checkpoint's shape, so a checkpoint is only ever read by a learner
     * of its own layout.
     */
    @Override
    public void writeState(StateWriter out) {
        if (l.shared) {
            out.putLong(nextBase);
            out.putBoolean(l.learning());
            out.putBoolean(etaOn);
            writeScoring(out);
            out.putInt(l.lanes.size());
            for (SensorLane lane : l.lanes.values()) {
                out.putString(lane.sensorId);
                writeClocks(out, lane);
                lane.writeBuffer(out);
                writeWindows(out, lane);
                lane.mapper.writeState(out);
            }
            return;
        }
        SensorLane lane = l.lanes.get("");
        writeClocks(out, lane);
        out.putLong(nextBase);
        out.putBoolean(l.learning());
        out.putBoolean(etaOn);
        lane.writeBuffer(out);
        writeWindows(out, lane);
        writeScoring(out);
        lane.mapper.writeState(out);
    }

    private static void writeClocks(StateWriter out, SensorLane lane) {
        out.putLong(lane.maxEventUs);
        out.putLong(lane.processedUpToUs);
        out.putLong(lane.droppedUpToUs);
    }

    private void writeWindows(StateWriter out, SensorLane lane) {
        out.putInt(lane.windows.size());
        for (Window w : lane.windows.values()) {
            writeWindow(out, w);
        }
    }

    private void writeScoring(StateWriter out) {
        out.putInt(scoring.size());
        for (WindowScore sc : scoring) {
            writeWindow(out, sc.w);
            out.putLong(sc.from);
            out.putLong(sc.to);
            out.putBoolean(sc.learned);
            out.putDoubles(sc.sums);
            out.putDouble(sc.se);
        }
    }

    private void writeWindow(StateWriter out, Window w) {
        if (l.shared) {
            out.putString(w.sensorId());
        }
        out.putString(w.sampleId());
        out.putLong(w.startUs());
        out.putLong(w.endUs());
        out.putInt(w.label());
        out.putBoolean(w.learn());
    }

    private Window readWindow(StateReader in) throws CheckpointException {
        String sensor = l.shared ? in.getString() : "";
        return new Window(sensor, in.getString(), in.getLong(), in.getLong(), in.getInt(), in.getBoolean());
    }

    private static void readClocks(StateReader in, SensorLane lane) throws CheckpointException {
        lane.maxEventUs = in.getLong();
        lane.processedUpToUs = in.getLong();
        lane.droppedUpToUs = in.getLong();
    }

    static void readBuffer(StateReader in, SensorLane lane) throws CheckpointException {
        long[] t = in.getLongs("buffered event times");
        int[] n = new int[t.length];
        in.readInts(n, "buffered event inputs");
        lane.readBuffer(t, n);
    }

    private void readWindows(StateReader in, SensorLane lane) throws CheckpointException {
        int nw = in.getInt();
        for (int i = 0; i < nw; i++) {
            Window w = readWindow(in);
            lane.windows.put(w.startUs(), w);
        }
    }

    private List<WindowScore> readScoring(StateReader in) throws CheckpointException {
        int ns = in.getInt();
        List<WindowScore> sc = new ArrayList<>();
        for (int i = 0; i < ns; i++) {
            WindowScore s = new WindowScore(readWindow(in), in.getLong(), in.getLong(), in.getBoolean(), l.model.evidenceSize());
            in.readDoubles(s.sums, "scoring sums");
            s.se = in.getDouble();
            sc.add(s);
        }
        return sc;
    }

    // reads everything into fresh lanes first: a checkpoint that fails half-way leaves the learner as it was
    @Override
    public void readState(StateReader in) throws CheckpointException {
        Map<String, SensorLane> read = new LinkedHashMap<>();
        long base;
        boolean learn;
        boolean eta;
        List<WindowScore> sc;
        if (l.shared) {
            base = in.getLong();
            learn = in.getBoolean();
            eta = in.getBoolean();
            sc = readScoring(in);
            int n = in.getInt();
            for (int i = 0; i < n; i++) {
                SensorLane lane = l.newLane(in.getString());
                readClocks(in, lane);
                readBuffer(in, lane);
                readWindows(in, lane);
                lane.mapper.readState(in);
                read.put(lane.sensorId, lane);
            }
        } else {
            SensorLane lane = l.newLane("");
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
        nextBase = base;
        etaOn = eta;
        l.restored(read, learn);
        scoring.clear();
        scoring.addAll(sc);
    }
}
