package io.spikestream.sinks.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.List;

/**
 * The {@code spikestream_weight{projection, stat}} gauges of one projection: mean, standard deviation, minimum,
 * maximum and mean absolute value of its weights. Obtain with {@link LearnerMetrics#weights(String)}; set the
 * figures directly or let {@link #summarise} compute them in one pass over an array (no allocation). All NaN
 * until first set. Setters may be called from any one thread at a time; a scrape sees each figure's latest value.
 */
public final class WeightGauges {

    /** Values of the {@code stat} label, in the order of {@link #set}'s arguments. */
    public static final List<String> STATS = List.of("mean", "std", "min", "max", "abs_mean");

    private final String projection;
    private final LearnerMetrics.DoubleCell[] cells = new LearnerMetrics.DoubleCell[STATS.size()];

    WeightGauges(MeterRegistry registry, String projection) {
        this.projection = projection;
        for (int i = 0; i < STATS.size(); i++) {
            LearnerMetrics.DoubleCell cell = new LearnerMetrics.DoubleCell(Double.NaN);
            cells[i] = cell;
            Gauge.builder("spikestream.weight", cell, LearnerMetrics.DoubleCell::get).strongReference(true)
                .description("Statistics of a projection's synaptic weights")
                .tag("projection", projection).tag("stat", STATS.get(i)).register(registry);
        }
    }

    public String projection() {
        return projection;
    }

    public void set(double mean, double std, double min, double max, double absMean) {
        cells[0].set(mean);
        cells[1].set(std);
        cells[2].set(min);
        cells[3].set(max);
        cells[4].set(absMean);
    }

    /** Sets the gauges from {@code weights[from, to)}; population standard deviation; all NaN when empty. */
    public void summarise(float[] weights, int from, int to) {
        int n = to - from;
        if (n <= 0) {
            set(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            return;
        }
        // Welford's update: one pass, no cancellation between a large mean and a small spread.
        double mean = 0;
        double m2 = 0;
        double abs = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) {
            double w = weights[i];
            int k = i - from + 1;
            double delta = w - mean;
            mean += delta / k;
            m2 += delta * (w - mean);
            abs += Math.abs(w);
            min = Math.min(min, w);
            max = Math.max(max, w);
        }
        set(mean, Math.sqrt(m2 / n), min, max, abs / n);
    }

    /** As {@link #summarise(float[], int, int)}, for doubles. */
    public void summarise(double[] weights, int from, int to) {
        int n = to - from;
        if (n <= 0) {
            set(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            return;
        }
        double mean = 0;
        double m2 = 0;
        double abs = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = from; i < to; i++) {
            double w = weights[i];
            int k = i - from + 1;
            double delta = w - mean;
            mean += delta / k;
            m2 += delta * (w - mean);
            abs += Math.abs(w);
            min = Math.min(min, w);
            max = Math.max(max, w);
        }
        set(mean, Math.sqrt(m2 / n), min, max, abs / n);
    }
}
