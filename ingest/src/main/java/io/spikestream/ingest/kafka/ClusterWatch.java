package io.spikestream.ingest.kafka;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link KafkaRecordSource}'s consumer knows about its cluster, reported on the consumer thread after every
 * poll: whether any connection to the cluster exists, and the lag of its partitions. Consumer thread only.
 */
final class ClusterWatch {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaRecordSource.class);

    private final KafkaEndpoint endpoint;
    private final SourceOptions options;
    private long lastReachCheckMs;
    private long unreachableSinceMs = -1;
    private boolean warnedUnreachable;

    ClusterWatch(KafkaEndpoint endpoint, SourceOptions options) {
        this.endpoint = endpoint;
        this.options = options;
    }

    /** How long the consumer may hold no connection to the cluster before the source logs a warning. */
    static final long UNREACHABLE_WARN_MS = 10_000;

    /**
     * Watches the consumer's own {@code connection-count} (about once a second): a broker that is down is otherwise
     * invisible, because the client retries quietly (its network warnings are muted on the command line). Reported to
     * the metrics each time; logged once when no connection has existed for {@link #UNREACHABLE_WARN_MS}, and again
     * when the cluster is back.
     */
    void checkReachable(KafkaConsumer<String, byte[]> c) {
        long now = options.clock().millis();
        if (now - lastReachCheckMs < 1_000) {
            return;
        }
        lastReachCheckMs = now;
        double connections = -1;
        for (var e : c.metrics().entrySet()) {
            if (e.getKey().name().equals("connection-count") && e.getKey().group().equals("consumer-metrics")
                && e.getValue().metricValue() instanceof Number n) {
                connections = n.doubleValue();
                break;
            }
        }
        if (connections < 0) {
            return;
        }
        boolean reachable = connections > 0;
        options.metrics().clusterReachable(reachable);
        if (reachable) {
            if (warnedUnreachable) {
                LOG.warn("Kafka cluster {} is reachable again", endpoint.bootstrapServers());
            }
            unreachableSinceMs = -1;
            warnedUnreachable = false;
        } else if (unreachableSinceMs < 0) {
            unreachableSinceMs = now;
        } else if (!warnedUnreachable && now - unreachableSinceMs >= UNREACHABLE_WARN_MS) {
            warnedUnreachable = true;
            LOG.warn("no connection to the Kafka cluster {} for {} s: is the broker down? (the consumer keeps retrying)",
                endpoint.bootstrapServers(), (now - unreachableSinceMs) / 1000);
        }
    }

    /** Sums the lag the consumer knows locally (fetch metadata, no request) over its partitions. */
    void reportLag(KafkaConsumer<String, byte[]> c) {
        long lag = 0;
        boolean known = false;
        for (TopicPartition tp : c.assignment()) {
            var l = c.currentLag(tp);
            if (l.isPresent()) {
                lag += l.getAsLong();
                known = true;
            }
        }
        if (known) {
            options.metrics().consumerLag(lag);
        }
    }
}
