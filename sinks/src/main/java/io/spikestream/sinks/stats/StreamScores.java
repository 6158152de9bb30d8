package io.spikestream.sinks.stats;

import io.spikestream.sinks.Phase;

import java.util.Arrays;
import java.util.Locale;

/**
 * Scores of a continuous stream, per phase (train: learned from; test: learning off), besides the per-interval
 * accuracy at the interval's end that {@link PrequentialStats} keeps: per tick (every tick a label covers), per
 * interval by the majority over its ticks, and the latency from an interval's start to its first correct tick (stream
 * time; an interval with no correct tick counts as never). Unlabelled ticks are counted, not scored.
 *
 * <p>Not threadsafe: the learner's thread records; read the figures there or after the run. Latencies are kept in a
 * growing primitive array (one long per labelled interval) for the percentiles.
 */
public final class StreamScores {

    private final long[] ticks = new long[Phase.values().length];
    private final long[] labelledTicks = new long[Phase.values().length];
    private final long[] correctTicks = new long[Phase.values().length];
    private final long[] intervals = new long[Phase.values().length];
    private final long[] majorityCorrect = new long[Phase.values().length];
    private final long[] neverCorrect = new long[Phase.values().length];
    private final long[][] latencies = new long[Phase.values().length][64];
    private final int[] latencyCount = new int[Phase.values().length];
    private long unlabelledTicks;

    /** A tick's prediction; {@code label} -1 when no label interval covered it. */
    public void tick(Phase phase, int label, int predicted) {
        if (label < 0) {
            unlabelledTicks++;
            return;
        }
        int p = phase.ordinal();
        ticks[p]++;
        labelledTicks[p]++;
        if (predicted == label) {
            correctTicks[p]++;
        }
    }

    /** A labelled interval's summary: the majority class of its ticks (-1: none) and its first-correct latency (-1). */
    public void interval(Phase phase, int label, int majority, long firstCorrectUs) {
        int p = phase.ordinal();
        intervals[p]++;
        if (majority == label) {
            majorityCorrect[p]++;
        }
        if (firstCorrectUs < 0) {
            neverCorrect[p]++;
            return;
        }
        if (latencyCount[p] == latencies[p].length) {
            latencies[p] = Arrays.copyOf(latencies[p], latencyCount[p] * 2);
        }
        latencies[p][latencyCount[p]++] = firstCorrectUs;
    }

    public long labelledTicks(Phase phase) {
        return labelledTicks[phase.ordinal()];
    }

    public long unlabelledTicks() {
        return unlabelledTicks;
    }

    public long intervals(Phase phase) {
        return intervals[phase.ordinal()];
    }

    /** Fraction of labelled ticks predicted correctly; NaN without any. */
    public double tickAccuracy(Phase phase) {
        long n = labelledTicks[phase.ordinal()];
        return n == 0 ? Double.NaN : correctTicks[phase.ordinal()] / (double) n;
    }

    /** Fraction of labelled intervals whose ticks' majority was right; NaN without any. */
    public double majorityAccuracy(Phase phase) {
        long n = intervals[phase.ordinal()];
        return n == 0 ? Double.NaN : majorityCorrect[phase.ordinal()] / (double) n;
    }

    /** Intervals none of whose ticks was right. */
    public long neverCorrect(Phase phase) {
        return neverCorrect[phase.ordinal()];
    }

    /** The q-quantile (0..1, nearest rank) of the first-correct latency in microseconds of intervals that had one; NaN without. */
    public double latencyQuantileUs(Phase phase, double q) {
        int n = latencyCount[phase.ordinal()];
        if (n == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(latencies[phase.ordinal()], n);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * n);
        return sorted[Math.max(0, Math.min(n - 1, rank - 1))];
    }

    /** Whether anything was recorded (a continuous stream). */
    public boolean any() {
        return unlabelledTicks > 0 || Arrays.stream(ticks).sum() > 0 || Arrays.stream(intervals).sum() > 0;
    }

    /**
     * One line of {@code key=value} pairs: {@code PHASE_tick_accuracy, PHASE_majority_accuracy,
     * PHASE_first_correct_p50_ms, PHASE_first_correct_p90_ms, PHASE_never_correct} for train and test, then
     * {@code unlabelled_ticks}.
     */
    public String keyValues() {
        StringBuilder out = new StringBuilder();
        for (Phase ph : Phase.values()) {
            String k = ph.tag();
            out.append(k).append("_labelled_ticks=").append(labelledTicks(ph))
                .append(' ').append(k).append("_tick_accuracy=").append(plain(tickAccuracy(ph)))
                .append(' ').append(k).append("_majority_accuracy=").append(plain(majorityAccuracy(ph)))
                .append(' ').append(k).append("_first_correct_p50_ms=").append(plain(latencyQuantileUs(ph, 0.5) / 1000))
                .append(' ').append(k).append("_first_correct_p90_ms=").append(plain(latencyQuantileUs(ph, 0.9) / 1000))
                .append(' ').append(k).append("_never_correct=").append(neverCorrect(ph)).append(' ');
        }
        return out.append("unlabelled_ticks=").append(unlabelledTicks).toString();
    }

    private static String plain(double v) {
        return Double.isNaN(v) ? "NaN" : String.format(Locale.ROOT, "%.4f", v);
    }
}
