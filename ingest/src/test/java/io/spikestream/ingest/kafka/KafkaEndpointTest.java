package io.spikestream.ingest.kafka;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KafkaEndpointTest {

    @Test
    void configFileAndKeyValuePairsMergeWithPairsWinning(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("client.properties"), """
            security.protocol=SASL_SSL
            sasl.mechanism=SCRAM-SHA-512
            ssl.truststore.location=/etc/kafka/truststore.jks
            """);
        Map<String, String> props = KafkaEndpoint.clientProperties(file,
            List.of("sasl.mechanism=PLAIN", "sasl.jaas.config=a=b c=d"));
        assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN",
            "ssl.truststore.location", "/etc/kafka/truststore.jks", "sasl.jaas.config", "a=b c=d"), props);
        assertThrows(IllegalArgumentException.class, () -> KafkaEndpoint.clientProperties(null, List.of("novalue")));
    }

    @Test
    void externalEndpointPassesPropertiesToEveryClientButKeepsCorrectnessSettings() {
        KafkaEndpoint endpoint = KafkaEndpoint.external("kafka-1:9093,kafka-2:9093",
            Map.of("security.protocol", "SSL", "enable.idempotence", "false", "linger.ms", "20"));
        assertFalse(endpoint.isEmbedded());
        Map<String, Object> producer = ClientConfigs.producer(endpoint, "p");
        assertEquals("kafka-1:9093,kafka-2:9093", producer.get("bootstrap.servers"));
        assertEquals("SSL", producer.get("security.protocol"));
        assertEquals("20", producer.get("linger.ms"), "tuning passes through");
        assertEquals(true, producer.get("enable.idempotence"), "ordering guarantees cannot be switched off");
        Map<String, Object> consumer = ClientConfigs.consumer(endpoint, "g", 100);
        assertEquals("SSL", consumer.get("security.protocol"));
        assertEquals(false, consumer.get("enable.auto.commit"));
        assertEquals(100, consumer.get("max.poll.records"));
        endpoint.close(); // nothing to stop
    }
}
