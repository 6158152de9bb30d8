package io.spikestream.app.pipeline;

import io.spikestream.ingest.kafka.IngestMetrics;
import io.spikestream.schemas.DeadLetterReason;
import io.spikestream.sinks.metrics.DropReason;
import io.spikestream.sinks.metrics.LearnerMetrics;

/**
 * Feeds what the Kafka source counts into the learner's metrics (ingest and sinks do not know each other, so the
 * adapter lives here):
 * <ul>
 *   <li>every rejected record: {@code spikestream_events_dropped_total{reason="dead_lettered"}}, and those that did
 *       not decode at all (bad header, unknown schema, malformed body) also under {@code reason="malformed"}; a
 *       decodable record with bad content (outside the geometry, wrong key) counts only as dead-lettered;</li>
 *   <li>dead letters that could not be written: {@code spikestream_deadletter_failures_total};</li>
 *   <li>the consumer's lag after each poll: {@code spikestream_consumer_lag_records};</li>
 *   <li>whether the consumer has any connection to the cluster: {@code spikestream_kafka_reachable}.</li>
 * </ul>
 * These count records, not events: an undecodable record's events are unknown. Threadsafe (the metrics are).
 */
public final class SourceMetrics implements IngestMetrics {

    private final LearnerMetrics metrics;

    public SourceMetrics(LearnerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void recordPolled(String topic) {
    }

    @Override
    public void recordRejected(String topic, DeadLetterReason reason) {
        metrics.addDropped(DropReason.DEAD_LETTERED, 1);
        if (reason == DeadLetterReason.BAD_HEADER || reason == DeadLetterReason.UNKNOWN_SCHEMA
            || reason == DeadLetterReason.MALFORMED_BODY) {
            metrics.addDropped(DropReason.MALFORMED, 1);
        }
    }

    @Override
    public void deadLetterFailed(String topic) {
        metrics.addDeadLetterFailure();
    }

    @Override
    public void paused() {
    }

    @Override
    public void resumed() {
    }

    @Override
    public void committed(int partitions) {
    }

    @Override
    public void consumerLag(long records) {
        metrics.consumerLag(records);
    }

    @Override
    public void clusterReachable(boolean reachable) {
        metrics.kafkaReachable(reachable);
    }
}
