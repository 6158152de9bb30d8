package io.spikestream.sinks.report;

import io.spikestream.sinks.Horizon;
import io.spikestream.sinks.Phase;
import io.spikestream.sinks.stats.PrequentialStats;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The end-of-run figures {@link SummaryTable} formats.
 *
 * @param trainSamples     scored windows of the training stream (predicted, then learned from)
 * @param testSamples      scored windows of the held-out stream (learning off)
 * @param trainAccuracy    cumulative accuracy over the training stream, NaN when there was none
 * @param testAccuracy     accuracy over the held-out stream, NaN when there was none
 * @param trainLoss        mean loss over the training stream, NaN when unknown
 * @param testLoss         mean loss over the held-out stream, NaN when unknown
 * @param events           DVS events that entered the learner
 * @param spikes           spikes emitted by the network
 * @param synapticEvents   synaptic events delivered
 * @param wallTime         wall-clock time of the run
 * @param simulatedSeconds stream time simulated, seconds
 * @param dropped          dropped counts by reason tag (e.g. {@code blocked}), shown in this order
 */
public record RunSummary(long trainSamples, long testSamples, double trainAccuracy, double testAccuracy,
                         double trainLoss, double testLoss, long events, long spikes, long synapticEvents,
                         Duration wallTime, double simulatedSeconds, Map<String, Long> dropped) {

    public RunSummary {
        Objects.requireNonNull(wallTime, "wallTime");
        dropped = Collections.unmodifiableMap(new LinkedHashMap<>(dropped));
    }

    /** The figures of a run whose windows were scored by {@code stats}: accuracy and loss are cumulative per phase. */
    public static RunSummary of(PrequentialStats stats, long events, long spikes, long synapticEvents,
                                Duration wallTime, double simulatedSeconds, Map<String, Long> dropped) {
        return new RunSummary(stats.windows(Phase.TRAIN), stats.windows(Phase.TEST),
            stats.accuracy(Phase.TRAIN, Horizon.CUMULATIVE), stats.accuracy(Phase.TEST, Horizon.CUMULATIVE),
            stats.loss(Phase.TRAIN, Horizon.CUMULATIVE), stats.loss(Phase.TEST, Horizon.CUMULATIVE),
            events, spikes, synapticEvents, wallTime, simulatedSeconds, dropped);
    }

    /** Scored windows of both phases. */
    public long samples() {
        return trainSamples + testSamples;
    }

    /** Simulated seconds per wall-clock second; NaN for a run of no measurable wall time. */
    public double realtimeFactor() {
        double wall = wallTime.toNanos() * 1e-9;
        return wall > 0 ? simulatedSeconds / wall : Double.NaN;
    }
}
