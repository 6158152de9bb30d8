package io.spikestream.app.learn;

import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The learner's stream bookkeeping: windows, late labels, unlabelled and bad events, determinism. */
class StreamLearnerTest {

    private static Settings small() throws Exception {
        return Settings.load(List.of(), List.of("network.n_rec=40", "time.lateness_us=50000"));
    }

    private static List<StreamLearner.Prediction> runSamples(Settings s, int n) throws Exception {
        List<StreamLearner.Prediction> out = new ArrayList<>();
        List<NmnistSamples.Sample> all = NmnistSamples.list(Path.of("..", "data", "nmnist", "Train"));
        try (StreamLearner l = new StreamLearner(s, out::add)) {
            DirectFeed f = new DirectFeed(0, 1000);
            for (int i = 0; i < n; i++) {
                f.feed(l, all.get(i * 7 % all.size()));
            }
            l.finish();
            assertEquals(n, l.counters().windows);
            assertEquals(0, l.counters().eventsUnlabelled, "the gaps hold no events");
        }
        return out;
    }

    @Test
    void onePredictionPerWindowDeterministically() throws Exception {
        List<StreamLearner.Prediction> a = runSamples(small(), 6);
        List<StreamLearner.Prediction> b = runSamples(small(), 6);
        assertEquals(6, a.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).sampleId(), b.get(i).sampleId());
            assertEquals(a.get(i).predicted(), b.get(i).predicted());
            assertTrue(java.util.Arrays.equals(a.get(i).scores(), b.get(i).scores()), "bit-identical scores");
        }
    }

    @Test
    void badLateAndUnlabelledInputIsCountedNotLost() throws Exception {
        List<StreamLearner.Prediction> out = new ArrayList<>();
        try (StreamLearner l = new StreamLearner(small(), out::add)) {
            int[] x = {1, 40, 2, 3};
            int[] y = {1, 1, 2, 3};
            byte[] p = {1, 0, 1, 0};
            // events before any label: held while a label may still come (lateness 50 ms of stream time)
            l.onEvents(x, y, p, new long[] {100, 200, 300, 400}, 4);
            assertEquals(1, l.counters().eventsOutOfGeometry, "x = 40 is outside the 34x34 sensor");
            l.onLabel("a", 0, 1000, 3);                 // covers the held events
            l.onEvents(new int[] {5}, new int[] {5}, new byte[] {1}, new long[] {200_000}, 1);
            assertEquals(1, l.counters().windows, "window [0, 1000) ran once an event passed its end");
            assertEquals(3, l.counters().eventsMapped);
            l.onLabel("late", 500, 900, 1);             // its window has already been simulated
            assertEquals(1, l.counters().labelsLate);
            l.onEvents(new int[] {6}, new int[] {6}, new byte[] {1}, new long[] {400_000}, 1);
            assertEquals(1, l.counters().eventsUnlabelled, "event at 200 ms: no label within 50 ms of stream time");
            l.finish();
            assertEquals(1, out.size());
            assertEquals(3, out.get(0).label());
        }
    }
}
