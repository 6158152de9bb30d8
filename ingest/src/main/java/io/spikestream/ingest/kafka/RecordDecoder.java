package io.spikestream.ingest.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;

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
}
