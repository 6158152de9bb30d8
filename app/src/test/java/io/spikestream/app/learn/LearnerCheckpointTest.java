package io.spikestream.app.learn;

import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.CheckpointReader;
import io.spikestream.network.checkpoint.CheckpointWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A learner stopped between any two stream calls (also mid-sample, with windows pending, events buffered, input
 * scheduled and a scoring range open), checkpointed and restored into a fresh learner continues exactly: the same
 * predictions, bit for bit, and the same final state as a learner that never stopped.
 */
class LearnerCheckpointTest {

    static Settings settings(String rule) throws Exception {
        return Settings.load(List.of(), List.of("network.n_rec=40", "network.rule=" + rule, "time.lateness_us=50000",
            "sensor.hot_pixel_refractory_us=300", "optimizer.type=adam", "optimizer.eta=0.001", "optimizer.batch_size=2"));
    }

    static byte[] state(StreamLearner l) {
        return CheckpointReplay.state(l);
    }

    static StreamLearner learner(Settings s, List<StreamLearner.Prediction> out) throws Exception {
        StreamLearner l = new StreamLearner(s, out::add);
        l.setWindowPolicy(id -> !id.endsWith("0.bin")); // some windows are scored without learning
        return l;
    }

    private static void assertSamePredictions(List<StreamLearner.Prediction> a, List<StreamLearner.Prediction> b, String what) {
        assertEquals(a.size(), b.size(), what + ": number of predictions");
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).sampleId(), b.get(i).sampleId(), what);
            assertEquals(a.get(i).predicted(), b.get(i).predicted(), what);
            assertArrayEquals(a.get(i).scores(), b.get(i).scores(), what + ": scores of " + a.get(i).sampleId());
            assertEquals(Double.doubleToRawLongBits(a.get(i).loss()), Double.doubleToRawLongBits(b.get(i).loss()), what);
            assertEquals(a.get(i).modelVersion(), b.get(i).modelVersion(), what);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fast", "nest", "bsshslm", "superspike", "eventprop", "eprop-rls", "eprop-time-driven-rls",
        "superspike-rls", "eventprop-rls"})
    void stoppedAnywhereAndRestoredTheLearnerContinuesExactly(String rule, @TempDir Path dir) throws Exception {
        Settings s = settings(rule);
        StreamScript script = StreamScript.nmnist(5, 700, 2000);
        int n = script.items.size();
        CheckpointReplay.Learners learners = out -> learner(s, out);
        CheckpointReplay.Result reference = CheckpointReplay.straight(learners, script);
        assertEquals(5, reference.predictions().size());
        for (int stop : new int[] {0, 1, 2, n / 3, n / 2 + 1, n - 2, n}) {
            CheckpointReplay.Result got = CheckpointReplay.stoppedAndRestored(learners, script, stop,
                dir.resolve(rule + "-" + stop + ".ckpt"));
            assertArrayEquals(reference.finalState(), got.finalState(), rule + ": final state after a stop at item " + stop
                + " of " + n);
            assertSamePredictions(reference.predictions(), got.predictions(), rule + ", stop at item " + stop);
        }
    }

    @Test
    void aLearnerOfOtherSettingsRefusesTheCheckpoint(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("a.ckpt");
        try (StreamLearner a = learner(settings("fast"), new ArrayList<>())) {
            CheckpointWriter w = new CheckpointWriter(a.checkpointShape());
            a.addCheckpointSections(w);
            w.writeAtomically(file);
        }
        Settings other = Settings.load(List.of(), List.of("network.n_rec=41", "network.rule=fast", "time.lateness_us=50000",
            "sensor.hot_pixel_refractory_us=300", "optimizer.type=adam", "optimizer.eta=0.001", "optimizer.batch_size=2"));
        try (StreamLearner b = learner(other, new ArrayList<>()); CheckpointReader r = CheckpointReader.open(file)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> r.requireShape(b.checkpointShape()));
            assertEquals(CheckpointException.Kind.INCOMPATIBLE_SHAPE, e.kind());
            assertTrue(e.getMessage().contains("\"n_rec\" : 40") && e.getMessage().contains("\"n_rec\" : 41"), e.getMessage());
        }
        // operational settings do not shape the model
        Settings policy = Settings.load(List.of(), List.of("network.n_rec=40", "network.rule=fast", "time.lateness_us=50000",
            "sensor.hot_pixel_refractory_us=300", "optimizer.type=adam", "optimizer.eta=0.001", "optimizer.batch_size=2",
            "checkpoint.keep=9", "models.max_resident_mb=5"));
        try (StreamLearner c = learner(policy, new ArrayList<>()); CheckpointReader r = CheckpointReader.open(file)) {
            r.requireShape(c.checkpointShape());
            c.restore(r);
        }
    }
}
