package io.spikestream.schemas;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

import java.util.Map;

/**
 * Kafka deserializer for one spikestream record type. A value that does not decode raises a
 * {@link SerializationException} whose cause is the {@link RecordDecodeException}; KafkaConsumer then reports it
 * as a {@code RecordDeserializationException} naming topic, partition and offset. Pipelines that must route bad
 * records to the dead-letter topic instead read {@code byte[]} and decode with {@link SingleObjectCodec}.
 *
 * <p>Built either with the record class, or by Kafka from configuration with {@link #RECORD_CLASS_CONFIG}.
 * Threadsafe once configured.
 */
public final class SingleObjectDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    /** Consumer property naming the record class when Kafka instantiates this deserializer by name. */
    public static final String RECORD_CLASS_CONFIG = "spikestream.avro.record.class";

    private SingleObjectCodec<T> codec;

    /** For Kafka's reflective instantiation; {@link #configure} must name the record class. */
    public SingleObjectDeserializer() {
    }

    public SingleObjectDeserializer(Class<T> type) {
        this.codec = SpikestreamSchemas.codec(type);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (codec != null) {
            return;
        }
        Object name = configs.get(RECORD_CLASS_CONFIG);
        if (name == null) {
            throw new IllegalArgumentException(RECORD_CLASS_CONFIG + " is not set");
        }
        try {
            Class<?> type = name instanceof Class<?> c ? c : Class.forName(name.toString());
            codec = SpikestreamSchemas.codec((Class<T>) type.asSubclass(SpecificRecord.class));
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException(RECORD_CLASS_CONFIG + " names an unknown class " + name, e);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (codec == null) {
            throw new IllegalStateException("not configured: set " + RECORD_CLASS_CONFIG);
        }
        try {
            return codec.decode(data);
        } catch (RecordDecodeException e) {
            throw new SerializationException("topic " + topic + ": " + e.getMessage(), e);
        }
    }
}
