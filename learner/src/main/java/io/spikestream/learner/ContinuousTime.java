package io.spikestream.learner;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.util.ArrayDeque;
import java.util.logging.Logger;

/**
 * {@code time.mode = continuous}: the stream time line of a live sensor. Every event enters at its own time, one loop
 * step per {@code time.us_per_step}, never rescaled, never reset: step {@code s} covers stream time
 * [{@code anchorUs + (s - anchorStep) * us_per_step}, + us_per_step). The sensor advances to its watermark (newest
 * event time minus {@code time.reorder_slack_us}, minus {@code time.label_delay_us} so that a label arriving that late
 * still finds its steps unsimulated); an event behind the simulated steps is counted late, never put in a wrong step.
 *
 * <p>Every {@code output.predict_every_ms} of stream time the readout's evidence over the tick is scored and
 * published (kind {@code tick}), labelled or not. Labels are intervals on the sensor's time line: the model gets the
 * one-hot target over the interval and the learning signal in its last {@code learning_window_steps} (readout-aligned,
 * two steps after the input); at the interval's end it is scored as in {@code per_window} (kind {@code interval}: the
 * mean readout over its last {@code score_window_steps}, the majority over its ticks, the latency to its first correct
 * tick). Uncovered steps are simulated and predicted, not learned from. Bad labels are counted by reason
 * ({@link LabelOutcome}) and the sensor goes on.
 *
 * <p>Clock jumps ({@code time.max_jump_ahead_us}, {@code time.max_jump_back_us}, {@code time.jump_confirm_events}): an
 * event further ahead of the newest one, or further behind the simulated steps, than those bounds is held, not placed;
 * when {@code jump_confirm_events} consecutive events agree on the new clock the sensor re-anchors (the new clock
 * continues at the current step: the gap is not simulated, nothing already simulated is undone, pending labels of the
 * old clock are dropped and counted), logged once per sensor; a held run broken by an event on the old clock is
 * dropped and counted. So one corrupt timestamp costs one event, and a camera restart or a second replay costs
 * {@code jump_confirm_events} events, never the sensor.
 *
 * <p>One sensor per learner (a shared network keeps {@code per_window}). Not threadsafe: the learner's thread.
 */
final class ContinuousTime implements TimeModel {

    private static final Logger LOG = Logger.getLogger(ContinuousTime.class.getName());

    /** What happened to a label. */
    enum LabelOutcome {
        ACCEPTED("accepted"),
        NO_CLASS("no class (null or negative label)"),
        UNKNOWN_CLASS("class outside the model's classes"),
        EMPTY("empty interval"),
        TOO_LONG("interval longer than time.max_label_us"),
        OVERLAPS("overlaps or precedes a label already accepted"),
        LATE("its interval was already simulated (later than time.label_delay_us)"),
        TOO_MANY_PENDING("more than time.max_pending_labels labels waiting"),
        CLOCK_REANCHORED("its sensor's clock was re-anchored before its interval ran");

        final String reason;

        LabelOutcome(String reason) {
            this.reason = reason;
        }
    }

    /** Steps between an input spike and its effect on the readouts (parrot -> recurrent -> readout). */
    static final int READOUT_DELAY = 2;
    /** Length of a raster window (the end-of-run raster plot shows the last complete one): 300 ms, one N-MNIST sample. */
    static final int RASTER_STEPS = 300;
    /** Events at most this many steps ahead go straight into the scheduled input; later ones wait in the lane. */
    private static final int SCHEDULE_AHEAD = 4096;

    private final StreamLearner l;
    private final SensorLane lane;
    private final long usPerStep;
    private final long slackUs;
    private final long labelDelayUs;
    private final long maxLabelUs;
    private final int maxPendingLabels;
    private final long maxJumpAheadUs;
    private final long maxJumpBackUs;
    private final long maxGapUs;
    private final int jumpConfirm;
    private final int classes;
    /** supervision.interval_tail_us in steps: how far past its end a label interval's target, learning and scoring reach. */
    private final long tailSteps;

    // the sensor's clock
    private boolean anchored;
    private long anchorUs;
    private long anchorStep;
    // ticks and label intervals (accepted, not yet summarised, in time order)
    private final ContinuousScorer scorer;
    private final ArrayDeque<LabelInterval> intervals;
    private long lastLabelEndUs = Long.MIN_VALUE;
    // a clock jump waiting for confirmation: held events (stream time, input neuron)
    private final long[] heldT;
    private final int[] heldIn;
    private int held;
    private boolean heldAhead;
    private boolean jumpLogged;

    ContinuousTime(StreamLearner learner, Settings s, SensorLane lane) {
        this.l = learner;
        this.lane = lane;
        usPerStep = s.l("time.us_per_step");
        slackUs = s.l("time.reorder_slack_us");
        labelDelayUs = s.l("time.label_delay_us");
        maxLabelUs = s.l("time.max_label_us");
        maxPendingLabels = s.i("time.max_pending_labels");
        maxJumpAheadUs = s.l("time.max_jump_ahead_us");
        maxJumpBackUs = s.l("time.max_jump_back_us");
        maxGapUs = s.l("time.max_simulated_gap_us");
        jumpConfirm = s.i("time.jump_confirm_events");
        classes = s.i("supervision.classes");
        tailSteps = Math.floorDiv(s.l("supervision.interval_tail_us"), usPerStep);
        if (tailSteps < 0) {
            throw new IllegalArgumentException("supervision.interval_tail_us must be >= 0, got " + s.l("supervision.interval_tail_us"));
        }
        double every = s.d("output.predict_every_ms") * 1000.0 / usPerStep;
        if (usPerStep < 1 || slackUs < 0 || labelDelayUs < 0 || maxLabelUs < 1 || maxPendingLabels < 1 || jumpConfirm < 1
            || maxJumpAheadUs < 1 || maxJumpBackUs < 1 || maxGapUs < 1) {
            throw new IllegalArgumentException("time.us_per_step, time.max_label_us, time.max_pending_labels, "
                + "time.max_jump_*_us and time.jump_confirm_events must be positive; reorder_slack_us and label_delay_us >= 0");
        }
        if (every < 1 || every != Math.rint(every)) {
            throw new IllegalArgumentException("output.predict_every_ms (" + s.d("output.predict_every_ms")
                + ") must be a whole, positive number of steps of time.us_per_step (" + usPerStep + " us)");
        }
        scorer = new ContinuousScorer(learner, this::timeOf, (int) every, s.i("supervision.score_window_steps"), classes);
        intervals = scorer.intervals;
        heldT = new long[jumpConfirm];
        heldIn = new int[jumpConfirm];
        l.model.setLearning(l.learning());
    }

    @Override
    public String mode() {
        return "continuous";
    }

    long stepOf(long tUs) {
        return anchorStep + Math.floorDiv(tUs - anchorUs, usPerStep);
    }

    long timeOf(long step) {
        return anchorUs + (step - anchorStep) * usPerStep;
    }

    /** Whether a label starting at {@code startUs} would still find its first step unsimulated. */
    boolean notYetSimulated(long startUs) {
        return !anchored || stepOf(startUs) >= l.net.currentStep();
    }

    private void anchor(long tUs) {
        anchored = true;
        anchorUs = Math.floorDiv(tUs, usPerStep) * usPerStep;
        anchorStep = l.net.currentStep();
        scorer.restartTicks(anchorStep);
    }

    // ------------------------------------------------------------------ labels

    @Override
    public void onLabel(SensorLane lane, String sampleId, long startUs, long endUs, int label) {
        LabelOutcome o = accept(sampleId, startUs, endUs, label);
        if (o != LabelOutcome.ACCEPTED) {
            reject(o, sampleId, startUs, endUs);
        }
    }

    private LabelOutcome accept(String sampleId, long startUs, long endUs, int label) {
        if (label < 0) {
            return LabelOutcome.NO_CLASS;
        }
        if (label >= classes) {
            return LabelOutcome.UNKNOWN_CLASS;
        }
        if (endUs <= startUs) {
            return LabelOutcome.EMPTY;
        }
        if (endUs - startUs > maxLabelUs) {
            return LabelOutcome.TOO_LONG;
        }
        if (startUs < lastLabelEndUs) {
            return LabelOutcome.OVERLAPS;
        }
        if (intervals.size() >= maxPendingLabels) {
            return LabelOutcome.TOO_MANY_PENDING;
        }
        if (!anchored) {
            anchor(startUs);
        }
        long from = stepOf(startUs);
        long to = Math.max(from + 1, stepOf(endUs - 1) + 1) + tailSteps;
        if (from < l.net.currentStep()) {
            l.counters.labelsLate++;
            return LabelOutcome.LATE;
        }
        boolean learn = l.learning() && l.learnsFrom(sampleId);
        LabelInterval iv = new LabelInterval(sampleId, startUs, endUs, label, learn, from, to, l.model.evidenceSize(), classes);
        iv.emitAt = scorer.emitStep(to);
        intervals.addLast(iv);
        lastLabelEndUs = endUs + tailSteps * usPerStep;
        return LabelOutcome.ACCEPTED;
    }

    private void reject(LabelOutcome o, String sampleId, long startUs, long endUs) {
        long n = ++l.counters.labelsRejected[o.ordinal()];
        if (n == 1) {
            LOG.warning("sensor '" + l.sensorName(lane) + "': label " + sampleId + " [" + startUs + ", " + endUs
                + ") not used: " + o.reason + " (counted; logged once per reason)");
        }
        l.rejectedLabel(lane.sensorId, sampleId, o.name().toLowerCase(java.util.Locale.ROOT), o.reason);
    }

    // ------------------------------------------------------------------ events

    @Override
    public void accept(SensorLane lane, long tUs, int neuron) {
        if (!anchored) {
            anchor(tUs);
        }
        long now = l.net.currentStep();
        boolean ahead = lane.maxEventUs != Long.MIN_VALUE && tUs - lane.maxEventUs > maxJumpAheadUs;
        boolean back = !ahead && stepOf(tUs) < now && timeOf(now) - tUs > maxJumpBackUs;
        if (ahead || back) {
            hold(tUs, neuron, ahead);
            return;
        }
        if (held > 0) {
            dropHeld(); // the old clock goes on: the held run was noise
        }
        if (lane.maxEventUs != Long.MIN_VALUE && tUs - lane.maxEventUs > maxGapUs) {
            collapseGap(tUs);
            now = l.net.currentStep();
        }
        if (stepOf(tUs) < now) {
            l.counters.eventsLate++;
            return;
        }
        schedule(tUs, neuron, now);
        lane.maxEventUs = Math.max(lane.maxEventUs, tUs);
    }

    private void schedule(long tUs, int neuron, long now) {
        long step = stepOf(tUs);
        if (step - now < SCHEDULE_AHEAD && lane.bufHead == lane.bufCount) {
            l.input.add(step, neuron, now);
            l.counters.eventsMapped++;
        } else {
            lane.append(tUs, neuron); // far ahead (after a gap): waits in arrival order
        }
    }

    private void hold(long tUs, int neuron, boolean ahead) {
        // a run agrees on one new clock: same direction, each within the jump bound of the first
        if (held > 0 && (ahead != heldAhead || Math.abs(tUs - heldT[0]) > Math.min(maxJumpAheadUs, maxJumpBackUs))) {
            dropHeld();
        }
        heldAhead = ahead;
        heldT[held] = tUs;
        heldIn[held++] = neuron;
        if (held == jumpConfirm) {
            reanchor();
        }
    }

    private void dropHeld() {
        l.counters.eventsClockJump += held;
        held = 0;
    }

    /**
     * The sensor was silent for longer than {@code time.max_simulated_gap_us} and its next event is at {@code nextUs}.
     * The silence is carried in closed form where the network allows it ({@link #carryGap}: exact, the clock keeps
     * going); otherwise ({@link #skipGap}) its first {@code max_simulated_gap_us} are simulated and the rest skipped.
     */
    private void collapseGap(long nextUs) {
        if (!carryGap(nextUs)) {
            skipGap(nextUs);
        }
    }

    /**
     * Carries a silence without stepping through it ({@link io.spikestream.network.Network#skipQuiet}): everything
     * known runs first (the last tick before the silence closes, intervals up to there are scored), then the network
     * is stepped until it is quiet (every e-prop window has integrated to its cutoff, nothing in flight, no neuron able
     * to spike), then carried to {@code quietResumeSteps} plus the reorder slack before the next event (and never into
     * a label interval not yet begun), on the tick grid, and the rest is stepped as usual. The state is the one
     * stepping through the silence gives, bit for bit; no ticks are published for the carried stretch (the sensor was
     * not active). Returns false when the network does not become quiet within {@code max_simulated_gap_us}
     * (a rule without a closed form, self-sustained activity): the caller then skips.
     */
    private boolean carryGap(long nextUs) {
        long newest = lane.maxEventUs;
        advanceTo(Math.max(closingStep(), scorer.tickEndAtOrAfter(stepOf(newest) + 1) + READOUT_DELAY));
        long limit = stepOf(nextUs) - l.net.quietResumeSteps() - Math.floorDiv(slackUs + usPerStep - 1, usPerStep) - 1;
        for (LabelInterval iv : intervals) {
            limit = Math.min(limit, iv.from);
        }
        long settleCap = l.net.currentStep() + Math.floorDiv(maxGapUs, usPerStep);
        while (!l.net.canSkipQuiet()) {
            long now = l.net.currentStep();
            if (now >= limit) {
                return true; // too short to be worth carrying: stepped as usual
            }
            if (now >= settleCap) {
                return false;
            }
            advanceTo(Math.min(Math.min(limit, settleCap), now + 8));
        }
        long now = l.net.currentStep();
        // resume on the tick grid: the open tick (no evidence in it yet or only silence) restarts at end - READOUT_DELAY
        long end = scorer.tickEndAtOrAfter(limit - scorer.tickSteps()) + READOUT_DELAY;
        if (end > limit) {
            end -= scorer.tickSteps();
        }
        if (end <= now) {
            return true;
        }
        l.net.skipQuiet(end - now);
        scorer.restartTicks(end - READOUT_DELAY);
        l.counters.gapsCollapsed++;
        l.counters.gapSkippedUs += (end - now) * usPerStep;
        return true;
    }

    /**
     * A silence the network cannot be carried over: the first {@code max_simulated_gap_us} of it are simulated (the
     * network decays as it would: membranes by exp(-gap / tau_m)), the rest is not (the clock re-anchors so that
     * {@code nextUs} follows at once). Not exact for what a silent network still carries after that long: eligibility
     * traces, the firing-rate average and the optimizer's step clocks continue as if the skipped steps had not been
     * there. No ticks are published for the skipped stretch (the sensor was not active).
     */
    private void skipGap(long nextUs) {
        long newest = lane.maxEventUs;
        long cap = Math.floorDiv(maxGapUs, usPerStep);
        long until = stepOf(newest) + 1 + cap;
        // close on a tick boundary (plus the readout delay) so the last tick before the silence comes out whole
        advanceTo(Math.max(closingStep(), scorer.tickEndAtOrAfter(until) + READOUT_DELAY));
        long now = l.net.currentStep();
        long skippedUs = nextUs - timeOf(now);
        anchorUs = Math.floorDiv(nextUs, usPerStep) * usPerStep;
        anchorStep = now;
        scorer.restartTicks(now);
        // labels not started yet move with the clock; one that would start inside the skipped stretch starts now
        java.util.Iterator<LabelInterval> it = intervals.iterator();
        while (it.hasNext()) {
            LabelInterval iv = it.next();
            if (iv.registered) {
                continue;
            }
            long from = Math.max(now, stepOf(iv.startUs));
            long to = Math.max(from + 1, stepOf(iv.endUs - 1) + 1) + tailSteps;
            if (stepOf(iv.endUs - 1) < now) {
                it.remove();
                reject(LabelOutcome.LATE, iv.sampleId, iv.startUs, iv.endUs);
                continue;
            }
            iv.from = from;
            iv.to = to;
            iv.emitAt = scorer.emitStep(to);
        }
        l.counters.gapsCollapsed++;
        l.counters.gapSkippedUs += Math.max(0, skippedUs);
    }

    private void reanchor() {
        long oldAnchorUs = anchorUs;
        long newest = lane.maxEventUs;
        // everything of the old clock still waiting runs first, so its last tick and its labels close
        advanceTo(closingStep());
        long now = l.net.currentStep();
        long first = heldT[0];
        anchorUs = Math.floorDiv(first, usPerStep) * usPerStep;
        anchorStep = now;
        scorer.restartTicks(now);
        for (LabelInterval iv : intervals) {
            reject(LabelOutcome.CLOCK_REANCHORED, iv.sampleId, iv.startUs, iv.endUs);
        }
        intervals.clear();
        lastLabelEndUs = Long.MIN_VALUE;
        l.counters.clockReanchors++;
        if (!jumpLogged) {
            jumpLogged = true;
            LOG.warning("sensor '" + l.sensorName(lane) + "': clock jumped " + (heldAhead ? "ahead" : "back") + " from "
                + newest + " us to " + first + " us (" + jumpConfirm + " events agree); re-anchored at step " + now
                + " (old anchor " + oldAnchorUs + " us); later jumps are counted, not logged");
        }
        lane.maxEventUs = Long.MIN_VALUE;
        int n = held;
        held = 0;
        for (int i = 0; i < n; i++) {
            schedule(heldT[i], heldIn[i], now);
            lane.maxEventUs = Math.max(lane.maxEventUs, heldT[i]);
        }
    }

    @Override
    public void onEvents(SensorLane lane) {
        if (!anchored || lane.maxEventUs == Long.MIN_VALUE) {
            return;
        }
        long watermark = lane.maxEventUs - slackUs - labelDelayUs;
        advanceTo(stepOf(watermark));
    }

    /** Simulates up to loop step {@code target} (exclusive), scheduling waiting events as they come within reach. */
    private void advanceTo(long target) {
        long now = l.net.currentStep();
        while (now < target) {
            long chunkEnd = Math.min(target, now + SCHEDULE_AHEAD / 2);
            while (lane.bufHead < lane.bufCount && stepOf(lane.bufT[lane.bufHead]) < now + SCHEDULE_AHEAD) {
                long step = stepOf(lane.bufT[lane.bufHead]);
                if (step < now) {
                    l.counters.eventsLate++; // waited behind a later event for longer than the schedule reaches
                } else {
                    l.input.add(step, lane.bufIn[lane.bufHead], now);
                    l.counters.eventsMapped++;
                }
                lane.bufHead++;
            }
            lane.resetIfDrained();
            // the model learns of a label interval just before its steps run (so a re-anchor leaves nothing behind)
            for (LabelInterval iv : intervals) {
                if (iv.from >= chunkEnd) {
                    break;
                }
                if (!iv.registered) {
                    iv.registered = true;
                    l.model.superviseInterval(iv.from, iv.to, iv.label, iv.learn);
                }
            }
            l.net.simulateSteps(chunkEnd - now);
            now = l.net.currentStep();
            l.model.windowSimulated(now);
        }
    }

    /** Where everything known has run: past the newest event, its tick closed, intervals up to there scored. */
    private long closingStep() {
        if (!anchored) {
            return l.net.currentStep();
        }
        long last = lane.maxEventUs == Long.MIN_VALUE ? l.net.currentStep() : stepOf(lane.maxEventUs) + 1;
        if (lane.bufCount > lane.bufHead) {
            last = Math.max(last, stepOf(lane.bufT[lane.bufCount - 1]) + 1);
        }
        long target = Math.max(l.net.currentStep(), scorer.tickEndAtOrAfter(last) + READOUT_DELAY);
        for (LabelInterval iv : intervals) {
            if (iv.from < last || iv.registered) {
                target = Math.max(target, iv.emitAt + 1);
            }
        }
        return target;
    }

    @Override
    public boolean idle(SensorLane lane) {
        long target = closingStep();
        if (target <= l.net.currentStep()) {
            return false;
        }
        advanceTo(target);
        return true;
    }

    @Override
    public void flush() {
        advanceTo(closingStep());
    }

    @Override
    public void finish() {
        if (held > 0) {
            dropHeld();
        }
        advanceTo(closingStep());
        // labels beyond the end of the data: nothing will ever cover them
        for (LabelInterval iv : intervals) {
            reject(LabelOutcome.LATE, iv.sampleId, iv.startUs, iv.endUs);
        }
        intervals.clear();
    }

    // ------------------------------------------------------------------ scoring

    @Override
    public void onStep(long t) {
        if (t - l.raster.from() >= RASTER_STEPS) {
            l.raster.startWindow(t); // keeps the raster capture bounded on an endless stream
        }
        if (!anchored) {
            return;
        }
        scorer.onStep(t);
    }

    // ------------------------------------------------------------------ checkpoint

    /*
     * After the learner's counters: the continuous counters, the learning switch, the clock (anchored, anchor time and
     * step, newest event), the waiting events, the held events of an unconfirmed jump, the scorer (open tick, label
     * intervals with their scoring), the last label end, and the hot-pixel filter.
     */
    @Override
    public void writeState(StateWriter out) {
        StreamLearner.Counters c = l.counters;
        out.putLongs(new long[] {c.eventsLate, c.eventsClockJump, c.clockReanchors, c.ticks, c.gapsCollapsed, c.gapSkippedUs});
        out.putLongs(c.labelsRejected);
        out.putBoolean(l.learning());
        out.putBoolean(anchored);
        out.putLong(anchorUs);
        out.putLong(anchorStep);
        out.putLong(lane.maxEventUs);
        lane.writeBuffer(out);
        out.putBoolean(heldAhead);
        out.putLongs(heldT, 0, held);
        out.putInts(heldIn, 0, held);
        scorer.writeState(out);
        out.putLong(lastLabelEndUs);
        lane.mapper.writeState(out);
    }

    @Override
    public void readState(StateReader in) throws CheckpointException {
        long[] c = new long[6];
        in.readLongs(c, "continuous counters");
        long[] rejected = new long[l.counters.labelsRejected.length];
        in.readLongs(rejected, "rejected labels");
        boolean learn = in.getBoolean();
        boolean anch = in.getBoolean();
        long aUs = in.getLong();
        long aStep = in.getLong();
        long maxUs = in.getLong();
        SensorLane fresh = l.newLane(lane.sensorId);
        PerWindowTime.readBuffer(in, fresh);
        boolean hAhead = in.getBoolean();
        long[] ht = in.getLongs("held event times");
        int[] hi = in.getInts("held event inputs");
        if (ht.length > jumpConfirm || hi.length != ht.length) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, ht.length + " held events, at most "
                + jumpConfirm + " fit");
        }
        Runnable applyScorer = scorer.readState(in);
        long lastEnd = in.getLong();
        lane.mapper.readState(in);
        // all read: apply
        l.counters.eventsLate = c[0];
        l.counters.eventsClockJump = c[1];
        l.counters.clockReanchors = c[2];
        l.counters.ticks = c[3];
        l.counters.gapsCollapsed = c[4];
        l.counters.gapSkippedUs = c[5];
        System.arraycopy(rejected, 0, l.counters.labelsRejected, 0, rejected.length);
        anchored = anch;
        anchorUs = aUs;
        anchorStep = aStep;
        lane.maxEventUs = maxUs;
        lane.readBuffer(java.util.Arrays.copyOfRange(fresh.bufT, fresh.bufHead, fresh.bufCount),
            java.util.Arrays.copyOfRange(fresh.bufIn, fresh.bufHead, fresh.bufCount));
        heldAhead = hAhead;
        held = ht.length;
        System.arraycopy(ht, 0, heldT, 0, held);
        System.arraycopy(hi, 0, heldIn, 0, held);
        applyScorer.run();
        lastLabelEndUs = lastEnd;
        l.restoredLearning(learn);
    }
}
