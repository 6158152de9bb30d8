package io.spikestream.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.Topics;
import io.spikestream.schemas.CheckpointRecord;
import io.spikestream.schemas.DeadLetter;
import io.spikestream.schemas.DeadLetterReason;
import io.spikestream.schemas.DvsEventBatch;
import io.spikestream.schemas.EventBatchLayout;
import io.spikestream.schemas.LabelRecord;
import io.spikestream.schemas.PartitionOffset;
import io.spikestream.schemas.Prediction;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

/**
 * {@code tail TOPIC} on the real embedded broker: every record type of every spikestream topic decodes to one JSON
 * object per line with the fields its writer schema has (an older Prediction prints its older fields), event batches
 * as one summary line each, bad values as an error line; {@code --max}, {@code --timeout-s} and the start position
 * behave as documented.
 */
class TailCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static EmbeddedKafka kafka;
    private static KafkaEndpoint endpoint;

    @BeforeAll
    static void broker() {
        kafka = EmbeddedKafka.start();
        endpoint = KafkaEndpoint.of(kafka);
        Topics.ensure(endpoint, Topics.standard(2));
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    private static void send(String topic, String key, byte[] value) throws Exception {
        try (var producer = new KafkaProducer<String, byte[]>(ClientConfigs.producer(endpoint, "tail-test"))) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    private static List<JsonNode> lines(String out) throws Exception {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                nodes.add(JSON.readTree(line)); // every line is a complete JSON object
            }
        }
        return nodes;
    }

    private static Cli.Run tail(String... args) {
        List<String> all = new ArrayList<>(List.of("tail", "--bootstrap-servers", kafka.bootstrapServers()));
        all.addAll(List.of(args));
        return Cli.run(all.toArray(String[]::new));
    }

    @Test
    void eventBatchesPrintOneSummaryLineEachWithFirstAndLastTimestamp() throws Exception {
        long[] t = {1_000, 1_003, 1_100, 999, 5_000};
        int[] x = {0, 1, 2, 3, 33};
        int[] y = {0, 0, 5, 9, 33};
        byte[] p = {1, 0, 1, 1, 0};
        DvsEventBatch batch = EventBatchLayout.pack(EventBatchLayout.Header.live("cam-7", 34, 34, 12, 40), x, y, p, t, 0, 5);
        send(Topics.EVENTS, "cam-7", SpikestreamSchemas.codec(DvsEventBatch.class).encode(batch));
        LabelRecord label = LabelRecord.newBuilder().setSensorId("cam-7").setSampleId("Test/3/00001.bin")
            .setWindowStartUs(1_000).setWindowEndUs(5_001).setLabel(3).setLabelName("3").build();
        send(Topics.EVENTS, "cam-7", SpikestreamSchemas.codec(LabelRecord.class).encode(label));

        Cli.Run run = tail(Topics.EVENTS, "--from-beginning", "--max", "2", "--timeout-s", "20");
        assertEquals(0, run.rc(), run.toString());
        List<JsonNode> lines = lines(run.out());
        assertEquals(2, lines.size(), run.toString());
        JsonNode events = lines.get(0);
        assertEquals("DvsEventBatch", events.get("@type").asText());
        assertEquals("cam-7", events.get("sensorId").asText());
        assertEquals(5, events.get("count").asInt());
        assertEquals(1_000, events.get("firstTimestampUs").asLong());
        assertEquals(5_000, events.get("lastTimestampUs").asLong());
        assertEquals(12, events.get("sequence").asLong());
        assertFalse(events.has("x") || events.has("timestampDeltas"), "packed arrays are summarised: " + events);
        assertEquals(Topics.EVENTS, events.get("@kafka").get("topic").asText());
        assertEquals("cam-7", events.get("@kafka").get("key").asText());
        JsonNode l = lines.get(1);
        assertEquals("LabelRecord", l.get("@type").asText());
        assertEquals(3, l.get("label").asInt());
        assertEquals(5_001, l.get("windowEndUs").asLong());
        assertEquals(events.get("@kafka").get("offset").asLong() + 1, l.get("@kafka").get("offset").asLong());
        assertTrue(run.err().contains("tail: records=2"), run.err());
    }

    @Test
    void everyFieldOfEveryPredictionVersionIsPrintedUnderItsSchemaName() throws Exception {
        Prediction current = Prediction.newBuilder().setSensorId("cam-1").setSampleId("s1").setWindowStartUs(0)
            .setWindowEndUs(10_000).setPredictedClass(2).setScores(List.of(0.1f, 0.2f, 0.7f)).setModelId("cam-1")
            .setModelVersion(42).setLabel(2).setLoss(0.25).setLearning(true).build();
        send(Topics.PREDICTIONS, "cam-1", SpikestreamSchemas.codec(Prediction.class).encode(current));
        // a record written by an older build (Prediction v1): tail shows the fields that version has
        Schema v1 = SpikestreamSchemas.history(Prediction.getClassSchema().getFullName()).getFirst();
        GenericRecord old = new GenericData.Record(v1);
        for (Schema.Field f : v1.getFields()) {
            old.put(f.name(), switch (f.name()) {
                case "sensorId", "modelId" -> "cam-old";
                case "sampleId" -> null;
                case "scores" -> List.of(1.0f, Float.NaN);
                case "predictedClass" -> 0;
                case "modelVersion", "windowStartUs", "windowEndUs" -> 7L;
                default -> throw new IllegalStateException("unexpected v1 field " + f.name());
            });
        }
        send(Topics.PREDICTIONS, "cam-old", singleObject(v1, old));

        Cli.Run run = tail(Topics.PREDICTIONS, "--from-beginning", "--timeout-s", "3");
        assertEquals(0, run.rc(), run.toString());
        List<JsonNode> lines = lines(run.out());
        assertEquals(2, lines.size(), run.toString());
        JsonNode now = lines.stream().filter(n -> n.get("sensorId").asText().equals("cam-1")).findFirst().orElseThrow();
        for (Schema.Field f : Prediction.getClassSchema().getFields()) {
            assertTrue(now.has(f.name()), "field " + f.name() + " printed: " + now);
        }
        assertEquals(42, now.get("modelVersion").asLong());
        assertEquals(0.7f, (float) now.get("scores").get(2).asDouble());
        assertEquals(0.25, now.get("loss").asDouble());
        assertTrue(now.get("learning").asBoolean());
        JsonNode before = lines.stream().filter(n -> n.get("sensorId").asText().equals("cam-old")).findFirst().orElseThrow();
        assertEquals(SpikestreamSchemas.hex(SpikestreamSchemas.fingerprint(v1)), before.get("@schema").asText());
        assertFalse(before.has("label"), "v1 had no label field: " + before);
        assertTrue(before.get("sampleId").isNull(), before.toString());
        assertEquals("NaN", before.get("scores").get(1).asText());
    }

    @Test
    void deadLettersCheckpointsAndUndecodableValuesEachGetALine() throws Exception {
        byte[] raw = new byte[3000];
        raw[0] = 7;
        DeadLetter letter = DeadLetter.newBuilder().setOriginTopic(Topics.EVENTS).setOriginPartition(1).setOriginOffset(99)
            .setOriginTimestampMs(5).setReasonCode(DeadLetterReason.BAD_HEADER).setReason("no marker")
            .setKey(ByteBuffer.wrap("cam-9".getBytes(StandardCharsets.UTF_8))).setValue(ByteBuffer.wrap(raw)).build();
        send(Topics.DEAD_LETTER, "cam-9", SpikestreamSchemas.codec(DeadLetter.class).encode(letter));
        send(Topics.DEAD_LETTER, "cam-9", "not avro at all".getBytes(StandardCharsets.UTF_8));
        CheckpointRecord checkpoint = CheckpointRecord.newBuilder().setModelId("cam-9").setVersion(3).setStreamTimeUs(77)
            .setOffsets(List.of(new PartitionOffset(Topics.EVENTS, 1, 100L, null))).setPayload(ByteBuffer.wrap(new byte[10_000]))
            .setPayloadUri(null).setPayloadBytes(10_000).setChecksum(123).build();
        send(Topics.CHECKPOINTS, "cam-9", SpikestreamSchemas.codec(CheckpointRecord.class).encode(checkpoint));

        Cli.Run dead = tail(Topics.DEAD_LETTER, "--from-beginning", "--max", "2", "--timeout-s", "20");
        assertEquals(0, dead.rc(), dead.toString());
        List<JsonNode> lines = lines(dead.out());
        assertEquals(2, lines.size(), dead.toString());
        JsonNode d = lines.get(0);
        assertEquals("DeadLetter", d.get("@type").asText());
        assertEquals("BAD_HEADER", d.get("reasonCode").asText());
        assertEquals(99, d.get("originOffset").asLong());
        assertEquals("cam-9", d.get("keyText").asText());
        assertEquals(3000, d.get("value").get("length").asInt());
        assertTrue(d.get("value").get("truncated").asBoolean());
        JsonNode bad = lines.get(1);
        assertTrue(bad.get("@type").isNull());
        assertTrue(bad.get("@error").asText().contains("single-object marker"), bad.toString());

        Cli.Run cp = tail(Topics.CHECKPOINTS, "--from-beginning", "--max", "1", "--timeout-s", "20");
        JsonNode c = lines(cp.out()).getFirst();
        assertEquals("CheckpointRecord", c.get("@type").asText());
        assertEquals(3, c.get("version").asLong());
        assertEquals(100, c.get("offsets").get(0).get("offset").asLong());
        assertEquals(10_000, c.get("payload").get("length").asInt());
        assertTrue(c.get("payloadUri").isNull());
    }

    @Test
    void withoutFromBeginningOnlyNewRecordsAreShown() throws Exception {
        String topic = "tail-new-only";
        Topics.ensure(endpoint, List.of(new Topics.Spec(topic, 3, java.util.Map.of())));
        LabelRecord old = LabelRecord.newBuilder().setSensorId("a").setSampleId("old").setWindowStartUs(0)
            .setWindowEndUs(1).build();
        send(topic, "a", SpikestreamSchemas.codec(LabelRecord.class).encode(old));
        CompletableFuture<Cli.Run> tail = CompletableFuture.supplyAsync(() -> tail(topic, "--max", "1", "--timeout-s", "60"));
        // the tail prints nothing for the old record; once it has resolved its start, a new record is shown
        await().atMost(java.time.Duration.ofSeconds(60)).until(() -> {
            send(topic, "b", SpikestreamSchemas.codec(LabelRecord.class).encode(LabelRecord.newBuilder(old)
                .setSensorId("b").setSampleId("new").build()));
            return tail.isDone();
        });
        Cli.Run run = tail.join();
        assertEquals(0, run.rc(), run.toString());
        List<JsonNode> lines = lines(run.out());
        assertEquals(1, lines.size(), run.toString());
        assertEquals("new", lines.getFirst().get("sampleId").asText());
    }

    @Test
    void aMissingTopicIsNamedAndExitsWith2() {
        Cli.Run run = tail("no-such-topic", "--timeout-s", "1");
        assertEquals(2, run.rc(), run.toString());
        assertTrue(run.err().contains("topic 'no-such-topic' does not exist"), run.err());
    }

    private static byte[] singleObject(Schema schema, GenericRecord record) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0xC3, 0x01});
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(SpikestreamSchemas.fingerprint(schema)).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
