package io.spikestream.app.learn;

import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.CheckpointReader;
import io.spikestream.network.checkpoint.CheckpointWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sensor.share_network}: one network learns from the windows of several sensors, each sensor's stream kept
 * apart (its own clock, label matching, lateness and hot-pixel filter), windows learned one after another as they
 * complete; checkpoints hold every sensor's side.
 */
class SharedNetworkTest {

    private static Settings settings(boolean shared) throws Exception {
        return Settings.load(List.of(), List.of("network.n_rec=40", "time.lateness_us=50000",
            "sensor.hot_pixel_refractory_us=300", "optimizer.type=adam", "optimizer.eta=0.001", "optimizer.batch_size=2",
            "sensor.share_network=" + shared));
    }

    /** Two sensors whose clocks overlap (both start at stream time 0), their calls alternating as two partitions would. */
    private static StreamScript twoSensors() throws Exception {
        StreamScript a = StreamScript.nmnist(4, 700, 2000, 0).forSensor("camA");
        StreamScript b = StreamScript.nmnist(3, 500, 5000, 10).forSensor("camB");
        return StreamScript.interleave(a, b);
    }

    private static List<StreamLearner.Prediction> run(Settings s, StreamScript script) throws Exception {
        List<StreamLearner.Prediction> out = new ArrayList<>();
        try (StreamLearner l = new StreamLearner(s, out::add)) {
            script.items.forEach(i -> i.apply(l));
            l.finish();
        }
        return out;
    }

    @Test
    void everySensorsWindowsAreLearnedByTheOneNetworkOnTheirOwnClocks() throws Exception {
        List<StreamLearner.Prediction> out = new ArrayList<>();
        try (StreamLearner l = new StreamLearner(settings(true), out::add)) {
            twoSensors().items.forEach(i -> i.apply(l));
            l.finish();
            assertEquals(List.of("camA", "camB"), List.copyOf(l.sensors()));
            assertEquals(7, l.counters().windows);
            assertEquals(7, l.counters().windowsLearned);
            // camB's labels start at stream time 0 after camA passed it: on one clock they would all be late
            assertEquals(0, l.counters().labelsLate);
            assertEquals(0, l.counters().eventsUnlabelled);
        }
        assertEquals(4, out.stream().filter(p -> p.sensorId().equals("camA")).count());
        assertEquals(3, out.stream().filter(p -> p.sensorId().equals("camB")).count());
        // one model: every window learned moves the same version counter (a window's score completes two steps into
        // the next window, whichever sensor's it is; the last two complete at the end of the stream)
        assertEquals(List.of(2L, 3L, 4L, 5L, 6L, 7L, 7L), out.stream().map(StreamLearner.Prediction::modelVersion).toList(),
            out.stream().map(p -> p.sensorId() + ":" + p.modelVersion()).collect(Collectors.joining(" ")));
    }

    @Test
    void aSharedNetworkOfOneSensorLearnsExactlyAsItsOwnNetwork() throws Exception {
        StreamScript one = StreamScript.nmnist(4, 700, 2000, 0);
        List<StreamLearner.Prediction> own = run(settings(false), one);
        List<StreamLearner.Prediction> shared = run(settings(true), one.forSensor("camA"));
        assertEquals(4, own.size());
        assertEquals(own.size(), shared.size());
        for (int i = 0; i < own.size(); i++) {
            assertEquals("", own.get(i).sensorId());
            assertEquals("camA", shared.get(i).sensorId());
            assertArrayEquals(own.get(i).scores(), shared.get(i).scores(), "window " + i);
        }
    }

    @Test
    void theSecondSensorChangesWhatTheFirstOnePredicts() throws Exception {
        // camA's windows alone versus camA's windows in a network that also learns camB's: the shared network learned
        // from both (with learning on, the same camA windows are scored by a different model)
        List<StreamLearner.Prediction> alone = run(settings(true), StreamScript.nmnist(4, 700, 2000, 0).forSensor("camA"));
        List<StreamLearner.Prediction> both = run(settings(true), twoSensors()).stream()
            .filter(p -> p.sensorId().equals("camA")).toList();
        assertEquals(alone.size(), both.size());
        boolean differs = false;
        for (int i = 0; i < alone.size(); i++) {
            differs |= !java.util.Arrays.equals(alone.get(i).scores(), both.get(i).scores());
        }
        assertTrue(differs, "later camA windows are scored by a network that learned camB's windows too");
    }

    @Test
    void stoppedAnywhereTheSharedNetworkContinuesExactly(@TempDir Path dir) throws Exception {
        continuesExactly(settings(true), dir);
    }

    /**
     * models.max_lanes=1 with two sensors whose calls alternate: every switch drops the other sensor's lane (its windows
     * run as at the end of the stream first). Which lane goes depends only on what checkpoints keep, so a learner stopped
     * anywhere and restored still ends bit for bit where one that never stopped does.
     */
    @Test
    void droppedLanesDoNotChangeWhatARestartLearns(@TempDir Path dir) throws Exception {
        Settings s = settings(true).with("models.max_lanes", "1");
        try (StreamLearner l = new StreamLearner(s, p -> { })) {
            twoSensors().items.forEach(i -> {
                i.apply(l);
                assertTrue(l.sensors().size() <= 1, "lanes " + l.sensors());
            });
            assertTrue(l.counters().lanesRetired > 10, "lanes retired: " + l.counters().lanesRetired);
            assertTrue(l.counters().windowsLearned > 0);
        }
        continuesExactly(s, dir);
    }

    /** 10,000 sensor ids through one shared network: at most models.max_lanes lanes, the rest dropped and counted. */
    @Test
    void tenThousandSensorsKeepAtMostMaxLanes() throws Exception {
        Settings s = Settings.load(List.of(), List.of("sensor.width=4", "sensor.height=4", "network.n_rec=4",
            "sensor.share_network=true", "models.max_lanes=16"));
        try (StreamLearner l = new StreamLearner(s, p -> { })) {
            for (int i = 0; i < 10_000; i++) {
                l.onEvents("sensor-" + i, new int[] {1}, new int[] {2}, new byte[] {1}, new long[] {1000}, 1);
                assertTrue(l.sensors().size() <= 16);
            }
            assertEquals(16, l.sensors().size());
            assertTrue(l.sensors().contains("sensor-9999"), "the newest stays");
            assertEquals(10_000 - 16, l.counters().lanesRetired);
            // every dropped lane still held its one event (no label covered it): counted, not silently lost
            assertEquals(10_000 - 16, l.counters().eventsUnlabelled);
        }
    }

    private static void continuesExactly(Settings s, Path dir) throws Exception {
        StreamScript script = twoSensors();
        int n = script.items.size();
        CheckpointReplay.Learners learners = out -> new StreamLearner(s, out::add);
        CheckpointReplay.Result reference = CheckpointReplay.straight(learners, script);
        for (int stop : new int[] {1, n / 3, n / 2 + 1, n - 1}) {
            CheckpointReplay.Result got = CheckpointReplay.stoppedAndRestored(learners, script, stop,
                dir.resolve("shared-" + stop + ".ckpt"));
            assertArrayEquals(reference.finalState(), got.finalState(), "final state after a stop at item " + stop + " of " + n);
            assertEquals(reference.predictions().size(), got.predictions().size(), "stop at " + stop);
            for (int i = 0; i < got.predictions().size(); i++) {
                assertEquals(reference.predictions().get(i).sensorId(), got.predictions().get(i).sensorId(), "stop at " + stop);
                assertArrayEquals(reference.predictions().get(i).scores(), got.predictions().get(i).scores(),
                    "stop at " + stop + ", prediction " + i);
            }
        }
    }

    @Test
    void aSharedCheckpointIsNotReadByALearnerOfOneSensor(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("shared.ckpt");
        try (StreamLearner a = new StreamLearner(settings(true), p -> { })) {
            twoSensors().items.subList(0, 5).forEach(i -> i.apply(a));
            CheckpointWriter w = new CheckpointWriter(a.checkpointShape());
            a.addCheckpointSections(w);
            w.writeAtomically(file);
        }
        try (StreamLearner b = new StreamLearner(settings(false), p -> { }); CheckpointReader r = CheckpointReader.open(file)) {
            assertFalse(b.shared());
            CheckpointException e = assertThrows(CheckpointException.class, () -> r.requireShape(b.checkpointShape()));
            assertEquals(CheckpointException.Kind.INCOMPATIBLE_SHAPE, e.kind());
            assertTrue(e.getMessage().contains("share_network"), e.getMessage());
        }
    }
}
