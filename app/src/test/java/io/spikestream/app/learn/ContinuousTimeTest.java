package io.spikestream.app.learn;

import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;

import io.spikestream.network.checkpoint.CheckpointReader;
import io.spikestream.network.checkpoint.CheckpointWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code time.mode = continuous} on real N-MNIST recordings: a prediction every {@code output.predict_every_ms} of
 * stream time, labelled or not, no event dropped as unlabelled; label intervals scored at their end and over their
 * ticks; bad labels, late events and clock jumps counted while the sensor goes on; frozen serving equal to a
 * learning-off run; checkpoints anywhere continue bit for bit.
 */
class ContinuousTimeTest {

    static Settings settings(String... extra) throws Exception {
        List<String> o = new ArrayList<>(List.of("network.n_rec=40", "time.mode=continuous", "optimizer.type=adam",
            "optimizer.eta=0.001"));
        o.addAll(List.of(extra));
        return Settings.load(List.of(), o);
    }

    static List<StreamLearner.Prediction> of(List<StreamLearner.Prediction> all, StreamLearner.Prediction.Kind kind) {
        return all.stream().filter(p -> p.kind() == kind).toList();
    }

    static StreamScript unlabelled(StreamScript s) {
        StreamScript u = new StreamScript();
        s.items.stream().filter(i -> i instanceof StreamScript.Events).forEach(u.items::add);
        u.endUs = s.endUs;
        return u;
    }

    @Test
    void anUnlabelledRecordingIsPredictedEveryTenMillisecondsAndNoEventIsDropped() throws Exception {
        StreamScript script = unlabelled(StreamScript.nmnist(1, 500, 0));
        List<StreamLearner.Prediction> out = new ArrayList<>();
        long first = ((StreamScript.Events) script.items.get(0)).t()[0];
        try (StreamLearner l = new StreamLearner(settings(), out::add)) {
            assertEquals("continuous", l.timeMode());
            script.items.forEach(i -> i.apply(l));
            int before = out.size();
            assertTrue(before >= 25, "ticks before the end: " + before);
            l.finish();
            StreamLearner.Counters c = l.counters();
            assertEquals(0, c.eventsUnlabelled);
            assertEquals(0, c.eventsLate);
            assertEquals(c.eventsIn - c.eventsBlocked - c.eventsOutOfGeometry, c.eventsMapped, "every event reached the network");
            assertTrue(l.recurrentSpikes() > 0, "the network spiked");
            long[] raster = l.lastWindowSteps();
            assertEquals(300, raster[1] - raster[0], "the raster keeps one 300-step window, not the whole stream");
        }
        List<StreamLearner.Prediction> ticks = of(out, StreamLearner.Prediction.Kind.TICK);
        assertEquals(out.size(), ticks.size(), "no labels: ticks only");
        assertEquals(Math.floorDiv(first, 1000) * 1000, ticks.get(0).windowStartUs(), "ticks start at the first event's step");
        for (int i = 0; i < ticks.size(); i++) {
            StreamLearner.Prediction p = ticks.get(i);
            assertEquals(10_000, p.windowEndUs() - p.windowStartUs());
            if (i > 0) {
                assertEquals(ticks.get(i - 1).windowEndUs(), p.windowStartUs(), "contiguous spans");
            }
            assertEquals(-1, p.label());
            assertFalse(p.learning());
            assertTrue(p.predicted() >= 0 && p.predicted() < 10);
            assertTrue(p.confidence() > 0 && p.confidence() <= 1, "confidence " + p.confidence());
        }
        long lastEvent = ((StreamScript.Events) script.items.get(script.items.size() - 1)).t()[0];
        assertTrue(ticks.get(ticks.size() - 1).windowEndUs() > lastEvent, "the last tick covers the end of the recording");
    }

    @Test
    void labelIntervalsAreScoredAtTheirEndAndOverTheirTicksAndLearnedFrom() throws Exception {
        StreamScript script = StreamScript.nmnist(3, 700, 50_000);
        List<StreamLearner.Prediction> out = new ArrayList<>();
        double[] learned;
        try (StreamLearner l = new StreamLearner(settings(), out::add)) {
            script.items.forEach(i -> i.apply(l));
            l.finish();
            learned = StreamLearner.weights(l.projections().get("recurrent->readout"));
            assertEquals(3, l.counters().windowsLearned);
        }
        List<StreamLearner.Prediction> intervals = of(out, StreamLearner.Prediction.Kind.INTERVAL);
        assertEquals(3, intervals.size());
        List<StreamScript.Label> labels = script.items.stream().filter(i -> i instanceof StreamScript.Label)
            .map(i -> (StreamScript.Label) i).toList();
        for (int k = 0; k < 3; k++) {
            StreamLearner.Prediction iv = intervals.get(k);
            assertEquals(labels.get(k).id(), iv.sampleId());
            assertEquals(labels.get(k).startUs(), iv.windowStartUs());
            assertEquals(labels.get(k).endUs(), iv.windowEndUs());
            assertEquals(labels.get(k).label(), iv.label());
            assertTrue(iv.learning());
            assertFalse(Double.isNaN(iv.loss()));
            long covered = of(out, StreamLearner.Prediction.Kind.TICK).stream().filter(t -> iv.sampleId().equals(t.sampleId()))
                .count();
            assertTrue(covered >= 25, "ticks labelled with " + iv.sampleId() + ": " + covered);
            assertTrue(iv.majority() >= 0);
        }
        // the gaps between recordings are predicted, unlabelled, not learned from
        assertTrue(of(out, StreamLearner.Prediction.Kind.TICK).stream().anyMatch(t -> t.label() < 0
            && t.windowStartUs() > labels.get(0).endUs() && t.windowEndUs() < labels.get(1).startUs()));
        // learning happened: a frozen learner keeps its initial weights on the same stream
        List<StreamLearner.Prediction> frozenOut = new ArrayList<>();
        try (StreamLearner l = new StreamLearner(settings(), frozenOut::add)) {
            double[] initial = StreamLearner.weights(l.projections().get("recurrent->readout"));
            l.freeze();
            script.items.forEach(i -> i.apply(l));
            l.finish();
            assertArrayEquals(initial, StreamLearner.weights(l.projections().get("recurrent->readout")));
            assertEquals(0, l.counters().windowsLearned);
            assertFalse(Arrays.equals(initial, learned), "the learning run changed its weights");
        }
        assertTrue(of(frozenOut, StreamLearner.Prediction.Kind.INTERVAL).stream().noneMatch(StreamLearner.Prediction::learning));
    }

    @Test
    void frozenServingIsBitIdenticalToALearningOffRun() throws Exception {
        StreamScript script = StreamScript.nmnist(2, 600, 20_000);
        List<StreamLearner.Prediction> frozen = new ArrayList<>();
        List<StreamLearner.Prediction> off = new ArrayList<>();
        byte[] a;
        byte[] b;
        try (StreamLearner l = new StreamLearner(settings(), frozen::add)) {
            l.freeze();
            l.setLearning(true); // ignored: frozen is for good
            script.items.forEach(i -> i.apply(l));
            l.finish();
            a = LearnerCheckpointTest.state(l);
        }
        try (StreamLearner l = new StreamLearner(settings(), off::add)) {
            l.setLearning(false);
            script.items.forEach(i -> i.apply(l));
            l.finish();
            b = LearnerCheckpointTest.state(l);
        }
        assertEquals(frozen.size(), off.size());
        for (int i = 0; i < frozen.size(); i++) {
            assertArrayEquals(frozen.get(i).scores(), off.get(i).scores());
            assertEquals(frozen.get(i).windowStartUs(), off.get(i).windowStartUs());
        }
        assertArrayEquals(a, b, "same state, same checkpoint");
    }

    @Test
    void badLabelsAreCountedByReasonAndTheSensorGoesOn() throws Exception {
        StreamScript script = StreamScript.nmnist(2, 800, 10_000);
        List<StreamLearner.Prediction> out = new ArrayList<>();
        List<String> rejected = new ArrayList<>();
        StreamLearner.Listener listener = new StreamLearner.Listener() {
            @Override
            public void onPrediction(StreamLearner.Prediction p) {
                out.add(p);
            }

            @Override
            public void onRejectedLabel(String sensorId, String sampleId, String reason, String detail) {
                rejected.add(sampleId + ":" + reason);
            }
        };
        try (StreamLearner l = new StreamLearner(settings("time.max_label_us=2000000"), listener)) {
            StreamScript.Label first = (StreamScript.Label) script.items.get(0);
            l.onLabel("neg", first.startUs(), first.startUs() + 10, -1);
            l.onLabel("big", first.startUs(), first.startUs() + 10, 10);
            l.onLabel("long", first.startUs(), first.startUs() + 3_000_000, 1);
            script.items.forEach(i -> i.apply(l));
            l.onLabel("overlap", first.startUs() + 5, first.startUs() + 50, 1);
            l.onLabel("late", script.endUs - 400_000 + 1_000_000, script.endUs + 1_100_000, 1); // far future: fine
            l.finish();
            StreamLearner.Counters c = l.counters();
            assertEquals(java.util.Map.of("no_class", 1L, "unknown_class", 1L, "too_long", 1L, "overlaps", 1L, "late", 1L),
                c.labelsRejectedByReason());
            assertEquals(2, c.windowsLearned, "the good labels were learned from");
        }
        assertEquals(List.of("neg:no_class", "big:unknown_class", "long:too_long", "overlap:overlaps", "late:late"), rejected);
        assertEquals(2, of(out, StreamLearner.Prediction.Kind.INTERVAL).size());
    }

    @Test
    void lateEventsAreCountedNeverPlacedInAWrongStep() throws Exception {
        StreamScript script = unlabelled(StreamScript.nmnist(1, 400, 0));
        try (StreamLearner l = new StreamLearner(settings("time.reorder_slack_us=3000"), p -> { })) {
            script.items.forEach(i -> i.apply(l));
            long now = l.network().currentStep();
            long mapped = l.counters().eventsMapped;
            long t = l.streamTimeUs();
            // 2 ms behind the newest: inside the slack, still placed; 20 ms behind: its step already ran
            l.onEvents(new int[] {1, 2}, new int[] {1, 2}, new byte[] {0, 1}, new long[] {t - 2_000, t - 20_000}, 2);
            assertEquals(1, l.counters().eventsLate);
            assertEquals(mapped + 1, l.counters().eventsMapped);
            assertEquals(now, l.network().currentStep(), "nothing newer arrived: the watermark did not move");
        }
    }

    @Test
    void aYear3000TimestampCostsOneEventAndACameraRestartReAnchorsTheClock() throws Exception {
        StreamScript script = unlabelled(StreamScript.nmnist(1, 300, 0));
        List<StreamLearner.Prediction> out = new ArrayList<>();
        try (StreamLearner l = new StreamLearner(settings(), out::add)) {
            int half = script.items.size() / 2;
            script.items.subList(0, half).forEach(i -> i.apply(l));
            long year3000 = 32_503_680_000_000_000L;
            l.onEvents(new int[] {3}, new int[] {3}, new byte[] {1}, new long[] {year3000}, 1);
            int ticks = out.size();
            script.items.subList(half, script.items.size()).forEach(i -> i.apply(l));
            assertEquals(1, l.counters().eventsClockJump, "the corrupt event alone was dropped");
            assertEquals(0, l.counters().clockReanchors);
            assertTrue(out.size() > ticks + 5, "the sensor went on predicting");
            // the camera restarts: its clock starts again from the beginning of the recording
            long stepBefore = l.network().currentStep();
            int before = out.size();
            script.items.forEach(i -> i.apply(l));
            assertEquals(1, l.counters().clockReanchors);
            assertTrue(l.network().currentStep() > stepBefore + 100, "the restarted stream runs on the same step line");
            assertTrue(out.size() > before + 10, "and is predicted");
            for (int i = 1; i < out.size(); i++) {
                assertTrue(out.get(i).windowEndUs() - out.get(i).windowStartUs() == 10_000);
            }
            assertTrue(l.counters().eventsClockJump <= 1 + 0, "a confirmed jump drops nothing: " + l.counters().eventsClockJump);
        }
    }

    @Test
    void idleMovesASilentSensorOnSoItsLastTickComesOut() throws Exception {
        StreamScript script = unlabelled(StreamScript.nmnist(1, 500, 0));
        List<StreamLearner.Prediction> out = new ArrayList<>();
        try (StreamLearner l = new StreamLearner(settings("time.reorder_slack_us=20000"), out::add)) {
            script.items.forEach(i -> i.apply(l));
            long lastEvent = l.streamTimeUs();
            assertTrue(out.get(out.size() - 1).windowEndUs() <= lastEvent - 10_000, "held back by the slack");
            assertTrue(l.idle(""));
            assertTrue(out.get(out.size() - 1).windowEndUs() > lastEvent, "the last tick is out");
            assertFalse(l.idle(""), "nothing new: idle again does nothing");
        }
    }

    @Test
    void stoppedAnywhereAndRestoredAContinuousLearnerContinuesExactly(@TempDir Path dir) throws Exception {
        Settings s = settings("sensor.hot_pixel_refractory_us=300");
        StreamScript script = StreamScript.nmnist(3, 700, 30_000);
        int n = script.items.size();
        CheckpointReplay.Learners learners = out -> new StreamLearner(s, out::add);
        CheckpointReplay.Result reference = CheckpointReplay.straight(learners, script);
        for (int stop : new int[] {0, 1, n / 3, n / 2 + 1, n - 1}) {
            CheckpointReplay.Result got = CheckpointReplay.stoppedAndRestored(learners, script, stop,
                dir.resolve("c-" + stop + ".ckpt"));
            assertArrayEquals(reference.finalState(), got.finalState(), "state after a stop at " + stop);
            assertEquals(reference.predictions().size(), got.predictions().size(), "predictions with a stop at " + stop);
            for (int i = 0; i < got.predictions().size(); i++) {
                assertArrayEquals(reference.predictions().get(i).scores(), got.predictions().get(i).scores(),
                    "prediction " + i + ", stop " + stop);
                assertEquals(reference.predictions().get(i).kind(), got.predictions().get(i).kind());
            }
        }
    }

    /** The network's checkpoint sections alone (neurons, synapses, rule, drives): what a silence may change. */
    static byte[] networkState(StreamLearner l) {
        CheckpointWriter w = new CheckpointWriter(l.network().checkpointShape());
        l.network().addCheckpointSections(w);
        return w.toBytes();
    }

    /**
     * Every section of two network states equal byte for byte, except the input population's scheduled-input ring,
     * whose capacity depends on how far ahead the next recording's events were scheduled (stepping buffers them up
     * to 4096 steps ahead, a carried silence resumes closer); nothing is pending in either.
     */
    static void assertSameNetworkState(byte[] expected, byte[] actual) throws Exception {
        CheckpointReader e = CheckpointReader.of(java.lang.foreign.MemorySegment.ofArray(expected), "stepped");
        CheckpointReader a = CheckpointReader.of(java.lang.foreign.MemorySegment.ofArray(actual), "carried");
        assertEquals(e.sectionNames(), a.sectionNames());
        int compared = 0;
        for (String name : e.sectionNames()) {
            if (name.equals("network/drive/0")) {
                continue;
            }
            assertArrayEquals(e.section(name).body().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                a.section(name).body().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), "section " + name);
            compared++;
        }
        assertTrue(compared >= 8, "sections compared: " + compared);
    }

    /**
     * A minute of silence between two labelled recordings, carried in closed form, against the same stream stepped
     * through every one of its 60,000 steps (time.max_simulated_gap_us beyond the silence): the network's whole state
     * (membranes, traces, f_av, histories, optimizer clocks, weights) and every prediction after the silence are
     * bit-identical, at a few hundred steps instead of 60,000.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aMinuteOfSilenceIsCarriedInClosedFormExactlyAsSteppingThroughIt(int threads) throws Exception {
        StreamScript a = StreamScript.nmnist(2, 500, 20_000);
        StreamScript b = StreamScript.nmnist(2, 500, 20_000, 3, a.endUs + 60_000_000L);
        List<StreamLearner.Prediction> carried = new ArrayList<>();
        List<StreamLearner.Prediction> stepped = new ArrayList<>();
        long carriedSteps;
        long firstOfB = ((StreamScript.Events) b.items.get(1)).t()[0];
        byte[] carriedState;
        byte[] carriedAtResume;
        try (StreamLearner l = new StreamLearner(settings("network.threads=" + threads), carried::add)) {
            a.items.forEach(i -> i.apply(l));
            long before = l.network().currentStep();
            b.items.forEach(i -> i.apply(l));
            l.finish();
            carriedSteps = l.network().currentStep() - before;
            assertEquals(1, l.counters().gapsCollapsed);
            assertTrue(l.counters().gapSkippedUs > 58_000_000L, "carried " + l.counters().gapSkippedUs);
            assertEquals(0, l.counters().eventsLate);
            assertEquals(0, l.counters().clockReanchors);
            carriedState = networkState(l);
        }
        long steppedSteps;
        byte[] steppedState;
        try (StreamLearner l = new StreamLearner(settings("network.threads=" + threads,
            "time.max_simulated_gap_us=600000000"), stepped::add)) {
            a.items.forEach(i -> i.apply(l));
            long before = l.network().currentStep();
            b.items.forEach(i -> i.apply(l));
            l.finish();
            steppedSteps = l.network().currentStep() - before;
            assertEquals(0, l.counters().gapsCollapsed);
            steppedState = networkState(l);
        }
        assertEquals(steppedSteps, carriedSteps, "the clock runs on: both network step lines end at the same step");
        assertSameNetworkState(steppedState, carriedState);
        List<StreamLearner.Prediction> c = carried.stream().filter(p -> p.windowStartUs() >= firstOfB - 1000).toList();
        List<StreamLearner.Prediction> s = stepped.stream().filter(p -> p.windowStartUs() >= firstOfB - 1000).toList();
        assertTrue(c.size() >= 50, "predictions of the second recording: " + c.size());
        assertEquals(s.size(), c.size());
        for (int i = 0; i < c.size(); i++) {
            assertArrayEquals(s.get(i).scores(), c.get(i).scores(), "prediction " + i + " after the silence");
            assertEquals(s.get(i).kind(), c.get(i).kind());
            assertEquals(s.get(i).windowStartUs(), c.get(i).windowStartUs());
        }
        assertTrue(carried.stream().noneMatch(p -> p.windowStartUs() > a.endUs + 1_000_000L
            && p.windowEndUs() < firstOfB - 1_000_000L), "nothing published for the carried silence");
        assertTrue(stepped.size() > carried.size() + 5_000, "stepping publishes a tick every 10 ms of the silence");
    }

    /** The same stream with every label moved to just after the first event batch at or past its interval's end. */
    static StreamScript labelsAfterTheirIntervals(StreamScript s) {
        StreamScript out = new StreamScript();
        List<StreamScript.Label> waiting = new ArrayList<>();
        for (StreamScript.Item i : s.items) {
            if (i instanceof StreamScript.Label lab) {
                waiting.add(lab);
                continue;
            }
            out.items.add(i);
            long last = ((StreamScript.Events) i).t()[((StreamScript.Events) i).t().length - 1];
            waiting.removeIf(lab -> {
                if (last >= lab.endUs() - 1) {
                    out.items.add(lab);
                    return true;
                }
                return false;
            });
        }
        out.items.addAll(waiting);
        out.endUs = s.endUs;
        return out;
    }

    /**
     * Two speeds (time.label_delay_us = 400 ms, labels arriving after their intervals' events): the learner waits for
     * them and learns exactly what a run with labels on time learns (weights and interval predictions bit for bit),
     * while the tick predictions come from the preview at the watermark, not 400 ms behind it.
     */
    @Test
    void lateLabelsAreLearnedAsIfOnTimeWhileTicksDoNotWaitForThem() throws Exception {
        StreamScript onTime = StreamScript.nmnist(3, 200, 20_000);
        StreamScript late = labelsAfterTheirIntervals(onTime);
        List<StreamLearner.Prediction> a = new ArrayList<>();
        List<double[]> weightsOnTime = new ArrayList<>();
        try (StreamLearner l = new StreamLearner(settings(), a::add)) {
            onTime.items.forEach(i -> i.apply(l));
            l.finish();
            l.projections().values().forEach(p -> weightsOnTime.add(StreamLearner.weights(p)));
        }
        List<StreamLearner.Prediction> b = new ArrayList<>();
        long worstLagUs = 0;
        try (StreamLearner l = new StreamLearner(settings("time.label_delay_us=400000"), b::add)) {
            long newest = Long.MIN_VALUE;
            for (StreamScript.Item i : late.items) {
                i.apply(l);
                if (i instanceof StreamScript.Events e) {
                    newest = Math.max(newest, e.t()[e.t().length - 1]);
                    long lastTickEnd = b.stream().filter(p -> p.kind() == StreamLearner.Prediction.Kind.TICK)
                        .mapToLong(StreamLearner.Prediction::windowEndUs).max().orElse(newest);
                    worstLagUs = Math.max(worstLagUs, newest - lastTickEnd);
                }
            }
            l.finish();
            assertEquals(0, l.counters().labelsRejectedTotal(), "every late label was in time for the learner");
            int q = 0;
            for (var p : l.projections().values()) {
                assertArrayEquals(weightsOnTime.get(q++), StreamLearner.weights(p), "weights of " + p);
            }
        }
        assertTrue(worstLagUs < 2_000 + 2 * 10_000 + 2_000, "ticks lag the newest event by at most the slack and two "
            + "ticks, not label_delay_us: worst " + worstLagUs + " us");
        List<StreamLearner.Prediction> ia = of(a, StreamLearner.Prediction.Kind.INTERVAL);
        List<StreamLearner.Prediction> ib = of(b, StreamLearner.Prediction.Kind.INTERVAL);
        assertEquals(3, ia.size());
        assertEquals(ia.size(), ib.size());
        for (int i = 0; i < ia.size(); i++) {
            assertArrayEquals(ia.get(i).scores(), ib.get(i).scores(), "interval " + i);
        }
        int ticksA = of(a, StreamLearner.Prediction.Kind.TICK).size();
        int ticksB = of(b, StreamLearner.Prediction.Kind.TICK).size();
        assertTrue(Math.abs(ticksA - ticksB) <= 2, "ticks on time " + ticksA + ", with late labels " + ticksB);
        assertTrue(of(b, StreamLearner.Prediction.Kind.TICK).stream().noneMatch(p -> p.label() >= 0),
            "labels arriving after their ticks ran are not on those ticks (the learner learns from them)");
    }

    /**
     * supervision.interval_tail_us moves an interval's target, learning window and scoring past its end (into the
     * silence after a recording, where per_window's windows sit): the scores change, and a label starting inside the
     * previous one's tail overlaps it.
     */
    @Test
    void anIntervalTailMovesLearningAndScoringIntoTheSilenceAfterTheRecording() throws Exception {
        StreamScript spaced = StreamScript.nmnist(2, 500, 50_000);
        List<StreamLearner.Prediction> plain = new ArrayList<>();
        List<StreamLearner.Prediction> tailed = new ArrayList<>();
        try (StreamLearner l = new StreamLearner(settings(), plain::add)) {
            spaced.items.forEach(i -> i.apply(l));
            l.finish();
        }
        try (StreamLearner l = new StreamLearner(settings("supervision.interval_tail_us=30000"), tailed::add)) {
            spaced.items.forEach(i -> i.apply(l));
            l.finish();
            assertEquals(0, l.counters().labelsRejectedTotal());
        }
        List<StreamLearner.Prediction> a = of(plain, StreamLearner.Prediction.Kind.INTERVAL);
        List<StreamLearner.Prediction> b = of(tailed, StreamLearner.Prediction.Kind.INTERVAL);
        assertEquals(2, a.size());
        assertEquals(2, b.size());
        assertEquals(a.get(0).windowEndUs(), b.get(0).windowEndUs(), "the label's own span is reported");
        assertFalse(Arrays.equals(a.get(0).scores(), b.get(0).scores()), "scored 30 ms later, in the silence");
        StreamScript close = StreamScript.nmnist(2, 500, 10_000);
        try (StreamLearner l = new StreamLearner(settings("supervision.interval_tail_us=30000"), p -> { })) {
            close.items.forEach(i -> i.apply(l));
            l.finish();
            assertEquals(Map.of("overlaps", 1L), l.counters().labelsRejectedByReason());
        }
    }

    /** What cannot be carried (a rule without a closed form) is skipped after max_simulated_gap_us, as before. */
    @Test
    void aMinuteOfSilenceTheNetworkCannotBeCarriedOverIsSkippedAfterTwoSeconds() throws Exception {
        StreamScript a = unlabelled(StreamScript.nmnist(1, 500, 0));
        StreamScript b = unlabelled(StreamScript.nmnist(1, 500, 0, 1, a.endUs + 60_000_000L));
        List<StreamLearner.Prediction> out = new ArrayList<>();
        try (StreamLearner l = new StreamLearner(settings("network.rule=eprop-exact"), out::add)) {
            a.items.forEach(i -> i.apply(l));
            long before = l.network().currentStep();
            b.items.forEach(i -> i.apply(l));
            l.finish();
            long steps = l.network().currentStep() - before;
            assertTrue(steps < 2_000 + 400 + 50, "steps for a minute of silence and a recording: " + steps);
            assertEquals(1, l.counters().gapsCollapsed);
            assertTrue(l.counters().gapSkippedUs > 57_000_000L, "skipped " + l.counters().gapSkippedUs);
            assertEquals(0, l.counters().eventsLate);
            assertEquals(l.counters().eventsIn - l.counters().eventsBlocked, l.counters().eventsMapped);
        }
        long firstOfB = ((StreamScript.Events) b.items.get(0)).t()[0];
        List<StreamLearner.Prediction> after = out.stream().filter(p -> p.windowStartUs() >= firstOfB - 1000).toList();
        assertTrue(after.size() >= 25, "ticks of the second recording: " + after.size());
        assertTrue(out.stream().noneMatch(p -> p.windowStartUs() > a.endUs + 3_000_000L && p.windowEndUs() < firstOfB - 1000),
            "nothing published for the skipped silence");
    }

    @Test
    void aLearnedCheckpointServedFrozenKeepsItsShapeAndMatchesALearningOffRun(@TempDir Path dir) throws Exception {
        Settings s = settings();
        Path file = dir.resolve("learned.ckpt");
        String shape;
        try (StreamLearner l = new StreamLearner(s, p -> { })) {
            StreamScript.nmnist(3, 700, 20_000).items.forEach(i -> i.apply(l));
            l.finish();
            shape = l.checkpointShape();
            CheckpointWriter w = new CheckpointWriter(shape);
            l.addCheckpointSections(w);
            w.writeAtomically(file);
        }
        StreamScript serve = StreamScript.nmnist(2, 600, 20_000, 5, 10_000_000L);
        List<StreamLearner.Prediction> frozen = new ArrayList<>();
        List<StreamLearner.Prediction> off = new ArrayList<>();
        double[] before;
        double[] after;
        try (StreamLearner l = new StreamLearner(s, frozen::add); CheckpointReader r = CheckpointReader.open(file)) {
            r.requireShape(l.checkpointShape());
            l.restore(r);
            l.freeze();
            assertEquals(shape, l.checkpointShape(), "serving does not change the shape");
            before = StreamLearner.weights(l.projections().get("recurrent->readout"));
            serve.items.forEach(i -> i.apply(l));
            l.finish();
            after = StreamLearner.weights(l.projections().get("recurrent->readout"));
        }
        try (StreamLearner l = new StreamLearner(s, off::add); CheckpointReader r = CheckpointReader.open(file)) {
            l.restore(r);
            l.setLearning(false);
            serve.items.forEach(i -> i.apply(l));
            l.finish();
        }
        // learning off is NEST's test phase (eta 0 from each synapse's next update): the one update per synapse that
        // was under way when the checkpoint was taken completes with the rate it began with, as in a learning-off run
        assertTrue(before.length == after.length);
        assertTrue(frozen.stream().noneMatch(StreamLearner.Prediction::learning), "nothing learned from what is served");
        assertTrue(frozen.stream().allMatch(p -> p.modelVersion() == frozen.get(0).modelVersion()), "no new versions");
        assertEquals(off.size(), frozen.size());
        assertTrue(frozen.size() > 50);
        for (int i = 0; i < frozen.size(); i++) {
            assertArrayEquals(off.get(i).scores(), frozen.get(i).scores(), "prediction " + i);
            assertEquals(off.get(i).kind(), frozen.get(i).kind());
        }
    }
}
