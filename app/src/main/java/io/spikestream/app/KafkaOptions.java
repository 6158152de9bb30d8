package io.spikestream.app;

import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.Topics;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Kafka options every Kafka-using command shares (a picocli mixin). Without {@code --bootstrap-servers} the
 * command starts an embedded single-node broker that lives as long as the command: fine for a smoke test, but
 * nothing published survives it; run {@code ./spikestream broker} and pass its address to keep data between
 * commands.
 */
public final class KafkaOptions {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
        description = "Kafka cluster to use. Default: start an embedded broker for this command only.")
    String bootstrapServers;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
        description = "Client property passed to every producer, consumer and admin client (repeatable), e.g. "
            + "security.protocol=SASL_SSL.")
    List<String> kafkaProperties = new ArrayList<>();

    @Option(names = "--kafka-config", paramLabel = "FILE",
        description = "Java properties file of client settings (TLS trust store, SASL JAAS config...); "
            + "--kafka-property entries override it.")
    Path kafkaConfig;

    @Option(names = "--partitions", defaultValue = "" + Topics.DEFAULT_PARTITIONS,
        description = "Partitions of data topics this command creates when absent (default: ${DEFAULT-VALUE}).")
    int partitions;

    /** Prefix of spikestream's own settings in the Kafka config file; they are never passed to the Kafka clients. */
    static final String OWN_PREFIX = "spikestream.";

    /**
     * spikestream's own settings of the Kafka config file and {@code --kafka-property} (keys starting with
     * {@value #OWN_PREFIX}, e.g. the checkpoint signing key): secrets kept beside the cluster's.
     */
    Map<String, String> spikestreamProperties() throws IOException {
        Map<String, String> own = new java.util.LinkedHashMap<>(KafkaEndpoint.clientProperties(kafkaConfig, kafkaProperties));
        own.keySet().removeIf(k -> !k.startsWith(OWN_PREFIX));
        return own;
    }

    /** Connects to the given cluster or starts an embedded broker, telling the user which on {@code err}. */
    KafkaEndpoint open(PrintStream err) throws IOException {
        Map<String, String> props = new java.util.LinkedHashMap<>(KafkaEndpoint.clientProperties(kafkaConfig, kafkaProperties));
        props.keySet().removeIf(k -> k.startsWith(OWN_PREFIX));
        if (bootstrapServers != null) {
            return KafkaEndpoint.external(bootstrapServers, props);
        }
        if (!props.isEmpty()) {
            throw new IllegalArgumentException("--kafka-property/--kafka-config need --bootstrap-servers");
        }
        KafkaEndpoint endpoint = KafkaEndpoint.embedded();
        err.println("spikestream: no --bootstrap-servers, started an embedded broker at " + endpoint.bootstrapServers()
            + " (it stops when this command exits; use './spikestream broker' to keep one running)");
        return endpoint;
    }

    /** Creates the standard topics plus {@code extra} (with the events topic's settings) where absent. */
    void ensureTopics(KafkaEndpoint endpoint, PrintStream err, String... extra) {
        List<Topics.Spec> specs = new ArrayList<>(Topics.standard(partitions));
        Topics.Spec events = specs.get(0);
        for (String name : extra) {
            if (specs.stream().noneMatch(s -> s.name().equals(name))) {
                specs.add(events.named(name));
            }
        }
        try {
            List<String> created = Topics.ensure(endpoint, specs);
            if (!created.isEmpty()) {
                err.println("spikestream: created topics " + created);
            }
        } catch (RuntimeException e) {
            // An external cluster may refuse topic creation to this principal; the topics may exist anyway.
            err.println("spikestream: could not check or create topics (" + e.getMessage() + "); assuming they exist");
        }
    }
}
