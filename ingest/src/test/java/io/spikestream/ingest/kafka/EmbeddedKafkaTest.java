package io.spikestream.ingest.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddedKafkaTest {

    @Test
    void startsCreatesStandardTopicsRoundTripsARecordAndDeletesItsStorageOnClose() throws Exception {
        Path logDir;
        try (KafkaEndpoint endpoint = KafkaEndpoint.embedded()) {
            assertTrue(endpoint.isEmbedded());
            assertTrue(endpoint.bootstrapServers().startsWith("127.0.0.1:"), endpoint.bootstrapServers());
            List<String> created = Topics.ensure(endpoint, Topics.standard(Topics.DEFAULT_PARTITIONS));
            assertEquals(Set.of(Topics.EVENTS, Topics.LABELS, Topics.PREDICTIONS, Topics.CHECKPOINTS, Topics.DEAD_LETTER),
                Set.copyOf(created));
            assertEquals(List.of(), Topics.ensure(endpoint, Topics.standard(Topics.DEFAULT_PARTITIONS)),
                "a second run finds every topic and creates none");

            try (Admin admin = Admin.create(ClientConfigs.admin(endpoint))) {
                Map<String, TopicDescription> topics =
                    admin.describeTopics(List.of(Topics.EVENTS, Topics.CHECKPOINTS)).allTopicNames().get();
                assertEquals(4, topics.get(Topics.EVENTS).partitions().size());
                assertEquals(1, topics.get(Topics.CHECKPOINTS).partitions().size());
                ConfigResource events = new ConfigResource(ConfigResource.Type.TOPIC, Topics.EVENTS);
                ConfigResource checkpoints = new ConfigResource(ConfigResource.Type.TOPIC, Topics.CHECKPOINTS);
                Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(events, checkpoints)).all().get();
                assertEquals("86400000", configs.get(events).get("retention.ms").value());
                assertEquals("compact", configs.get(checkpoints).get("cleanup.policy").value());
            }

            try (var producer = new KafkaProducer<String, byte[]>(ClientConfigs.producer(endpoint, "t"))) {
                producer.send(new ProducerRecord<>(Topics.LABELS, "cam", "hello".getBytes(StandardCharsets.UTF_8))).get();
            }
            logDir = embeddedLogDir(endpoint);
            assertTrue(Files.isDirectory(logDir));
            var records = readAll(endpoint, Topics.LABELS);
            assertEquals("hello", new String(records, StandardCharsets.UTF_8));
        }
        assertFalse(Files.exists(logDir), "close deletes the broker's storage");
    }

    private static Path embeddedLogDir(KafkaEndpoint endpoint) throws Exception {
        var field = KafkaEndpoint.class.getDeclaredField("embedded");
        field.setAccessible(true);
        return ((EmbeddedKafka) field.get(endpoint)).logDir();
    }

    private static byte[] readAll(KafkaEndpoint endpoint, String topic) {
        var config = ClientConfigs.consumer(endpoint, "embedded-test", 10);
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(config)) {
            consumer.subscribe(List.of(topic));
            byte[][] found = new byte[1][];
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
                for (var r : consumer.poll(java.time.Duration.ofMillis(100))) {
                    found[0] = r.value();
                }
                return found[0] != null;
            });
            return found[0];
        }
    }
}
