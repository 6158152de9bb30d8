package io.spikestream.tests;

import io.spikestream.app.Main;
import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input during recovery, through the {@code learn} command against the embedded broker: a missing checkpoint
 * directory while the group has committed offsets, checkpoints of another network shape, records the checkpoints
 * need deleted by retention. Each is a clear error (exit 2, {@code learn: <why>}) or the documented fallback, never
 * a silent fresh start.
 */
class RecoveryErrorsTest {

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void broker() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    record Run(int rc, String out, String err) {
    }

    static synchronized Run learn(String topic, String group, Path dir, String... extra) {
        List<String> args = new ArrayList<>(List.of("learn", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic,
            "--group", group, "--checkpoint-dir", dir.toString(), "--until-end", "--set", "network.n_rec=20",
            "--set", "checkpoint.interval_stream_ms=300"));
        args.addAll(List.of(extra));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = System.out;
        PrintStream e = System.err;
        int rc;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            rc = Main.execute(args.toArray(String[]::new));
        } finally {
            System.setOut(o);
            System.setErr(e);
        }
        return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String topic(String name) {
        Topics.ensure(KafkaEndpoint.of(kafka), List.of(new Topics.Spec(name, 1, Map.of())));
        return name;
    }

    @Test
    void aMissingCheckpointDirectoryIsAFirstStartOnlyIfTheGroupNeverCommitted(@TempDir Path dir) throws Exception {
        String topic = topic("recovery-missing");
        DurableStreams.replay(KafkaEndpoint.of(kafka), topic, "cam", 0, 3, 1024);
        Path store = dir.resolve("store");
        Run first = learn(topic, "g-missing", store);
        assertEquals(0, first.rc(), first.err());
        assertTrue(first.out().contains("checkpoint model=cam version=1 "), first.out());
        assertTrue(Files.isDirectory(store), "created on the first start");

        Run wrongDir = learn(topic, "g-missing", dir.resolve("typo"));
        assertEquals(2, wrongDir.rc(), wrongDir.out());
        assertTrue(wrongDir.err().contains("learn: partition recovery-missing-0: consumer group 'g-missing' committed offset")
            && wrongDir.err().contains("holds no checkpoint for it") && wrongDir.err().contains("Refusing a silent fresh start"),
            wrongDir.err());

        // the same store again: nothing new to read, nothing re-learned
        Run again = learn(topic, "g-missing", store);
        assertEquals(0, again.rc(), again.err());
        assertTrue(again.out().contains("learned records=0 "), again.out());
    }

    @Test
    void checkpointsOfAnotherShapeAreRefusedAtStart(@TempDir Path dir) throws Exception {
        String topic = topic("recovery-shape");
        DurableStreams.replay(KafkaEndpoint.of(kafka), topic, "cam", 0, 2, 1024);
        Path store = dir.resolve("store");
        assertEquals(0, learn(topic, "g-shape", store).rc());
        Run other = learn(topic, "g-shape", store, "--set", "network.n_rec=21");
        assertEquals(2, other.rc(), other.out());
        assertTrue(other.err().contains("checkpoint of another network shape") && other.err().contains("\"n_rec\" : 20")
            && other.err().contains("\"n_rec\" : 21"), other.err());
    }

    @Test
    void recordsDeletedByRetentionStopRecoveryUnlessSkippingIsChosen(@TempDir Path dir) throws Exception {
        String topic = topic("recovery-retention");
        KafkaEndpoint endpoint = KafkaEndpoint.of(kafka);
        DurableStreams.replay(endpoint, topic, "cam", 0, 2, 1024);
        Path store = dir.resolve("store");
        Run first = learn(topic, "g-retention", store);
        assertEquals(0, first.rc(), first.err());
        long learned = Long.parseLong(first.out().replaceAll("(?s).*learned records=(\\d+) .*", "$1"));
        // more records arrive; the instance is down; retention deletes some of them before it comes back
        DurableStreams.replay(endpoint, topic, "cam", 2, 2, 1024);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = Admin.create(ClientConfigs.admin(endpoint))) {
            admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(learned + 3))).all().get(30, TimeUnit.SECONDS);
        }
        Run refused = learn(topic, "g-retention", store);
        assertEquals(2, refused.rc(), refused.out());
        assertTrue(refused.err().contains("the checkpoints resume at offset " + learned)
            && refused.err().contains("log starts at " + (learned + 3)) && refused.err().contains("3 record(s) were deleted by retention")
            && refused.err().contains("checkpoint.on_retention_gap=skip"), refused.err());

        Run skipping = learn(topic, "g-retention", store, "--set", "checkpoint.on_retention_gap=skip");
        assertEquals(0, skipping.rc(), skipping.err());
        assertTrue(skipping.err().contains("skipping 3 record(s) deleted by retention"), skipping.err());
        assertTrue(skipping.out().contains("models_restored=1 "), skipping.out());
    }

    /** Every learning rule learns durably: its state is checkpointed, and a second run restores and goes on. */
    @Test
    void everyRuleLearnsDurably(@TempDir Path dir) throws Exception {
        for (String rule : List.of("bsshslm", "superspike", "eventprop")) {
            String topic = topic("recovery-rule-" + rule);
            DurableStreams.replay(KafkaEndpoint.of(kafka), topic, "cam", 0, 3, 1024);
            Path store = dir.resolve(rule);
            Run first = learn(topic, "g-rule-" + rule, store, "--set", "network.rule=" + rule);
            assertEquals(0, first.rc(), rule + ": " + first.err());
            assertTrue(first.out().contains("checkpoint model=cam version=1 "), rule + ": " + first.out());
            DurableStreams.replay(KafkaEndpoint.of(kafka), topic, "cam", 3, 2, 1024);
            Run second = learn(topic, "g-rule-" + rule, store, "--set", "network.rule=" + rule);
            assertEquals(0, second.rc(), rule + ": " + second.err());
            assertTrue(second.out().contains("models_restored=1 "), rule + ": " + second.out());
        }
    }
}
