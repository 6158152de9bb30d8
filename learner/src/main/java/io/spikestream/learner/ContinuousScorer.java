package io.spikestream.learner;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongUnaryOperator;

/**
 * The scoring of a continuous stream ({@link ContinuousTime}): every {@code output.predict_every_ms} the readout's
 * evidence over the tick [tickFrom + 2, tickFrom + tickSteps + 2) (readout-aligned) becomes a {@code TICK} prediction,
 * labelled when a label interval covers the tick's last step; each label interval is scored over the last
 * {@code supervision.score_window_steps} of its steps and summarised ({@code INTERVAL}: prediction at its end, majority
 * over its ticks, latency to its first correct tick) once that range and its last tick are complete. A step observer:
 * no allocation per step besides the predictions it emits.
 */
final class ContinuousScorer {

    private final StreamLearner l;
    private final LongUnaryOperator timeOf;
    private final int tickSteps;
    private final int scoreSteps;
    private final int classes;
    private long tickFrom;
    private final double[] tickSums;
    private final double[] scoresScratch;
    /** Label intervals accepted and not yet summarised, in time order. */
    final ArrayDeque<LabelInterval> intervals = new ArrayDeque<>();

    ContinuousScorer(StreamLearner learner, LongUnaryOperator timeOfStep, int tickSteps, int scoreSteps, int classes) {
        this.l = learner;
        this.timeOf = timeOfStep;
        this.tickSteps = tickSteps;
        this.scoreSteps = scoreSteps;
        this.classes = classes;
        this.tickSums = new double[learner.model.evidenceSize()];
        this.scoresScratch = new double[classes];
    }

    /** Ticks start again at {@code step} (a new clock): the open tick's evidence is dropped. */
    void restartTicks(long step) {
        tickFrom = step;
        Arrays.fill(tickSums, 0.0);
    }

    int tickSteps() {
        return tickSteps;
    }

    /** The first tick boundary at or after {@code step}. */
    long tickEndAtOrAfter(long step) {
        return tickFrom + Math.floorDiv(Math.max(step, tickFrom) - tickFrom + tickSteps - 1, tickSteps) * tickSteps;
    }

    /** The step after which an interval ending (exclusive) at step {@code to} is summarised. */
    long emitStep(long to) {
        long tickEnd = tickFrom + Math.floorDiv(to - 1 - tickFrom, tickSteps) * tickSteps + tickSteps;
        return Math.max(to, tickEnd) + ContinuousTime.READOUT_DELAY - 1;
    }

    void onStep(long t) {
        // the open tick
        if (t >= tickFrom + ContinuousTime.READOUT_DELAY) {
            l.model.accumulate(t, -1, tickSums, 0.0);
            if (t == tickFrom + tickSteps + ContinuousTime.READOUT_DELAY - 1) {
                emitTick();
            }
        }
        // labelled intervals: their scoring range, then their summary once their last tick is in
        for (LabelInterval iv : intervals) {
            if (iv.from > t) {
                break;
            }
            long scoreTo = iv.to + ContinuousTime.READOUT_DELAY;
            long scoreFrom = Math.max(iv.from + ContinuousTime.READOUT_DELAY, scoreTo - scoreSteps);
            if (t >= scoreFrom && t < scoreTo) {
                iv.se = l.model.accumulate(t, iv.label, iv.sums, iv.se);
            }
        }
        while (!intervals.isEmpty() && intervals.peekFirst().emitAt <= t) {
            emitInterval(intervals.pollFirst());
        }
    }

    private void emitTick() {
        long from = tickFrom;
        long to = tickFrom + tickSteps;
        int best = l.model.predict(tickSums, tickSteps, scoresScratch);
        double[] scores = scoresScratch.clone();
        Arrays.fill(tickSums, 0.0);
        tickFrom = to;
        LabelInterval cover = null;
        for (LabelInterval iv : intervals) {
            if (iv.from <= to - 1 && to - 1 < iv.to) {
                cover = iv;
                break;
            }
        }
        l.counters.ticks++;
        int label = -1;
        String sample = null;
        boolean learning = false;
        if (cover != null) {
            label = cover.label;
            sample = cover.sampleId;
            learning = cover.learn;
            cover.votes[best]++;
            cover.ticks++;
            if (best == label && cover.firstCorrectUs < 0) {
                cover.firstCorrectUs = timeOf.applyAsLong(to) - cover.startUs;
            }
        }
        l.emit(new StreamLearner.Prediction(sample, timeOf.applyAsLong(from), timeOf.applyAsLong(to), label, best, scores,
            Double.NaN, l.counters.windowsLearned, learning, "", StreamLearner.Prediction.Kind.TICK,
            StreamLearner.confidence(scores, best), -1, -1L));
    }

    private void emitInterval(LabelInterval iv) {
        long n = Math.min(scoreSteps, iv.to - iv.from);
        double[] scores = new double[classes];
        int best = l.model.predict(iv.sums, n, scores);
        l.counters.windows++;
        if (iv.learn) {
            l.counters.windowsLearned++;
        }
        int majority = -1;
        if (iv.ticks > 0) {
            majority = 0;
            for (int c = 1; c < classes; c++) {
                if (iv.votes[c] > iv.votes[majority]) {
                    majority = c;
                }
            }
        }
        l.emit(new StreamLearner.Prediction(iv.sampleId, iv.startUs, iv.endUs, iv.label, best, scores,
            l.model.loss(iv.se, iv.sums, n, iv.label), l.counters.windowsLearned, iv.learn, "",
            StreamLearner.Prediction.Kind.INTERVAL, StreamLearner.confidence(scores, best), majority, iv.firstCorrectUs));
    }

    // ------------------------------------------------------------------ checkpoint: open tick, then the intervals

    void writeState(StateWriter out) {
        out.putLong(tickFrom);
        out.putDoubles(tickSums);
        out.putInt(intervals.size());
        for (LabelInterval iv : intervals) {
            out.putString(iv.sampleId == null ? "" : iv.sampleId);
            out.putLong(iv.startUs);
            out.putLong(iv.endUs);
            out.putInt(iv.label);
            out.putBoolean(iv.learn);
            out.putLong(iv.from);
            out.putLong(iv.to);
            out.putLong(iv.emitAt);
            out.putBoolean(iv.registered);
            out.putDoubles(iv.sums);
            out.putDouble(iv.se);
            out.putInts(iv.votes);
            out.putInt(iv.ticks);
            out.putLong(iv.firstCorrectUs);
        }
    }

    /** Reads what {@link #writeState} wrote; returns the action that applies it (nothing changes before). */
    Runnable readState(StateReader in) throws CheckpointException {
        long tick = in.getLong();
        double[] sums = new double[tickSums.length];
        in.readDoubles(sums, "tick evidence");
        int n = in.getInt();
        List<LabelInterval> ivs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String sample = in.getString();
            LabelInterval iv = new LabelInterval(sample.isEmpty() ? null : sample, in.getLong(), in.getLong(), in.getInt(),
                in.getBoolean(), in.getLong(), in.getLong(), tickSums.length, classes);
            iv.emitAt = in.getLong();
            iv.registered = in.getBoolean();
            in.readDoubles(iv.sums, "interval evidence");
            iv.se = in.getDouble();
            in.readInts(iv.votes, "interval votes");
            iv.ticks = in.getInt();
            iv.firstCorrectUs = in.getLong();
            ivs.add(iv);
        }
        return () -> {
            tickFrom = tick;
            System.arraycopy(sums, 0, tickSums, 0, sums.length);
            intervals.clear();
            intervals.addAll(ivs);
        };
    }
}
