package io.spikestream.ingest.kafka;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docker/kafka/server.properties runs the same broker configuration as the embedded and separate-process brokers. */
class BrokerConfigConsistencyTest {

    @Test
    void dockerBrokerHasEveryBasePropertyWithTheSameValue() throws Exception {
        Path docker = Path.of("").toAbsolutePath().getParent().resolve("docker/kafka/server.properties");
        assertTrue(Files.isRegularFile(docker), docker.toString());
        Properties compose = new Properties();
        try (InputStream in = Files.newInputStream(docker)) {
            compose.load(in);
        }
        Properties base = EmbeddedKafka.baseProperties();
        assertTrue(base.size() >= 15, "base properties loaded: " + base.size());
        for (String key : base.stringPropertyNames()) {
            assertEquals(base.getProperty(key), compose.getProperty(key), key);
        }
        for (String key : new String[] {"node.id", "listeners", "advertised.listeners",
            "controller.quorum.bootstrap.servers", "log.dirs"}) {
            assertTrue(compose.containsKey(key), key);
        }
    }
}
