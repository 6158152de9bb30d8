package io.spikestream.ingest.kafka;

import io.spikestream.schemas.DeadLetterReason;

/**
 * What the Kafka side of ingest counts. Implementations must be threadsafe: the reactive source calls it from its
 * consumer thread and from the producer's callback thread. {@link CountingIngestMetrics} keeps plain counters;
 * an adapter to Micrometer or Prometheus can implement this in {@code app} or {@code sinks}.
 */
public interface IngestMetrics {

    /** A record was polled (valid or not). */
    void recordPolled(String topic);

    /** A record was rejected (bad schema, malformed, outside the sensor geometry) and sent to the dead-letter topic. */
    void recordRejected(String topic, DeadLetterReason reason);

    /** Writing a dead letter failed; the record stays unacknowledged (its offset is not committed). */
    void deadLetterFailed(String topic);

    /** The consumer paused its partitions because downstream demand ran out. */
    void paused();

    /** The consumer resumed its partitions. */
    void resumed();

    /** Offsets were committed for {@code partitions} partitions. */
    void committed(int partitions);

    /**
     * Records behind the end of the assigned partitions after a poll (the consumer's lag, summed over the partitions
     * whose lag the consumer knows), at most once per poll.
     */
    default void consumerLag(long records) {
    }

    /**
     * Whether the consumer holds at least one connection to the cluster, checked about once a second; false once every
     * connection is gone (a broker that is down, a network cut), true again when one is back.
     */
    default void clusterReachable(boolean reachable) {
    }

    IngestMetrics NONE = new IngestMetrics() {
        @Override
        public void recordPolled(String topic) {
        }

        @Override
        public void recordRejected(String topic, DeadLetterReason reason) {
        }

        @Override
        public void deadLetterFailed(String topic) {
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
    };
}
