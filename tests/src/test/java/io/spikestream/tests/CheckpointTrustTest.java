package io.spikestream.tests;

import io.spikestream.app.durable.CheckpointSigner;
import io.spikestream.app.durable.CheckpointStore;
import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.Topics;
import io.spikestream.schemas.CheckpointRecord;
import io.spikestream.schemas.PartitionOffset;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nothing a checkpoint record says is taken on trust by {@code checkpoint import --from-topic}, and a checkpoint store
 * refuses a recreated input topic: each case on the real broker, with a real model published by {@code learn}.
 */
class CheckpointTrustTest {

    private static final String KEY = "a-secret-of-at-least-16-bytes";
    private static EmbeddedKafka kafka;
    private static KafkaEndpoint endpoint;
    @TempDir
    static Path shared;
    private static Path store;
    private static byte[] camCheckpoint;
    private static long camVersion;

    @BeforeAll
    static void publishARealModel() throws Exception {
        kafka = EmbeddedKafka.start();
        endpoint = KafkaEndpoint.of(kafka);
        Topics.Spec compacted = Topics.standard(1).stream().filter(s -> s.name().equals(Topics.CHECKPOINTS)).findFirst()
            .orElseThrow();
        Topics.ensure(endpoint, List.of(new Topics.Spec("trust-events", 1, Map.of()), compacted.named("cps-plain"),
            compacted.named("cps-signed"), compacted.named("cps-forged"), compacted.named("cps-big")));
        DurableStreams.replay(endpoint, "trust-events", "cam", 0, 1, 1024);
        store = shared.resolve("store");
        Cli.Run learn = learn(store, "cps-plain");
        assertEquals(0, learn.rc(), learn.toString());
        Path newest = DurableStreams.newest(store, "cam");
        camCheckpoint = Files.readAllBytes(newest);
        camVersion = CheckpointStore.existing(store).versions("cam").getFirst().version();
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    private static Cli.Run learn(Path dir, String checkpoints, String... more) {
        List<String> args = new ArrayList<>(List.of("learn", "--bootstrap-servers", kafka.bootstrapServers(), "--topic",
            "trust-events", "--group", "g-" + dir.getFileName(), "--checkpoint-dir", dir.toString(), "--until-end",
            "--publish-checkpoints", "--checkpoints-topic", checkpoints, "--set", "network.n_rec=20"));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    private static Cli.Run importFrom(String topic, String model, Path dir, String... more) {
        List<String> args = new ArrayList<>(List.of("checkpoint", "import", "--bootstrap-servers", kafka.bootstrapServers(),
            "--from-topic", topic, "--model", model, "--dir", dir.toString()));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    private static CheckpointRecord.Builder record(String model, long version, byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return CheckpointRecord.newBuilder().setModelId(model).setVersion(version).setStreamTimeUs(0)
            .setOffsets(List.of(new PartitionOffset("trust-events", 0, 1L, null))).setPayload(ByteBuffer.wrap(payload))
            .setPayloadUri(null).setPayloadBytes(payload.length).setChecksum(crc.getValue());
    }

    private static void publish(String topic, String key, CheckpointRecord r) throws Exception {
        Map<String, Object> config = ClientConfigs.producer(endpoint, "forger");
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 << 20);
        try (var producer = new KafkaProducer<String, byte[]>(config)) {
            producer.send(new ProducerRecord<>(topic, key, SpikestreamSchemas.codec(CheckpointRecord.class).encode(r))).get();
        }
    }

    private static Path kafkaConfig(Path dir, String key) throws Exception {
        Path f = dir.resolve("client-" + key.length() + ".properties");
        Files.writeString(f, CheckpointSigner.KEY_PROPERTY + "=" + key + "\n");
        return f;
    }

    @Test
    void theLastRecordOfTheModelWinsNotTheHighestClaimedVersion(@TempDir Path dir) throws Exception {
        // a forged record claims version Long.MAX_VALUE, written before the real one
        publish("cps-forged", "cam", record("cam", Long.MAX_VALUE, camCheckpoint).build());
        publish("cps-forged", "cam", record("cam", camVersion, camCheckpoint).build());
        Cli.Run ok = importFrom("cps-forged", "cam", dir.resolve("a"));
        assertEquals(0, ok.rc(), ok.toString());
        assertTrue(ok.out().startsWith("imported model=cam version=1 "), ok.out()); // the store numbers it
        // written last, the forgery is what the topic says now: it is refused (its version is not the checkpoint's)
        publish("cps-forged", "cam", record("cam", Long.MAX_VALUE, camCheckpoint).build());
        Cli.Run forged = importFrom("cps-forged", "cam", dir.resolve("b"));
        assertEquals(2, forged.rc(), forged.toString());
        assertTrue(forged.err().contains("the record says version " + Long.MAX_VALUE + ", the checkpoint inside is version "
            + camVersion), forged.err());
    }

    @Test
    void aRecordOfAnotherModelIsRefusedNotStoredUnderItsOwnId(@TempDir Path dir) throws Exception {
        publish("cps-forged", "victim", record("cam", camVersion, camCheckpoint).build());
        Cli.Run named = importFrom("cps-forged", "victim", dir.resolve("a"));
        assertEquals(2, named.rc(), named.toString());
        assertTrue(named.err().contains("is keyed 'victim' and names model 'cam', not the model asked for, 'victim'"),
            named.err());
        publish("cps-forged", "victim2", record("victim2", camVersion, camCheckpoint).build());
        Cli.Run inside = importFrom("cps-forged", "victim2", dir.resolve("b"));
        assertEquals(2, inside.rc(), inside.toString());
        assertTrue(inside.err().contains("the checkpoint inside is of model 'cam'"), inside.err());
        assertTrue(!Files.exists(dir.resolve("b")) || CheckpointStore.existing(dir.resolve("b")).isEmpty(), "nothing stored");
    }

    @Test
    void aPayloadUriIsReadOnlyFromInsideThePayloadDirectory(@TempDir Path dir) throws Exception {
        Path outside = dir.resolve("secret.txt");
        Files.writeString(outside, "not yours");
        Path payloadDir = dir.resolve("shared-store");
        Files.createDirectories(payloadDir);
        Files.createSymbolicLink(payloadDir.resolve("link.ckpt"), outside);
        for (String uri : List.of(outside.toUri().toString(), payloadDir.resolve("link.ckpt").toUri().toString(),
            "http://example.invalid/x")) {
            CheckpointRecord r = record("uri-model", 1, "not yours".getBytes()).setPayload(null).setPayloadUri(uri).build();
            publish("cps-forged", "uri-model", r);
            Cli.Run none = importFrom("cps-forged", "uri-model", dir.resolve("a"));
            assertEquals(2, none.rc(), none.toString());
            assertTrue(none.err().contains("a payload by URI is read only from a directory given with --payload-dir"), none.err());
            Cli.Run with = importFrom("cps-forged", "uri-model", dir.resolve("a"), "--payload-dir", payloadDir.toString());
            assertEquals(2, with.rc(), with.toString());
            assertTrue(with.err().contains("not a regular file inside --payload-dir")
                || with.err().contains("not a file: URI"), uri + ": " + with.err());
        }
        // the legitimate case: a large checkpoint published by URI from the shared store
        Path big = dir.resolve("big");
        Cli.Run learn = learn(big, "cps-big", "--publish-inline-limit", "1000");
        assertEquals(0, learn.rc(), learn.toString());
        Cli.Run refused = importFrom("cps-big", "cam", dir.resolve("c"));
        assertEquals(2, refused.rc(), refused.toString());
        Cli.Run ok = importFrom("cps-big", "cam", dir.resolve("c"), "--payload-dir", big.toString());
        assertEquals(0, ok.rc(), ok.toString());
    }

    @Test
    void offsetsOfADeletedTopicAreRefused(@TempDir Path dir) throws Exception {
        CheckpointRecord r = record("cam", camVersion, camCheckpoint)
            .setOffsets(List.of(new PartitionOffset("trust-events", 0, 5L, Uuid.randomUuid().toString()))).build();
        publish("cps-forged", "cam-old-topic", r);
        r.setModelId("cam-old-topic");
        publish("cps-forged", "cam-old-topic", r);
        Cli.Run run = importFrom("cps-forged", "cam-old-topic", dir.resolve("a"));
        assertEquals(2, run.rc(), run.toString());
        assertTrue(run.err().contains("its offsets are of topic 'trust-events' with id ") && run.err().contains("which was deleted"),
            run.err());
    }

    @Test
    void withASigningKeyOnlyRecordsSignedWithItAreImported(@TempDir Path dir) throws Exception {
        Path good = kafkaConfig(dir, KEY);
        Path other = kafkaConfig(dir, KEY + "-other-key");
        Cli.Run learn = learn(dir.resolve("signed-store"), "cps-signed", "--kafka-config", good.toString());
        assertEquals(0, learn.rc(), learn.toString());
        Cli.Run ok = importFrom("cps-signed", "cam", dir.resolve("a"), "--kafka-config", good.toString());
        assertEquals(0, ok.rc(), ok.toString());
        Cli.Run wrongKey = importFrom("cps-signed", "cam", dir.resolve("b"), "--kafka-config", other.toString());
        assertEquals(2, wrongKey.rc(), wrongKey.toString());
        assertTrue(wrongKey.err().contains("has a signature that does not match"), wrongKey.err());
        Cli.Run unsigned = importFrom("cps-plain", "cam", dir.resolve("c"), "--kafka-config", good.toString());
        assertEquals(2, unsigned.rc(), unsigned.toString());
        assertTrue(unsigned.err().contains("is not signed, and a signing key (" + CheckpointSigner.KEY_PROPERTY
            + ") is configured"), unsigned.err());
        // a tampered field breaks the signature: same payload, the offsets moved on
        CheckpointRecord tampered = io.spikestream.app.durable.CheckpointTopic.latest(endpoint, "cps-signed", "cam",
            Duration.ofSeconds(60)).record();
        tampered.getOffsets().getFirst().setOffset(0L);
        publish("cps-signed", "cam", tampered);
        Cli.Run moved = importFrom("cps-signed", "cam", dir.resolve("d"), "--kafka-config", good.toString());
        assertEquals(2, moved.rc(), moved.toString());
        assertTrue(moved.err().contains("has a signature that does not match"), moved.err());
    }

    @Test
    void aStoreRefusesAnInputTopicThatWasDeletedAndCreatedAgain(@TempDir Path dir) throws Exception {
        Topics.ensure(endpoint, List.of(new Topics.Spec("recreated", 1, Map.of())));
        DurableStreams.replay(endpoint, "recreated", "cam", 0, 1, 1024);
        Path storeDir = dir.resolve("store");
        List<String> args = List.of("learn", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "recreated",
            "--group", "g-recreated", "--checkpoint-dir", storeDir.toString(), "--until-end", "--set", "network.n_rec=20");
        Cli.Run first = Cli.run(args.toArray(String[]::new));
        assertEquals(0, first.rc(), first.toString());
        try (Admin admin = Admin.create(ClientConfigs.admin(endpoint))) {
            admin.deleteTopics(List.of("recreated")).all().get();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                try {
                    Topics.ensure(admin, List.of(new Topics.Spec("recreated", 1, Map.of())));
                    return true;
                } catch (IllegalStateException stillBeingDeleted) {
                    return false;
                }
            });
        }
        DurableStreams.replay(endpoint, "recreated", "cam", 1, 1, 1024);
        Cli.Run again = Cli.run(args.toArray(String[]::new));
        assertEquals(2, again.rc(), again.toString());
        assertTrue(again.err().contains("topic 'recreated' was deleted and created again since the checkpoints in"),
            again.err());
    }
}
