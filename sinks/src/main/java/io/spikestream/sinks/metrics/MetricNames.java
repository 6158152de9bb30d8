package io.spikestream.sinks.metrics;

/**
 * The Prometheus names of every series {@link LearnerMetrics} exports, as they appear on {@code /metrics}. These
 * names and their labels are a stable interface (dashboards and alerts use them); README "Sinks" lists them too.
 */
public final class MetricNames {

    /** Counter: DVS events that entered the learner (before any filter). */
    public static final String EVENTS = "spikestream_events_total";
    /** Counter: spikes emitted by the network's neurons. */
    public static final String SPIKES = "spikestream_spikes_total";
    /** Counter: synaptic events delivered (one per spike per outgoing synapse). */
    public static final String SYNAPTIC_EVENTS = "spikestream_synaptic_events_total";
    /** Counter, label {@code reason} ({@link DropReason#tag()}): events or records that did not reach the network. */
    public static final String EVENTS_DROPPED = "spikestream_events_dropped_total";
    /** Counter, label {@code phase} = train|test: scored (labelled) windows. */
    public static final String WINDOWS = "spikestream_windows_total";
    /** Counter, label {@code correct} = true|false: scored windows by outcome. */
    public static final String PREDICTIONS = "spikestream_predictions_total";
    /** Gauge, labels {@code window} = rolling|cumulative and {@code phase} = train|test: accuracy, NaN before any window. */
    public static final String ACCURACY = "spikestream_accuracy";
    /** Gauge, label {@code window} = rolling|cumulative: mean loss over both phases, NaN before any window. */
    public static final String LOSS = "spikestream_loss";
    /** Gauge: records the consumer has yet to read (sum over assigned partitions). */
    public static final String CONSUMER_LAG = "spikestream_consumer_lag_records";
    /** Counter: rejected records whose dead letter could not be written (their offsets stay uncommitted). */
    public static final String DEADLETTER_FAILURES = "spikestream_deadletter_failures_total";
    /** Gauge: 1 while the consumer holds a connection to the Kafka cluster, 0 when it has none, NaN before a check. */
    public static final String KAFKA_REACHABLE = "spikestream_kafka_reachable";
    /** Gauge: stream time the network has been advanced to, seconds. */
    public static final String STREAM_TIME = "spikestream_stream_time_seconds";
    /** Gauge: simulated seconds per wall-clock second. */
    public static final String REALTIME_FACTOR = "spikestream_realtime_factor";
    /** Gauge, labels {@code projection} and {@code stat} = mean|std|min|max|abs_mean: weight statistics. */
    public static final String WEIGHT = "spikestream_weight";

    private MetricNames() {
    }
}
