package io.spikestream.ingest.kafka;

import io.spikestream.schemas.DeadLetterReason;
import org.apache.kafka.common.TopicPartition;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * What {@link KafkaRecordSource} emits: records, and the partition changes a stateful downstream must hear of.
 * Signals of one partition arrive in offset order.
 */
public sealed interface SourceSignal<T> {

    /**
     * One accepted record. Call {@link #acknowledge()} once its effects are durable (written to a sink, included
     * in a checkpoint...); the source commits, per partition, the offset after the longest acknowledged prefix.
     * Acknowledging is threadsafe and cheap; acknowledging twice is harmless.
     */
    final class Record<T> implements SourceSignal<T> {

        private final TopicPartition partition;
        private final long offset;
        private final long timestampMs;
        private final String key;
        private final T value;
        private final AckSink acks;
        final Object tracker;

        Record(TopicPartition partition, long offset, long timestampMs, String key, T value, AckSink acks,
               Object tracker) {
            this.partition = partition;
            this.offset = offset;
            this.timestampMs = timestampMs;
            this.key = key;
            this.value = value;
            this.acks = acks;
            this.tracker = tracker;
        }

        public TopicPartition partition() {
            return partition;
        }

        public String topic() {
            return partition.topic();
        }

        public long offset() {
            return offset;
        }

        public long timestampMs() {
            return timestampMs;
        }

        /** The record key: the sensor id. */
        public String key() {
            return key;
        }

        public T value() {
            return value;
        }

        public void acknowledge() {
            acks.acknowledge(this);
        }

        @Override
        public String toString() {
            return partition + "@" + offset;
        }
    }

    /**
     * Partitions were taken from this consumer (rebalance or shutdown). Before this signal the source committed
     * what was acknowledged ({@code committed}: next offset per partition, absent where nothing was ever
     * acknowledged) and dropped records of these partitions it had not emitted yet. Records emitted but not
     * acknowledged will be delivered again to the partitions' next owner: flush or discard their state now.
     * {@code lost} is true when the group lost the partitions without a chance to commit.
     *
     * <p>With a {@link PartitionHook#revocationBarrier() revocation barrier} the order is reversed: the source
     * waits inside the rebalance until downstream calls {@link #release()} (its state is durable and its records
     * acknowledged), then commits; {@code committed} is then empty.
     */
    record PartitionsRevoked<T>(Set<TopicPartition> partitions, Map<TopicPartition, Long> committed, boolean lost,
                                CompletableFuture<Void> barrier) implements SourceSignal<T> {

        public PartitionsRevoked(Set<TopicPartition> partitions, Map<TopicPartition, Long> committed, boolean lost) {
            this(partitions, committed, lost, null);
        }

        /** Downstream is done with these partitions (barrier mode); harmless without a barrier. Threadsafe. */
        public void release() {
            if (barrier != null) {
                barrier.complete(null);
            }
        }
    }

    /**
     * A record of {@code partition} at {@code offset} that the decoder rejected: it is on its way to the dead-letter
     * topic (the source acknowledges it itself once written) and carries nothing for downstream to apply. It arrives in
     * the partition's order, so downstream knows it has read past {@code offset}.
     */
    record Skipped<T>(TopicPartition partition, long offset, DeadLetterReason reason) implements SourceSignal<T> {
    }

    /** Partitions were given to this consumer; records from them follow. */
    record PartitionsAssigned<T>(Set<TopicPartition> partitions) implements SourceSignal<T> {
    }

    /** Receives acknowledgements; implemented by the source. */
    interface AckSink {
        void acknowledge(Record<?> record);
    }
}
