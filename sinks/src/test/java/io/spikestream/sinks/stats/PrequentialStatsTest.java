package io.spikestream.sinks.stats;

import io.spikestream.sinks.Horizon;
import io.spikestream.sinks.Phase;
import io.spikestream.sinks.stats.PrequentialStats.CurvePoint;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.spikestream.sinks.Horizon.CUMULATIVE;
import static io.spikestream.sinks.Horizon.ROLLING;
import static io.spikestream.sinks.Phase.TEST;
import static io.spikestream.sinks.Phase.TRAIN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrequentialStatsTest {

    private static final double EXACT = 0.0;
    private static final double TIGHT = 1e-12;

    @Test
    void noWindowYetGivesNaNNotZero() {
        PrequentialStats stats = new PrequentialStats(3, 4);
        for (Phase phase : Phase.values()) {
            for (Horizon horizon : Horizon.values()) {
                assertTrue(Double.isNaN(stats.accuracy(phase, horizon)));
                assertTrue(Double.isNaN(stats.loss(phase, horizon)));
            }
        }
        assertEquals(0, stats.windows());
        assertEquals(List.of(), stats.learningCurve());
    }

    /**
     * Rolling window of 3, three classes. Train windows (label, predicted, loss):
     * (0,0,1.0) (1,2,2.0) (2,2,3.0) (1,1,4.0) (0,1,5.0).
     * After 5: cumulative accuracy 3/5; the last three are (2,2) (1,1) (0,1) -> 2/3; rolling loss (3+4+5)/3 = 4;
     * cumulative loss 15/5 = 3.
     */
    @Test
    void cumulativeAndRollingFiguresMatchHandComputedValues() {
        PrequentialStats stats = new PrequentialStats(3, 3);
        stats.record(TRAIN, 0, 0, 1.0);
        stats.record(TRAIN, 1, 2, 2.0);
        stats.record(TRAIN, 2, 2, 3.0);
        assertEquals(2.0 / 3, stats.accuracy(TRAIN, ROLLING), EXACT);
        assertEquals(2.0, stats.loss(TRAIN, ROLLING), EXACT);
        stats.record(TRAIN, 1, 1, 4.0);
        stats.record(TRAIN, 0, 1, 5.0);

        assertEquals(5, stats.windows(TRAIN));
        assertEquals(3, stats.correct(TRAIN));
        assertEquals(3.0 / 5, stats.accuracy(TRAIN, CUMULATIVE), EXACT);
        assertEquals(2.0 / 3, stats.accuracy(TRAIN, ROLLING), EXACT);
        assertEquals(3.0, stats.loss(TRAIN, CUMULATIVE), EXACT);
        assertEquals(4.0, stats.loss(TRAIN, ROLLING), TIGHT);
        assertEquals(0, stats.windows(TEST));
        assertTrue(Double.isNaN(stats.accuracy(TEST, CUMULATIVE)));
    }

    @Test
    void phasesAreKeptApartAndTogether() {
        PrequentialStats stats = new PrequentialStats(2, 2);
        stats.record(TRAIN, 0, 1, 0.5);  // wrong
        stats.record(TRAIN, 1, 1, 0.25); // right
        stats.record(TEST, 0, 0, 0.125); // right
        stats.record(TEST, 1, 1, 0.0);   // right
        stats.record(TEST, 1, 0, 1.0);   // wrong

        assertEquals(0.5, stats.accuracy(TRAIN, CUMULATIVE), EXACT);
        assertEquals(2.0 / 3, stats.accuracy(TEST, CUMULATIVE), EXACT);
        assertEquals(0.5, stats.accuracy(TEST, ROLLING), EXACT);            // (1,1) (1,0)
        assertEquals(0.375, stats.loss(TRAIN, CUMULATIVE), EXACT);          // (0.5 + 0.25) / 2
        assertEquals(1.125 / 3, stats.loss(TEST, CUMULATIVE), EXACT);
        // Both phases: 3 of 5 right; the last two windows overall are (1,1,0.0) and (1,0,1.0).
        assertEquals(5, stats.windows());
        assertEquals(3, stats.correct());
        assertEquals(0.6, stats.accuracy(CUMULATIVE), EXACT);
        assertEquals(0.5, stats.accuracy(ROLLING), EXACT);
        assertEquals(1.875 / 5, stats.loss(CUMULATIVE), TIGHT);
        assertEquals(0.5, stats.loss(ROLLING), EXACT);
    }

    @Test
    void confusionMatrixCountsTrueAgainstPredictedPerPhase() {
        PrequentialStats stats = new PrequentialStats(3, 10);
        stats.record(TRAIN, 0, 0, 0);
        stats.record(TRAIN, 0, 2, 0);
        stats.record(TRAIN, 0, 2, 0);
        stats.record(TRAIN, 2, 1, 0);
        stats.record(TRAIN, 1, -1, 0); // no prediction: wrong, not in the matrix
        stats.record(TEST, 1, 1, 0);

        assertArrayEquals(new long[][] {{1, 0, 2}, {0, 0, 0}, {0, 1, 0}}, stats.confusion(TRAIN));
        assertArrayEquals(new long[] {0, 1, 0}, stats.noPrediction(TRAIN));
        assertArrayEquals(new long[][] {{0, 0, 0}, {0, 1, 0}, {0, 0, 0}}, stats.confusion(TEST));
        assertEquals(1.0 / 5, stats.accuracy(TRAIN, CUMULATIVE), EXACT);
        // Copies: changing them changes nothing inside.
        stats.confusion(TRAIN)[0][0] = 99;
        assertEquals(1, stats.confusion(TRAIN)[0][0]);
    }

    @Test
    void nanLossCountsForAccuracyButNotForTheLossMeans() {
        PrequentialStats stats = new PrequentialStats(2, 2);
        stats.record(TRAIN, 0, 0, Double.NaN);
        assertTrue(Double.isNaN(stats.loss(TRAIN, ROLLING)));
        assertEquals(1.0, stats.accuracy(TRAIN, ROLLING), EXACT);
        stats.record(TRAIN, 1, 0, 2.0);
        assertEquals(2.0, stats.loss(TRAIN, ROLLING), EXACT);
        assertEquals(2.0, stats.loss(TRAIN, CUMULATIVE), EXACT);
        stats.record(TRAIN, 1, 1, 4.0); // pushes the NaN out of the window of 2
        assertEquals(3.0, stats.loss(TRAIN, ROLLING), EXACT);
        assertEquals(3.0, stats.loss(TRAIN, CUMULATIVE), EXACT);
        assertEquals(2.0 / 3, stats.accuracy(TRAIN, CUMULATIVE), EXACT);
    }

    @Test
    void learningCurveHasOnePointPerWindowWithThatPhasesFigures() {
        PrequentialStats stats = new PrequentialStats(2, 2);
        stats.record(TRAIN, 0, 0, 1.0);
        stats.record(TRAIN, 1, 0, 3.0);
        stats.record(TRAIN, 1, 1, 2.0);
        stats.record(TEST, 0, 1, 0.5);

        assertEquals(List.of(
            new CurvePoint(1, TRAIN, 1.0, 1.0, 1.0),
            new CurvePoint(2, TRAIN, 0.5, 0.5, 2.0),
            new CurvePoint(3, TRAIN, 0.5, 2.0 / 3, 2.5),
            new CurvePoint(4, TEST, 0.0, 0.0, 0.5)), stats.learningCurve());
    }

    @Test
    void learningCurveStaysBoundedAndEvenlySpacedOverALongRun() {
        PrequentialStats stats = new PrequentialStats(2, 8, 16);
        for (int i = 0; i < 1000; i++) {
            stats.record(TRAIN, i % 2, 0, 0.0);
        }
        List<CurvePoint> curve = stats.learningCurve();
        assertTrue(curve.size() <= 17, "points: " + curve.size());
        // 1000 windows into 16 slots: spacing doubled to 64; points at 64, 128, ..., 960, then the final window.
        assertEquals(16, curve.size());
        for (int i = 0; i < 15; i++) {
            assertEquals(64L * (i + 1), curve.get(i).windows());
        }
        assertEquals(1000, curve.get(15).windows());
        assertEquals(0.5, curve.get(15).cumulativeAccuracy(), EXACT);
        assertEquals(0.5, curve.get(15).rollingAccuracy(), EXACT);
    }

    @Test
    void rollingLossDoesNotDriftOverManyLaps() {
        PrequentialStats stats = new PrequentialStats(2, 7);
        for (int i = 0; i < 100_000; i++) {
            stats.record(TRAIN, 0, 0, 0.1 * (i % 10) + 1e6 * ((i / 7) % 2));
        }
        // The last 7 windows are i = 99_993 .. 99_999 exactly.
        double expected = 0;
        for (int i = 99_993; i < 100_000; i++) {
            expected += 0.1 * (i % 10) + 1e6 * ((i / 7) % 2);
        }
        assertEquals(expected / 7, stats.loss(TRAIN, ROLLING), 1e-9);
    }

    @Test
    void outOfRangeLabelOrPredictionIsRejectedAndNotCounted() {
        PrequentialStats stats = new PrequentialStats(10, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> stats.record(TRAIN, 10, 1, 0));
        assertEquals("label 10 outside [0, 10)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> stats.record(TRAIN, 3, -2, 0));
        assertEquals("predicted class -2 outside [-1, 10)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> stats.record(TEST, -1, 1, 0));
        assertEquals(0, stats.windows());
        assertThrows(IllegalArgumentException.class, () -> new PrequentialStats(0, 5));
        assertThrows(IllegalArgumentException.class, () -> new PrequentialStats(10, 0));
    }
}
