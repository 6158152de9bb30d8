package io.spikestream.ingest.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
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
        /** The record as polled, kept for {@link #deadLetter} until {@link #forgetBytes}. */
        private volatile ConsumerRecord<String, byte[]> raw;
        /** Wall time (us since the epoch, the source's clock) at which the poll that returned this record returned. */
        private final long polledUs;

        Record(TopicPartition partition, long offset, long timestampMs, String key, T value, AckSink acks,
               Object tracker) {
            this(partition, offset, timestampMs, key, value, acks, tracker, null);
        }

        Record(TopicPartition partition, long offset, long timestampMs, String key, T value, AckSink acks,
               Object tracker, ConsumerRecord<String, byte[]> raw) {
            this(partition, offset, timestampMs, key, value, acks, tracker, raw, 0L);
        }

        Record(TopicPartition partition, long offset, long timestampMs, String key, T value, AckSink acks,
               Object tracker, ConsumerRecord<String, byte[]> raw, long polledUs) {
            this.polledUs = polledUs;
            this.raw = raw;
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

        /**
         * When the consumer's poll returned this record: wall time in microseconds since the epoch, read from the
         * source's clock once per poll (0 where unknown). With {@link #timestampMs()} (the producer's send time under
         * the topic's default {@code CreateTime}) it splits a record's latency into broker and consumer, and into the
         * wait downstream (docs/live-streams.md, "Latency").
         */
        public long polledUs() {
            return polledUs;
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

        /**
         * The record could not be processed downstream ({@code processing.on_error=continue}): the source writes it to
         * the dead-letter topic (reason {@code INVALID_CONTENT}, "processing failed: " + {@code why}), counts it as a
         * rejected record, and acknowledges it once the letter is durable. Use it instead of {@link #acknowledge()}.
         * Threadsafe; the bytes must not have been forgotten.
         */
        public void deadLetter(String why) {
            ConsumerRecord<String, byte[]> r = raw;
            if (r == null) {
                throw new IllegalStateException("record " + this + " cannot be dead-lettered: its bytes were forgotten");
            }
            acks.deadLetter(this, r, why);
        }

        /**
         * Drops the polled bytes this record keeps for {@link #deadLetter}, once it was processed: a record waiting for
         * its acknowledgement (a durable pipeline holds it until a checkpoint) then holds only its decoded value.
         */
        public void forgetBytes() {
            raw = null;
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

        void deadLetter(Record<?> record, ConsumerRecord<String, byte[]> raw, String why);
    }
}
