package io.spikestream.ingest.kafka;

import io.spikestream.schemas.DeadLetterReason;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.Map;
import java.util.TreeSet;

/**
 * Turns a raw Kafka record into the value the pipeline works with, or rejects it. Called only from the reactive
 * source's consumer thread, so an implementation may keep scratch state.
 */
@FunctionalInterface
public interface RecordDecoder<T> {

    /**
     * @throws RejectedRecordException when the value is not acceptable; the message says what is wrong (the source
     *                                 adds topic, partition and offset)
     */
    T decode(ConsumerRecord<String, byte[]> record) throws RejectedRecordException;

    /**
     * One source over several topics (events and labels, say): picks the decoder by the record's topic; a record
     * of any other topic is rejected.
     */
    static <T> RecordDecoder<T> byTopic(Map<String, ? extends RecordDecoder<? extends T>> decoders) {
        Map<String, RecordDecoder<? extends T>> copy = Map.copyOf(decoders);
        return record -> {
            RecordDecoder<? extends T> decoder = copy.get(record.topic());
            if (decoder == null) {
                throw new RejectedRecordException(DeadLetterReason.INVALID_CONTENT,
                    "no decoder for topic " + record.topic() + " (known: " + new TreeSet<>(copy.keySet()) + ")", null);
            }
            return decoder.decode(record);
        };
    }
}
