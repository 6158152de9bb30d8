package io.spikestream.ingest.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.Map;

/**
 * Producer and consumer settings spikestream uses. Keys are sensor ids (strings); values are single-object
 * encoded Avro as bytes, so that a consumer can route undecodable values to the dead-letter topic itself.
 * Pass-through properties of the endpoint come first and the settings below override only what correctness
 * needs (idempotence, manual commits); everything else can be tuned with {@code --kafka-property}.
 */
public final class ClientConfigs {

    private ClientConfigs() {
    }

    /**
     * Idempotent producer with {@code acks=all}: per-partition order survives retries. LZ4 because event batches
     * compress well and it costs little CPU.
     */
    public static Map<String, Object> producer(KafkaEndpoint endpoint, String clientId) {
        Map<String, Object> config = endpoint.baseConfig();
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        config.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return config;
    }

    /**
     * Consumer in a group with manual commits (the reactive source commits acknowledged offsets itself), starting
     * from the earliest retained record when the group has no committed offset.
     */
    public static Map<String, Object> consumer(KafkaEndpoint endpoint, String groupId, int maxPollRecords) {
        Map<String, Object> config = endpoint.baseConfig();
        config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, groupId + "-" + Long.toHexString(System.identityHashCode(config)));
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return config;
    }

    /** Admin client config. */
    public static Map<String, Object> admin(KafkaEndpoint endpoint) {
        return endpoint.baseConfig();
    }
}
