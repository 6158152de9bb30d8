package io.spikestream.ingest.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Where spikestream's Kafka clients connect: either an external cluster ({@code --bootstrap-servers}, with any
 * client properties passed through for TLS/SASL, e.g. {@code security.protocol=SASL_SSL}), or an
 * {@link EmbeddedKafka} broker started for this process and stopped by {@link #close()}.
 *
 * <p>Immutable apart from closing; threadsafe.
 */
public final class KafkaEndpoint implements AutoCloseable {

    private final String bootstrapServers;
    private final Map<String, String> clientProperties;
    private final EmbeddedKafka embedded;

    private KafkaEndpoint(String bootstrapServers, Map<String, String> clientProperties, EmbeddedKafka embedded) {
        this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        this.clientProperties = Map.copyOf(clientProperties);
        this.embedded = embedded;
    }

    /** An external cluster; {@code clientProperties} go to every producer, consumer and admin client. */
    public static KafkaEndpoint external(String bootstrapServers, Map<String, String> clientProperties) {
        if (bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrap servers must not be blank");
        }
        return new KafkaEndpoint(bootstrapServers, clientProperties, null);
    }

    /** Starts an in-JVM broker owned by the returned endpoint. */
    public static KafkaEndpoint embedded() {
        EmbeddedKafka kafka = EmbeddedKafka.start();
        return new KafkaEndpoint(kafka.bootstrapServers(), Map.of(), kafka);
    }

    /** Uses an already running broker that the caller owns (closing the endpoint leaves it running). */
    public static KafkaEndpoint of(EmbeddedKafka kafka) {
        return new KafkaEndpoint(kafka.bootstrapServers(), Map.of(), null);
    }

    /**
     * Merges a client config file (Java properties, e.g. TLS trust store and SASL JAAS settings) and
     * {@code key=value} pairs; the pairs win.
     */
    public static Map<String, String> clientProperties(Path configFile, Iterable<String> keyValues) throws IOException {
        Map<String, String> merged = new LinkedHashMap<>();
        if (configFile != null) {
            Properties file = new Properties();
            try (InputStream in = Files.newInputStream(configFile)) {
                file.load(in);
            }
            file.stringPropertyNames().forEach(k -> merged.put(k, file.getProperty(k)));
        }
        if (keyValues != null) {
            for (String kv : keyValues) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("Kafka property '" + kv + "' is not key=value");
                }
                merged.put(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
            }
        }
        return merged;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The pass-through client properties (without bootstrap.servers). */
    public Map<String, String> clientProperties() {
        return clientProperties;
    }

    public boolean isEmbedded() {
        return embedded != null;
    }

    /** Base config for any client: bootstrap servers plus pass-through properties. */
    public Map<String, Object> baseConfig() {
        Map<String, Object> config = new LinkedHashMap<>(clientProperties);
        config.put("bootstrap.servers", bootstrapServers);
        return config;
    }

    @Override
    public void close() {
        if (embedded != null) {
            embedded.close();
        }
    }

    @Override
    public String toString() {
        return (embedded != null ? "embedded " : "") + bootstrapServers;
    }
}
