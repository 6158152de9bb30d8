package io.spikestream.ingest.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;

/**
 * One embedded broker for every test in this JVM (starting one costs seconds), stopped by a shutdown hook, plus
 * small helpers. Tests use their own topic names so they never see each other's records.
 */
public final class TestKafka {

    private static final AtomicInteger TOPICS = new AtomicInteger();
    private static EmbeddedKafka broker;

    private TestKafka() {
    }

    public static synchronized KafkaEndpoint endpoint() {
        if (broker == null) {
            broker = EmbeddedKafka.start();
            EmbeddedKafka b = broker;
            Runtime.getRuntime().addShutdownHook(new Thread(b::close, "embedded-kafka-stop"));
        }
        return KafkaEndpoint.of(broker);
    }

    /** Creates a fresh topic named after the test. */
    public static String topic(String prefix, int partitions) {
        String name = prefix + "-" + TOPICS.incrementAndGet();
        Topics.ensure(endpoint(), List.of(new Topics.Spec(name, partitions, Map.of())));
        return name;
    }

    public static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(ClientConfigs.producer(endpoint(), "test-producer"));
    }

    /** Sends and waits for each write, so offsets are known. */
    public static void send(String topic, int partition, String key, byte[] value) {
        try (var producer = producer()) {
            producer.send(new ProducerRecord<>(topic, partition, key, value)).get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The committed offset of a group on a partition, or -1. */
    public static long committed(String group, TopicPartition tp) {
        try (Admin admin = Admin.create(ClientConfigs.admin(endpoint()))) {
            Map<TopicPartition, OffsetAndMetadata> offsets =
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            OffsetAndMetadata om = offsets.get(tp);
            return om == null ? -1 : om.offset();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads exactly {@code n} records of a topic from the beginning with a throwaway group. */
    public static List<ConsumerRecord<String, byte[]>> readAll(String topic, int n) {
        Map<String, Object> config = ClientConfigs.consumer(endpoint(), "reader-" + UUID.randomUUID(), 500);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
                return out.size() >= n;
            });
        }
        return out;
    }
}
