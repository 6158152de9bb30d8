package io.spikestream.sinks.stats;

import io.spikestream.sinks.Phase;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Continuous-stream scores: per tick, majority per interval, latency to the first correct tick, per phase. */
class StreamScoresTest {

    @Test
    void ticksIntervalsAndLatenciesAreScoredPerPhase() {
        StreamScores s = new StreamScores();
        assertFalse(s.any());
        assertTrue(Double.isNaN(s.tickAccuracy(Phase.TRAIN)));
        s.tick(Phase.TRAIN, 3, 3);
        s.tick(Phase.TRAIN, 3, 1);
        s.tick(Phase.TRAIN, 3, 3);
        s.tick(Phase.TEST, -1, 2); // unlabelled: counted, not scored
        s.tick(Phase.TEST, 4, 4);
        assertEquals(2.0 / 3, s.tickAccuracy(Phase.TRAIN), 1e-12);
        assertEquals(1.0, s.tickAccuracy(Phase.TEST));
        assertEquals(1, s.unlabelledTicks());
        s.interval(Phase.TEST, 4, 4, 30_000);
        s.interval(Phase.TEST, 5, 4, 10_000);
        s.interval(Phase.TEST, 6, 6, 20_000);
        s.interval(Phase.TEST, 7, 1, -1); // never right
        assertEquals(0.5, s.majorityAccuracy(Phase.TEST));
        assertEquals(1, s.neverCorrect(Phase.TEST));
        assertEquals(20_000, s.latencyQuantileUs(Phase.TEST, 0.5));
        assertEquals(30_000, s.latencyQuantileUs(Phase.TEST, 0.9));
        assertTrue(Double.isNaN(s.latencyQuantileUs(Phase.TRAIN, 0.5)));
        assertTrue(s.keyValues().contains("test_majority_accuracy=0.5000 test_first_correct_p50_ms=20.0000"), s.keyValues());
        assertTrue(s.keyValues().endsWith("unlabelled_ticks=1"));
    }
}
