package io.spikestream.schemas;

import org.apache.kafka.common.serialization.Serializer;
import org.apache.avro.specific.SpecificRecord;

/**
 * Kafka serializer writing spikestream records in Avro single-object encoding (see {@link SingleObjectCodec}).
 * Any record type: the codec is picked from the record's class. Threadsafe.
 */
public final class SingleObjectSerializer<T extends SpecificRecord> implements Serializer<T> {

    private final ClassValue<SingleObjectCodec<?>> codecs = new ClassValue<>() {
        @Override
        @SuppressWarnings("unchecked")
        protected SingleObjectCodec<?> computeValue(Class<?> type) {
            return SpikestreamSchemas.codec((Class<? extends SpecificRecord>) type);
        }
    };

    @Override
    @SuppressWarnings("unchecked")
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null; // a tombstone on compacted topics
        }
        return ((SingleObjectCodec<T>) codecs.get(data.getClass())).encode(data);
    }
}
