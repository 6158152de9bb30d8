package io.spikestream.sinks.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.spikestream.sinks.Horizon;
import io.spikestream.sinks.Phase;
import io.spikestream.sinks.stats.PrequentialStats;
import io.spikestream.sinks.stats.StreamScores;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The learner's measurements as Micrometer meters in a {@link PrometheusMeterRegistry}, under the names in
 * {@link MetricNames} (serve them with {@link MetricsEndpoint}).
 *
 * <p>Hot path: the meters read plain cells that this class owns, so {@code add*} and the gauge setters are one
 * atomic add or one volatile store: no allocation, no map look-up, no lock. Counters may be added to from any
 * thread (the consumer thread counts malformed records, the learner thread counts events). {@link #recordWindow}
 * also updates the {@link PrequentialStats} this instance owns and must be called from one thread only (the
 * learner's); it copies the new accuracy and loss figures into the gauges' cells, so a scrape on another thread
 * never reads the statistics while they change.
 */
public final class LearnerMetrics {

    private static final Horizon[] HORIZONS = Horizon.values(); // values() clones its array on every call

    private final PrometheusMeterRegistry registry;
    private final PrequentialStats stats;

    private final LongCell events = new LongCell();
    private final LongCell spikes = new LongCell();
    private final LongCell synapticEvents = new LongCell();
    private final LongCell[] dropped = new LongCell[DropReason.values().length];
    private final LongCell[] windows = new LongCell[Phase.values().length];
    private final LongCell correct = new LongCell();
    private final LongCell wrong = new LongCell();
    // [phase][horizon]
    private final DoubleCell[][] accuracy = new DoubleCell[Phase.values().length][Horizon.values().length];
    private final DoubleCell[] loss = new DoubleCell[Horizon.values().length];
    private final DoubleCell consumerLag = new DoubleCell(0);
    private final LongCell deadLetterFailures = new LongCell();
    private final DoubleCell kafkaReachable = new DoubleCell(Double.NaN);
    private final DoubleCell streamTimeSeconds = new DoubleCell(0);
    private final DoubleCell realtimeFactor = new DoubleCell(Double.NaN);
    private final Map<String, WeightGauges> weights = new ConcurrentHashMap<>();
    private final StreamScores streamScores = new StreamScores();
    private final LongCell ticksLabelled = new LongCell();
    private final LongCell ticksUnlabelled = new LongCell();
    private final DoubleCell[] tickAccuracy = new DoubleCell[Phase.values().length];
    private final DoubleCell[] majorityAccuracy = new DoubleCell[Phase.values().length];
    private final DoubleCell[] firstCorrectP50 = new DoubleCell[Phase.values().length];

    /**
     * Metrics in a new Prometheus registry, with statistics over {@code numClasses} classes and a rolling
     * window of the last {@code rollingWindows} scored windows.
     */
    public LearnerMetrics(int numClasses, int rollingWindows) {
        this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), new PrequentialStats(numClasses, rollingWindows));
    }

    /** Metrics registered in {@code registry}, feeding {@code stats} (which this instance then owns). */
    public LearnerMetrics(PrometheusMeterRegistry registry, PrequentialStats stats) {
        this.registry = registry;
        this.stats = stats;
        counter("spikestream.events", "DVS events that entered the learner, before any filter", events);
        counter("spikestream.spikes", "Spikes emitted by the network's neurons", spikes);
        counter("spikestream.synaptic.events", "Synaptic events delivered (spike x outgoing synapse)", synapticEvents);
        for (DropReason reason : DropReason.values()) {
            LongCell cell = new LongCell();
            dropped[reason.ordinal()] = cell;
            FunctionCounter.builder("spikestream.events.dropped", cell, LongCell::asDouble)
                .description("Events or records that did not reach the network, by reason")
                .tag("reason", reason.tag()).register(registry);
        }
        for (Phase phase : Phase.values()) {
            LongCell cell = new LongCell();
            windows[phase.ordinal()] = cell;
            FunctionCounter.builder("spikestream.windows", cell, LongCell::asDouble)
                .description("Scored (labelled) windows; train = predicted then learned from, test = learning off")
                .tag("phase", phase.tag()).register(registry);
            for (Horizon horizon : Horizon.values()) {
                DoubleCell a = new DoubleCell(Double.NaN);
                accuracy[phase.ordinal()][horizon.ordinal()] = a;
                Gauge.builder("spikestream.accuracy", a, DoubleCell::get).strongReference(true)
                    .description("Fraction of scored windows predicted correctly (rolling: last N windows of the phase)")
                    .tag("window", horizon.tag()).tag("phase", phase.tag()).register(registry);
            }
        }
        FunctionCounter.builder("spikestream.predictions", correct, LongCell::asDouble)
            .description("Scored windows by outcome").tag("correct", "true").register(registry);
        FunctionCounter.builder("spikestream.predictions", wrong, LongCell::asDouble)
            .description("Scored windows by outcome").tag("correct", "false").register(registry);
        for (Horizon horizon : Horizon.values()) {
            DoubleCell l = new DoubleCell(Double.NaN);
            loss[horizon.ordinal()] = l;
            Gauge.builder("spikestream.loss", l, DoubleCell::get).strongReference(true)
                .description("Mean loss of scored windows over both phases (rolling: last N windows)")
                .tag("window", horizon.tag()).register(registry);
        }
        counter("spikestream.deadletter.failures", "Rejected records whose dead letter could not be written (their offsets "
            + "stay uncommitted)", deadLetterFailures);
        gauge("spikestream.kafka.reachable", "1 while the consumer holds a connection to the Kafka cluster, 0 when it "
            + "has none (broker down, network cut); NaN before the first check", kafkaReachable);
        FunctionCounter.builder("spikestream.ticks", ticksLabelled, LongCell::asDouble)
            .description("Continuous time: tick predictions (one per sensor per output.predict_every_ms)")
            .tag("labelled", "true").register(registry);
        FunctionCounter.builder("spikestream.ticks", ticksUnlabelled, LongCell::asDouble)
            .description("Continuous time: tick predictions (one per sensor per output.predict_every_ms)")
            .tag("labelled", "false").register(registry);
        for (Phase phase : Phase.values()) {
            tickAccuracy[phase.ordinal()] = new DoubleCell(Double.NaN);
            majorityAccuracy[phase.ordinal()] = new DoubleCell(Double.NaN);
            firstCorrectP50[phase.ordinal()] = new DoubleCell(Double.NaN);
            Gauge.builder("spikestream.tick.accuracy", tickAccuracy[phase.ordinal()], DoubleCell::get).strongReference(true)
                .description("Continuous time: fraction of labelled ticks predicted correctly").tag("phase", phase.tag())
                .register(registry);
            Gauge.builder("spikestream.interval.majority.accuracy", majorityAccuracy[phase.ordinal()], DoubleCell::get)
                .strongReference(true).description("Continuous time: fraction of label intervals whose ticks' majority was right")
                .tag("phase", phase.tag()).register(registry);
            Gauge.builder("spikestream.interval.first.correct.seconds", firstCorrectP50[phase.ordinal()], DoubleCell::get)
                .strongReference(true).description("Continuous time: median stream time from an interval's start to its "
                    + "first correct tick").tag("phase", phase.tag()).register(registry);
        }
        gauge("spikestream.consumer.lag.records", "Records the consumer has yet to read, summed over partitions",
            consumerLag);
        gauge("spikestream.stream.time.seconds", "Stream time the network has been advanced to, seconds",
            streamTimeSeconds);
        gauge("spikestream.realtime.factor", "Simulated seconds per wall-clock second", realtimeFactor);
    }

    private void counter(String name, String description, LongCell cell) {
        FunctionCounter.builder(name, cell, LongCell::asDouble).description(description).register(registry);
    }

    private void gauge(String name, String description, DoubleCell cell) {
        Gauge.builder(name, cell, DoubleCell::get).strongReference(true).description(description).register(registry);
    }

    /** The registry holding every meter (add JVM or Kafka client meters to it if wanted). */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The statistics {@link #recordWindow} feeds; read them from the recording thread (e.g. at the end of a run). */
    public PrequentialStats stats() {
        return stats;
    }

    /** The exposition text a scrape would return (Prometheus text format 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }

    public void addEvents(long n) {
        events.add(n);
    }

    public void addSpikes(long n) {
        spikes.add(n);
    }

    public void addSynapticEvents(long n) {
        synapticEvents.add(n);
    }

    public void addDropped(DropReason reason, long n) {
        dropped[reason.ordinal()].add(n);
    }

    /**
     * Counts one scored window and refreshes the accuracy and loss gauges. Learner thread only.
     *
     * @param label     true class
     * @param predicted predicted class, -1 for none
     * @param loss      the window's loss, NaN when not computed
     * @throws IllegalArgumentException for a label or prediction out of range (nothing is counted)
     * @see PrequentialStats#record
     */
    public void recordWindow(Phase phase, int label, int predicted, double loss) {
        stats.record(phase, label, predicted, loss);
        windows[phase.ordinal()].add(1);
        (predicted == label ? correct : wrong).add(1);
        for (Horizon horizon : HORIZONS) {
            accuracy[phase.ordinal()][horizon.ordinal()].set(stats.accuracy(phase, horizon));
            this.loss[horizon.ordinal()].set(stats.loss(horizon));
        }
    }

    /** Whether the consumer holds a connection to the Kafka cluster. */
    public void kafkaReachable(boolean reachable) {
        kafkaReachable.set(reachable ? 1 : 0);
    }

    /** A dead letter could not be written (its record stays uncommitted). */
    public void addDeadLetterFailure() {
        deadLetterFailures.add(1);
    }

    /** Exports {@code failed} (read at scrape time) as {@code spikestream_predictions_publish_failures_total}. */
    public void countPublishFailures(java.util.function.LongSupplier failed) {
        FunctionCounter.builder("spikestream.predictions.publish.failures", failed, f -> f.getAsLong())
            .description("Predictions the producer could not write to the predictions topic").register(registry);
    }

    /** Continuous time: one tick's prediction ({@code label} -1 when none covered it). Learner thread only. */
    public void recordTick(Phase phase, int label, int predicted) {
        streamScores.tick(phase, label, predicted);
        (label < 0 ? ticksUnlabelled : ticksLabelled).add(1);
        if (label >= 0) {
            tickAccuracy[phase.ordinal()].set(streamScores.tickAccuracy(phase));
        }
    }

    /**
     * Continuous time: a label interval scored at its end ({@link #recordWindow}) and over its ticks. Learner thread
     * only; the latency median is recomputed every 64 intervals.
     */
    public void recordInterval(Phase phase, int label, int predicted, double loss, int majority, long firstCorrectUs) {
        recordWindow(phase, label, predicted, loss);
        streamScores.interval(phase, label, majority, firstCorrectUs);
        majorityAccuracy[phase.ordinal()].set(streamScores.majorityAccuracy(phase));
        if (streamScores.intervals(phase) % 64 == 1) {
            firstCorrectP50[phase.ordinal()].set(streamScores.latencyQuantileUs(phase, 0.5) * 1e-6);
        }
    }

    /** The continuous-stream scores (ticks, majorities, latencies). */
    public StreamScores streamScores() {
        return streamScores;
    }

    /** Records behind the end of the assigned partitions (the consumer's lag). */
    public void consumerLag(long records) {
        consumerLag.set(records);
    }

    /** The latest consumer lag, records (as exported). */
    public double consumerLagRecords() {
        return consumerLag.get();
    }

    /** The latest real-time factor (as exported; NaN before the first). */
    public double realtimeFactorValue() {
        return realtimeFactor.get();
    }

    /** Stream time the network has reached, microseconds (exported in seconds). */
    public void streamTimeUs(long streamTimeUs) {
        streamTimeSeconds.set(streamTimeUs * 1e-6);
    }

    /** Simulated seconds per wall-clock second; the caller measures it with its own clock. */
    public void realtimeFactor(double factor) {
        realtimeFactor.set(factor);
    }

    /**
     * The weight gauges of one projection (e.g. {@code input_to_recurrent}), registered on first use. Keep the
     * result: looking it up again costs a map look-up.
     */
    public WeightGauges weights(String projection) {
        return weights.computeIfAbsent(projection, p -> new WeightGauges(registry, p));
    }

    /** A monotone count, safe to add to from several threads. */
    static final class LongCell {
        private static final VarHandle VALUE;

        static {
            try {
                VALUE = MethodHandles.lookup().findVarHandle(LongCell.class, "value", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        @SuppressWarnings("unused") // accessed through VALUE
        private volatile long value;

        void add(long n) {
            if (n < 0) {
                throw new IllegalArgumentException("a counter only goes up; cannot add " + n);
            }
            VALUE.getAndAdd(this, n);
        }

        long get() {
            return value;
        }

        double asDouble() {
            return value;
        }
    }

    /** The latest value of a gauge, published to the scraping thread. */
    static final class DoubleCell {
        private volatile double value;

        DoubleCell(double initial) {
            value = initial;
        }

        void set(double v) {
            value = v;
        }

        double get() {
            return value;
        }
    }
}
