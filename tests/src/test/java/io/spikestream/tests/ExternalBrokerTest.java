package io.spikestream.tests;

import io.spikestream.app.Main;
import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.EventBatchDecoder;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.KafkaRecordSource;
import io.spikestream.ingest.kafka.SensorEvents;
import io.spikestream.ingest.kafka.SourceOptions;
import io.spikestream.ingest.kafka.SourceSignal;
import io.spikestream.ingest.kafka.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The external-cluster path: a broker in its own JVM (not the embedded one), the {@code replay} command pointed at
 * it with {@code --bootstrap-servers} (and a pass-through client property), and the reactive source reading back.
 */
class ExternalBrokerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    static Path shared() {
        return Path.of(System.getProperty("spikestream.shared", "../shared"));
    }

    @Test
    void replayAndTheReactiveSourceWorkAgainstASeparateProcessBroker(@TempDir Path dir) throws Exception {
        ExternalKafkaProcess kafka = ExternalKafkaProcess.start(dir);
        try {
            String bootstrap = kafka.bootstrapServers();
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            PrintStream stdout = System.out;
            int rc;
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try {
                rc = Main.execute("replay", "--bootstrap-servers", bootstrap,
                    "--kafka-property", "client.dns.lookup=use_all_dns_ips",
                    "--as-fast-as-possible", "--no-progress", "--sensor-id", "ext-cam",
                    shared().resolve("data/nmnist/Test/1").toString(), shared().resolve("data/nmnist/Test/4").toString());
            } finally {
                System.setOut(stdout);
            }
            String out = captured.toString(StandardCharsets.UTF_8);
            assertEquals(0, rc, out);
            Matcher m = Pattern.compile("replayed files=(\\d+) events=(\\d+) batches=(\\d+) labels=(\\d+) ").matcher(out);
            assertTrue(m.find(), out);
            assertEquals(20, Integer.parseInt(m.group(1)), "10 samples of digit 1 and 10 of digit 4");
            long events = Long.parseLong(m.group(2));
            int batches = Integer.parseInt(m.group(3));
            // Recordings at the top level of a folder given on the command line are unlabelled (see ReplayPlan).
            assertEquals(0, Integer.parseInt(m.group(4)));

            KafkaEndpoint endpoint = KafkaEndpoint.external(bootstrap, Map.of("client.dns.lookup", "use_all_dns_ips"));
            try (Admin admin = Admin.create(ClientConfigs.admin(endpoint))) {
                assertTrue(admin.listTopics().names().get().containsAll(Set.of(Topics.EVENTS, Topics.LABELS,
                    Topics.PREDICTIONS, Topics.CHECKPOINTS, Topics.DEAD_LETTER)), "the command created the topics");
            }

            List<SensorEvents> got = new ArrayList<>();
            KafkaRecordSource<SensorEvents> source = KafkaRecordSource.create(endpoint,
                SourceOptions.of("external-test", Topics.EVENTS), new EventBatchDecoder());
            StepVerifier.create(source.flux().ofType(SourceSignal.Record.class))
                .thenConsumeWhile(r -> {
                    got.add((SensorEvents) r.value());
                    r.acknowledge();
                    return got.size() < batches;
                })
                .thenCancel()
                .verify(TIMEOUT);
            assertTrue(source.awaitClosed(TIMEOUT));
            assertEquals(events, got.stream().mapToLong(SensorEvents::count).sum());
            for (int i = 0; i < got.size(); i++) {
                assertEquals(i, got.get(i).sequence(), "one sensor id, one partition, publication order");
                assertEquals("ext-cam", got.get(i).sensorId());
            }
            assertTrue(got.get(0).sourceFile().endsWith(".bin"), got.get(0).sourceFile());
        } finally {
            kafka.close();
        }
        assertFalse(kafka.isAlive(), "SIGTERM stopped the broker");
    }
}
