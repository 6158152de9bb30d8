package io.spikestream.app.learn;

import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code eprop-rls} in continuous time (no window clock: its readout reads spike traces): the readout is zero until
 * its first label interval has ended and learns from each interval, its input blocks are {@code trace_input_pool_px}
 * (per_window's window bins keep {@code input_pool_px}), a learner stopped anywhere and restored continues bit for bit,
 * and two simulation threads give the same predictions as one.
 */
class RlsReadoutContinuousTest {

    static Settings settings(String... extra) throws Exception {
        List<String> o = new ArrayList<>(List.of("network.rule=eprop-rls", "network.n_rec=40", "sensor.pool=2",
            "time.mode=continuous", "optimizer.type=adam", "optimizer.eta=0.001"));
        o.addAll(List.of(extra));
        return Settings.load(List.of(), o);
    }

    static List<StreamLearner.Prediction> run(Settings s, StreamScript script) throws Exception {
        List<StreamLearner.Prediction> out = new ArrayList<>();
        try (StreamLearner l = new StreamLearner(s, out::add)) {
            script.items.forEach(i -> i.apply(l));
            l.finish();
        }
        return out;
    }

    @Test
    void theReadoutLearnsFromEachIntervalAndTwoThreadsGiveTheSamePredictions() throws Exception {
        StreamScript script = StreamScript.nmnist(3, 700, 50_000);
        List<StreamLearner.Prediction> one = run(settings(), script);
        List<StreamLearner.Prediction> two = run(settings("network.threads=2"), script);
        List<StreamLearner.Prediction> off = run(settings("network.rls.learning=false"), script);
        assertEquals(one.size(), two.size());
        for (int i = 0; i < one.size(); i++) {
            assertArrayEquals(one.get(i).scores(), two.get(i).scores(), "prediction " + i);
            assertEquals(Double.doubleToRawLongBits(one.get(i).loss()), Double.doubleToRawLongBits(two.get(i).loss()));
        }
        List<StreamLearner.Prediction> intervals = ContinuousTimeTest.of(one, StreamLearner.Prediction.Kind.INTERVAL);
        assertEquals(3, intervals.size());
        // the first interval is predicted before anything was learned: W = 0, every score exactly 0
        assertArrayEquals(new double[10], intervals.get(0).scores());
        assertTrue(intervals.get(1).scores()[intervals.get(0).label()] > 0,
            "after learning the first interval its class has evidence: " + java.util.Arrays.toString(intervals.get(1).scores()));
        // a readout that never learns stays at zero on the same stream
        for (StreamLearner.Prediction p : off) {
            assertArrayEquals(new double[10], p.scores(), "learning off: prediction " + p.sampleId());
        }
    }

    @Test
    void theTracesPoolTheInputInTheirOwnBlocksAndTheWindowBinsKeepTheirs() throws Exception {
        StreamScript script = StreamScript.nmnist(3, 700, 50_000);
        // continuous: the traces read trace_input_pool_px blocks; the bins' input_pool_px does not reach them
        List<StreamLearner.Prediction> traces = run(settings(), script);
        assertSameScores(traces, run(settings("network.rls.input_pool_px=8"), script), "continuous, input_pool_px 8");
        assertDifferentSecond(traces, run(settings("network.rls.trace_input_pool_px=4"), script),
            "continuous, trace_input_pool_px 4 against 2");
        // per_window: the window bins read input_pool_px blocks; trace_input_pool_px does not reach them
        List<StreamLearner.Prediction> bins = run(settings("time.mode=per_window"), script);
        assertEquals(3, bins.size());
        assertSameScores(bins, run(settings("time.mode=per_window", "network.rls.trace_input_pool_px=4"), script),
            "per_window, trace_input_pool_px 4");
        assertDifferentSecond(bins, run(settings("time.mode=per_window", "network.rls.input_pool_px=2"), script),
            "per_window, input_pool_px 2 against 4");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> run(settings("network.rls.trace_input_pool_px=3"), script));
        assertEquals("network.rls.trace_input_pool_px (3) must be a multiple of sensor.pool (2)", e.getMessage());
    }

    private static void assertSameScores(List<StreamLearner.Prediction> want, List<StreamLearner.Prediction> got,
                                         String what) {
        assertEquals(want.size(), got.size(), what);
        for (int i = 0; i < want.size(); i++) {
            assertArrayEquals(want.get(i).scores(), got.get(i).scores(), what + ": prediction " + i);
        }
    }

    /** The last labelled prediction (made after two intervals were learned) differs. */
    private static void assertDifferentSecond(List<StreamLearner.Prediction> a, List<StreamLearner.Prediction> b,
                                              String what) {
        List<StreamLearner.Prediction> x = a.stream().filter(p -> p.label() >= 0).toList();
        List<StreamLearner.Prediction> y = b.stream().filter(p -> p.label() >= 0).toList();
        assertTrue(x.size() > 1 && x.size() == y.size(), what + ": " + x.size() + " and " + y.size() + " predictions");
        assertTrue(!java.util.Arrays.equals(x.get(x.size() - 1).scores(), y.get(y.size() - 1).scores()),
            what + ": the last labelled prediction must differ: " + java.util.Arrays.toString(y.get(y.size() - 1).scores()));
    }

    @Test
    void stoppedAnywhereAndRestoredItContinuesExactly(@TempDir Path dir) throws Exception {
        Settings s = settings();
        StreamScript script = StreamScript.nmnist(3, 700, 30_000);
        int n = script.items.size();
        CheckpointReplay.Learners learners = out -> new StreamLearner(s, out::add);
        CheckpointReplay.Result reference = CheckpointReplay.straight(learners, script);
        for (int stop : new int[] {1, n / 3, n / 2 + 1, n - 1}) {
            CheckpointReplay.Result got = CheckpointReplay.stoppedAndRestored(learners, script, stop,
                dir.resolve("rls-" + stop + ".ckpt"));
            assertArrayEquals(reference.finalState(), got.finalState(), "state after a stop at " + stop);
            assertEquals(reference.predictions().size(), got.predictions().size(), "predictions with a stop at " + stop);
            for (int i = 0; i < got.predictions().size(); i++) {
                assertArrayEquals(reference.predictions().get(i).scores(), got.predictions().get(i).scores(),
                    "prediction " + i + ", stop " + stop);
            }
        }
    }
}
