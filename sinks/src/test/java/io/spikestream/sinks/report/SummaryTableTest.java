package io.spikestream.sinks.report;

import io.spikestream.sinks.Phase;
import io.spikestream.sinks.stats.PrequentialStats;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SummaryTableTest {

    private static RunSummary nmnistLike() {
        Map<String, Long> dropped = new LinkedHashMap<>();
        dropped.put("blocked", 12_345L);
        dropped.put("late_label", 2L);
        return new RunSummary(669, 72, 0.6023916292974589, 0.75, 0.123456789, 0.1, 3_456_789, 98_765, 12_345_678,
            Duration.ofMillis(2_500), 222.3, dropped);
    }

    @Test
    void tableAlignsEveryColumn() {
        assertEquals("""
            quantity               train     test       total
            -------------------  -------  -------  ----------
            samples                  669       72         741
            accuracy             60.24 %  75.00 %
            loss                  0.1235   0.1000
            events                                  3,456,789
            spikes                                     98,765
            synaptic events                        12,345,678
            wall time                                   2.5 s
            simulated time                            222.3 s
            real-time factor                           88.9 x
            dropped: blocked                           12,345
            dropped: late label                             2
            """, SummaryTable.table(nmnistLike()));
    }

    @Test
    void keyValueLineForScripts() {
        assertEquals("samples=741 train_samples=669 test_samples=72 train_accuracy=0.602392 test_accuracy=0.750000"
                + " train_loss=0.123457 test_loss=0.100000 events=3456789 spikes=98765 synaptic_events=12345678"
                + " wall_s=2.500 simulated_s=222.300 realtime_factor=88.92 dropped_blocked=12345 dropped_late_label=2",
            SummaryTable.keyValues(nmnistLike()));
    }

    @Test
    void unknownFiguresShowAsDashOrNaN() {
        RunSummary s = new RunSummary(0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, 0, 0, Duration.ZERO,
            0, Map.of());
        assertEquals("""
            quantity          train  test  total
            ----------------  -----  ----  -----
            samples               0     0      0
            accuracy              -     -
            loss                  -     -
            events                             0
            spikes                             0
            synaptic events                    0
            wall time                      0.0 s
            simulated time                 0.0 s
            real-time factor                   -
            """, SummaryTable.table(s));
        assertEquals("samples=0 train_samples=0 test_samples=0 train_accuracy=NaN test_accuracy=NaN train_loss=NaN"
            + " test_loss=NaN events=0 spikes=0 synaptic_events=0 wall_s=0.000 simulated_s=0.000 realtime_factor=NaN",
            SummaryTable.keyValues(s));
    }

    @Test
    void summaryFromPrequentialStatisticsTakesCumulativeFiguresPerPhase() {
        PrequentialStats stats = new PrequentialStats(2, 1);
        stats.record(Phase.TRAIN, 0, 0, 1.0);
        stats.record(Phase.TRAIN, 1, 0, 2.0);
        stats.record(Phase.TEST, 1, 1, 0.5);
        RunSummary s = RunSummary.of(stats, 10, 5, 50, Duration.ofSeconds(2), 1.0, Map.of("malformed", 1L));
        assertEquals(2, s.trainSamples());
        assertEquals(1, s.testSamples());
        assertEquals(0.5, s.trainAccuracy());
        assertEquals(1.0, s.testAccuracy());
        assertEquals(1.5, s.trainLoss());
        assertEquals(0.5, s.testLoss());
        assertEquals(0.5, s.realtimeFactor());
        assertEquals("samples=3 train_samples=2 test_samples=1 train_accuracy=0.500000 test_accuracy=1.000000"
            + " train_loss=1.500000 test_loss=0.500000 events=10 spikes=5 synaptic_events=50 wall_s=2.000"
            + " simulated_s=1.000 realtime_factor=0.50 dropped_malformed=1", SummaryTable.keyValues(s));
    }
}
