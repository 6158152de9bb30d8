package io.spikestream.ingest.kafka;

import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;

/**
 * Lets a stateful consumer of a {@link KafkaRecordSource} take part in partition moves, the way Kafka Streams
 * tasks do: it chooses where newly assigned partitions start (its checkpoints know, the group's committed offsets
 * may lag them), and it can make the source wait on revocation until the state built from the revoked partitions
 * is durable, so that the next owner restores that state and nothing is applied twice or lost.
 *
 * <p>{@link #startOffsets} runs on the consumer thread inside the rebalance callback; it may block briefly (read
 * checkpoint files). The revocation barrier is served by downstream calling
 * {@link SourceSignal.PartitionsRevoked#release()}.
 */
public interface PartitionHook {

    /** What the broker says about newly assigned partitions. Absent committed entries: the group never committed. */
    record Offsets(Map<TopicPartition, Long> committed, Map<TopicPartition, Long> beginning, Map<TopicPartition, Long> end) {
    }

    /**
     * Where to start reading {@code partitions}: the source seeks each partition of the returned map to its offset;
     * the others start at the group's committed offset (or as {@code auto.offset.reset} says). Throwing stops the
     * source with that error (for instance when the state cannot be recovered).
     */
    Map<TopicPartition, Long> startOffsets(Collection<TopicPartition> partitions, Offsets offsets);

    /**
     * How long the source waits on revocation (and loss) of partitions for downstream to release the
     * {@link SourceSignal.PartitionsRevoked} signal before it commits and lets the partitions go; zero means no
     * barrier (commit first, then signal).
     */
    default Duration revocationBarrier() {
        return Duration.ZERO;
    }

    /**
     * The consumer is about to give up {@code partitions} (before the barrier, if any); on the consumer thread. For
     * logs and metrics, and for tests that must act while a partition move is under way.
     */
    default void revocationStarted(Collection<TopicPartition> partitions, boolean lost) {
    }

    /** No seeking, no barrier: the source's plain behaviour. */
    PartitionHook NONE = (partitions, offsets) -> Map.of();
}
