package io.spikestream.sinks.kafka;

import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.Topics;
import io.spikestream.schemas.Prediction;
import io.spikestream.schemas.SingleObjectCodec;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Predictions published to the real in-JVM broker and consumed back. */
class PredictionPublisherTest {

    private static final String TOPIC = "test.predictions";
    private static final String SMALL_TOPIC = "test.predictions.small";
    private static final String HEADER_TOPIC = "test.predictions.headers";

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
        Topics.ensure(KafkaEndpoint.of(kafka), List.of(
            new Topics.Spec(TOPIC, 3, Map.of()), new Topics.Spec(SMALL_TOPIC, 1, Map.of()),
            new Topics.Spec(HEADER_TOPIC, 1, Map.of())));
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** Predictions of four sensors with every kind of field value, including the absent ones. */
    private static List<WindowPrediction> predictions(int n) {
        SplittableRandom random = new SplittableRandom(42);
        List<WindowPrediction> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] scores = new double[10];
            for (int c = 0; c < scores.length; c++) {
                scores[c] = (float) (random.nextDouble() * 4 - 2); // float values travel exactly
            }
            boolean labelled = i % 7 != 3;
            out.add(new WindowPrediction(
                "cam-" + (i % 4),
                i % 5 == 0 ? null : "Train/" + (i % 10) + "/" + String.format("%05d", i) + ".bin",
                i * 300_000L, i * 300_000L + 315_000L,
                labelled ? i % 10 : -1,
                i % 11 == 0 ? -1 : random.nextInt(10),
                scores,
                labelled ? random.nextDouble() : Double.NaN,
                (long) i * 37,
                i < n * 0.9));
        }
        return out;
    }

    private static List<ConsumerRecord<String, byte[]>> consume(String topic, int expected) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                 new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            // Nothing beyond what was published.
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return records;
    }

    @Test
    void everyFieldRoundTripsThroughTheTopicInOrderPerSensor() throws Exception {
        List<WindowPrediction> published = predictions(500);
        PredictionPublisher.Config config = PredictionPublisher.Config.of(kafka.bootstrapServers(), "nmnist-eprop")
            .withTopic(TOPIC).withMaxInFlight(16);
        try (PredictionPublisher publisher = PredictionPublisher.create(config)) {
            for (WindowPrediction p : published) {
                assertTrue(publisher.publish(p));
                assertTrue(publisher.inFlight() <= 16);
            }
            assertTrue(publisher.flush());
            assertEquals(500, publisher.sent());
            assertEquals(0, publisher.failed());
            assertEquals(0, publisher.inFlight());
            assertNull(publisher.lastFailure());
        }

        List<ConsumerRecord<String, byte[]>> records = consume(TOPIC, 500);
        assertEquals(500, records.size());
        SingleObjectCodec<Prediction> codec = SpikestreamSchemas.codec(Prediction.class);
        Map<String, List<WindowPrediction>> received = new LinkedHashMap<>();
        Map<String, Set<Integer>> partitionsOfSensor = new HashMap<>();
        records.sort((a, b) -> a.partition() != b.partition()
            ? Integer.compare(a.partition(), b.partition()) : Long.compare(a.offset(), b.offset()));
        for (ConsumerRecord<String, byte[]> record : records) {
            byte[] value = record.value();
            assertEquals((byte) 0xC3, value[0], "single-object marker");
            assertEquals((byte) 0x01, value[1], "single-object marker");
            assertEquals(codec.fingerprint(), SingleObjectCodec.readFingerprint(value));
            Prediction avro = codec.decode(value);
            assertEquals("nmnist-eprop", avro.getModelId());
            assertEquals(record.key(), avro.getSensorId(), "keyed by sensor id");
            received.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(PredictionRecords.fromAvro(avro));
            partitionsOfSensor.computeIfAbsent(record.key(), k -> new java.util.HashSet<>()).add(record.partition());
        }
        Map<String, List<WindowPrediction>> expected = published.stream()
            .collect(Collectors.groupingBy(WindowPrediction::sensorId, LinkedHashMap::new, Collectors.toList()));
        assertEquals(expected.keySet(), received.keySet());
        for (String sensor : expected.keySet()) {
            assertEquals(expected.get(sensor), received.get(sensor), "predictions of " + sensor + ", in order");
            assertEquals(1, partitionsOfSensor.get(sensor).size(), sensor + " stays in one partition");
        }
    }

    @Test
    void absentValuesTravelAsAvroNulls() {
        WindowPrediction p = new WindowPrediction("cam-9", null, 0, 1, -1, -1, new double[0], Double.NaN, 0, false);
        Prediction avro = PredictionRecords.toAvro(p, "m");
        assertNull(avro.getSampleId());
        assertNull(avro.getLabel());
        assertNull(avro.getLoss());
        assertEquals(-1, avro.getPredictedClass());
        assertEquals(List.of(), avro.getScores());
        assertFalse(avro.getLearning());
        assertEquals(p, PredictionRecords.fromAvro(avro));
        // Scores are floats on the wire: a double that is not a float comes back rounded.
        WindowPrediction precise = new WindowPrediction("c", "s", 0, 1, 2, 2, new double[] {0.1}, 0.1, 3, true);
        WindowPrediction back = PredictionRecords.fromAvro(PredictionRecords.toAvro(precise, "m"));
        assertEquals((double) 0.1f, back.scores()[0]);
        assertEquals(0.1, back.loss()); // the loss is a double
    }

    @Test
    void aRecordTheProducerRefusesIsCountedAsFailedAndTheNextOneStillGoesOut() {
        // Pass-through property: requests of at most 1 KiB; 400 scores take about 1.6 KiB.
        PredictionPublisher.Config config = PredictionPublisher.Config.of(kafka.bootstrapServers(), "m")
            .withTopic(SMALL_TOPIC).withProperties(Map.of("max.request.size", "1024"));
        WindowPrediction tooLarge = new WindowPrediction("cam-0", "big", 0, 1, 1, 1, new double[400], 0.5, 1, true);
        WindowPrediction small = new WindowPrediction("cam-0", "small", 1, 2, 1, 1, new double[] {1, 2}, 0.5, 2, true);
        try (PredictionPublisher publisher = PredictionPublisher.create(config)) {
            publisher.publish(tooLarge);
            publisher.publish(small);
            assertTrue(publisher.flush());
            assertEquals(1, publisher.sent());
            assertEquals(1, publisher.failed());
            assertInstanceOf(RecordTooLargeException.class, publisher.lastFailure());
        }
        List<ConsumerRecord<String, byte[]>> records = consume(SMALL_TOPIC, 1);
        assertEquals(1, records.size());
    }

    @Test
    void aClusterThatIsNotThereMakesFailuresNotExceptions() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        PredictionPublisher.Config config = PredictionPublisher.Config.of("127.0.0.1:" + closedPort, "m")
            .withTimeout(Duration.ofSeconds(5))
            .withProperties(Map.of("max.block.ms", "300", "delivery.timeout.ms", "1000", "request.timeout.ms", "500"));
        PredictionPublisher publisher = PredictionPublisher.create(config);
        for (int i = 0; i < 3; i++) {
            publisher.publish(new WindowPrediction("cam-0", null, i, i + 1, 0, 0, new double[] {1}, 0, i, true));
        }
        publisher.close();
        assertEquals(0, publisher.sent());
        assertEquals(3, publisher.failed());
        assertEquals(0, publisher.inFlight());
        assertTrue(publisher.lastFailure() instanceof org.apache.kafka.common.errors.TimeoutException,
            String.valueOf(publisher.lastFailure()));
        publisher.close(); // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> publisher.publish(
            new WindowPrediction("cam-0", null, 0, 1, 0, 0, new double[0], 0, 0, true)));
        assertTrue(e.getMessage().contains("spikestream.predictions"), e.getMessage());
    }

    @Test
    void configurationIsCheckedAndCorrectnessSettingsCannotBeOverridden() {
        assertThrows(IllegalArgumentException.class,
            () -> PredictionPublisher.Config.of("x:1", "m").withMaxInFlight(0));
        PredictionPublisher.Config config = PredictionPublisher.Config.of("x:1", "m")
            .withProperties(Map.of("acks", "0", "enable.idempotence", "false", "compression.type", "zstd"));
        Map<String, Object> producer = config.producerConfig();
        assertEquals("all", producer.get("acks"));
        assertEquals("true", producer.get("enable.idempotence"));
        assertEquals("zstd", producer.get("compression.type"));
        assertEquals("x:1", producer.get("bootstrap.servers"));
        assertEquals("spikestream.predictions", config.topic());
    }

    @Test
    void lingerIsSetByOutputLingerMsAndAHeaderGoesWithItsPredictionOnly() {
        PredictionPublisher.Config base = PredictionPublisher.Config.of(kafka.bootstrapServers(), "m").withTopic(HEADER_TOPIC)
            .withProperties(Map.of("linger.ms", "50"));
        assertEquals("5", PredictionPublisher.Config.of("x:1", "m").producerConfig().get("linger.ms"), "the default");
        assertEquals("50", base.producerConfig().get("linger.ms"), "a pass-through property");
        PredictionPublisher.Config config = base.withLingerMs(0);
        assertEquals("0", config.producerConfig().get("linger.ms"), "output.linger_ms wins over a pass-through one");
        assertThrows(IllegalArgumentException.class, () -> base.withLingerMs(-1));

        byte[] stages = "produced_ms=1 polled_us=2".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (PredictionPublisher publisher = PredictionPublisher.create(config)) {
            assertTrue(publisher.publish(new WindowPrediction("cam-h", null, 0, 10, -1, 1, new double[] {1}, Double.NaN,
                0, false), "spikestream.stages", stages));
            assertTrue(publisher.publish(new WindowPrediction("cam-h", null, 10, 20, -1, 1, new double[] {1}, Double.NaN,
                0, false)));
            assertTrue(publisher.publish(new WindowPrediction("cam-h", null, 20, 30, -1, 1, new double[] {1}, Double.NaN,
                0, false), "spikestream.stages", null));
            assertTrue(publisher.flush());
        }
        List<ConsumerRecord<String, byte[]>> records = consume(HEADER_TOPIC, 3);
        assertEquals(3, records.size());
        assertEquals("produced_ms=1 polled_us=2", new String(records.get(0).headers().lastHeader("spikestream.stages").value(),
            java.nio.charset.StandardCharsets.US_ASCII));
        assertFalse(records.get(1).headers().iterator().hasNext(), "no header asked for, none sent");
        assertFalse(records.get(2).headers().iterator().hasNext(), "a null value sends no header");
    }
}
