package io.spikestream.app.learn;

import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;

import io.spikestream.network.checkpoint.CheckpointWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every learning rule through the same {@link StreamLearner} and the same stream (direct feed, NEST's N-MNIST
 * protocol): a three-class subset of the bundled N-MNIST samples (digits 0, 1, 2; 40 training samples per class,
 * shuffled, learned online in one pass), then 52 held-out samples with learning off. Chance is 1/3; each rule must
 * reach at least twice that on the held-out samples, and a network whose learning is off throughout must not (so the
 * accuracy comes from learning, not from the readout of a random network). The same stream gives the same
 * predictions bit for bit, also with two simulation threads; the other rules' settings do not shape a checkpoint.
 */
class LearningRulesTest {

    @TempDir
    static Path dir;
    static Path train;
    static Path heldOut;

    /** Copies {@code count} samples per class (sorted by name, from {@code skip} on) of digits 0..2. */
    static void copy(Path src, Path dst, int skip, int count) throws Exception {
        for (int c = 0; c < 3; c++) {
            Path to = Files.createDirectories(dst.resolve(Integer.toString(c)));
            try (Stream<Path> s = Files.list(src.resolve(Integer.toString(c)))) {
                for (Path f : s.sorted().skip(skip).limit(count).toList()) {
                    Files.copy(f, to.resolve(f.getFileName()));
                }
            }
        }
    }

    @BeforeAll
    static void subsets() throws Exception {
        Path data = Path.of("..", "data", "nmnist");
        train = dir.resolve("train");
        heldOut = dir.resolve("held-out");
        copy(data.resolve("Train"), train, 0, 40);
        copy(data.resolve("Train"), heldOut, 40, 10);
        copy(data.resolve("Test"), heldOut, 0, 100);
    }

    /** The rule's defaults on a smaller network: 2x2 pooling, 60 hidden neurons, three classes. */
    static Settings settings(String rule, String... extra) throws Exception {
        List<String> over = new ArrayList<>(List.of("network.rule=" + rule, "sensor.pool=2", "network.n_rec=60",
            "supervision.classes=3"));
        over.addAll(List.of(extra));
        return Settings.load(List.of(), over);
    }

    static NmnistExperiment.Result run(Settings s) throws Exception {
        return new NmnistExperiment(s, train, List.of(heldOut), 1, 1).runDirect(null);
    }

    /** The setting that turns the rule's learning rate to zero. */
    static String frozen(String rule) {
        return switch (rule) {
            case "fast", "nest" -> "optimizer.eta=0";
            case "superspike" -> "network.superspike.eta=0";
            // the prediction's readout (the wrapped rule still shapes the hidden layer)
            case "eprop-rls", "eprop-time-driven-rls", "superspike-rls", "eventprop-rls" -> "network.rls.learning=false";
            default -> "network." + rule + ".optimizer.eta=0";
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"fast", "bsshslm", "superspike", "eventprop", "eprop-rls", "eprop-time-driven-rls",
        "superspike-rls", "eventprop-rls"})
    void eachRuleLearnsWellAboveChance(String rule) throws Exception {
        NmnistExperiment.Result learned = run(settings(rule));
        NmnistExperiment.Result frozen = run(settings(rule, frozen(rule)));
        assertEquals(120, learned.count("train/"));
        assertEquals(52, learned.count("test"));
        double acc = learned.accuracy("test");
        double before = frozen.accuracy("test");
        System.out.printf(Locale.ROOT, "%s: held-out accuracy %.3f after one pass (learning off throughout: %.3f), "
            + "prequential %.3f%n", rule, acc, before, learned.accuracy("train/"));
        assertTrue(acc >= 2.0 / 3, rule + ": held-out accuracy " + acc + " must be at least twice chance (1/3)");
        assertTrue(before < 0.5, rule + ": without learning the accuracy is near chance, got " + before);
    }

    private static List<StreamLearner.Prediction> predictions(Settings s, StreamScript script) throws Exception {
        List<StreamLearner.Prediction> out = new ArrayList<>();
        try (StreamLearner l = new StreamLearner(s, out::add)) {
            script.items.forEach(i -> i.apply(l));
            l.finish();
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"nest", "bsshslm", "superspike", "eventprop", "eprop-rls", "eprop-time-driven-rls",
        "superspike-rls", "eventprop-rls"})
    void theSameStreamGivesTheSamePredictionsWithAnyThreadCount(String rule) throws Exception {
        StreamScript script = StreamScript.nmnist(6, 700, 2000);
        List<StreamLearner.Prediction> a = predictions(settings(rule, "supervision.classes=10"), script);
        List<StreamLearner.Prediction> b = predictions(settings(rule, "supervision.classes=10"), script);
        List<StreamLearner.Prediction> c = predictions(settings(rule, "supervision.classes=10", "network.threads=2"), script);
        assertEquals(6, a.size(), "one prediction per window, the last one completed by finish()");
        for (List<StreamLearner.Prediction> other : List.of(b, c)) {
            assertEquals(a.size(), other.size());
            for (int i = 0; i < a.size(); i++) {
                assertEquals(a.get(i).sampleId(), other.get(i).sampleId());
                assertEquals(a.get(i).predicted(), other.get(i).predicted());
                assertArrayEquals(a.get(i).scores(), other.get(i).scores(), rule + ": scores of " + a.get(i).sampleId());
                assertEquals(Double.doubleToRawLongBits(a.get(i).loss()), Double.doubleToRawLongBits(other.get(i).loss()));
            }
        }
    }

    @org.junit.jupiter.api.Test
    void theOtherRulesSettingsDoNotShapeAnEpropCheckpoint() throws Exception {
        String shape;
        try (StreamLearner l = new StreamLearner(settings("fast"), p -> { })) {
            shape = l.checkpointShape();
            assertTrue(!shape.contains("superspike") && !shape.contains("eventprop") && !shape.contains("bsshslm"), shape);
        }
        try (StreamLearner l = new StreamLearner(settings("fast", "network.superspike.eta=0.5",
            "network.eventprop.optimizer.eta=0.5", "network.bsshslm.rec.V_th=0.7"), p -> { })) {
            assertEquals(shape, l.checkpointShape());
        }
        try (StreamLearner l = new StreamLearner(settings("fast", "optimizer.eta=0.5"), p -> { })) {
            assertTrue(!shape.equals(l.checkpointShape()), "the e-prop settings do shape it");
        }
    }

    @org.junit.jupiter.api.Test
    void anUnknownRuleOrABadRuleSettingIsRefusedByName() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new StreamLearner(settings("superspik"), p -> { }));
        assertEquals("network.rule must be one of eprop, eprop-exact, eprop-time-driven, superspike, eventprop, eprop-rls, "
            + "eprop-time-driven-rls, superspike-rls, eventprop-rls (older names: fast, nest, bsshslm), got 'superspik'",
            e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> new StreamLearner(settings("superspike", "network.superspike.feedback=mirror"), p -> { }));
        assertEquals("network.superspike.feedback must be symmetric, random or uniform, got 'mirror'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> new StreamLearner(settings("bsshslm", "network.bsshslm.learning_window_steps=301"), p -> { }));
        assertTrue(e.getMessage().startsWith("network.bsshslm.learning_window_steps must be in 1..300"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> new StreamLearner(settings("eventprop", "network.eventprop.output.tau_m=5"), p -> { }));
        assertTrue(e.getMessage().contains("tau_m"), e.getMessage());
    }
}
