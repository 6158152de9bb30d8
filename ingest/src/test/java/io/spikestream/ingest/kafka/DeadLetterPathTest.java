package io.spikestream.ingest.kafka;

import io.spikestream.schemas.DeadLetter;
import io.spikestream.schemas.DeadLetterReason;
import io.spikestream.schemas.LabelRecord;
import io.spikestream.schemas.SingleObjectCodec;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dead-letter path on the real broker: a rejected record of any size is dead-lettered (shortened when it would not
 * fit one request) and commits pass it; a missing dead-letter topic is created before the first poll instead of
 * blocking the consumer per bad record; one that cannot be created fails the source at once, naming it; a rejected
 * record shows downstream as a {@link SourceSignal.Skipped} in its partition's order.
 */
class DeadLetterPathTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final SingleObjectCodec<LabelRecord> LABELS = SpikestreamSchemas.codec(LabelRecord.class);
    private static final SingleObjectCodec<DeadLetter> LETTERS = SpikestreamSchemas.codec(DeadLetter.class);

    private static byte[] label(String sensor, long start) {
        return LABELS.encode(LabelRecord.newBuilder().setSensorId(sensor).setSampleId("s" + start).setWindowStartUs(start)
            .setWindowEndUs(start + 10).setLabel(1).build());
    }

    /** Acknowledges every record it gets; collects every signal. */
    private static Disposable drain(KafkaRecordSource<LabelRecord> source, List<SourceSignal<LabelRecord>> seen) {
        return source.flux().subscribe(s -> {
            seen.add(s);
            if (s instanceof SourceSignal.Record<LabelRecord> r) {
                r.acknowledge();
            }
        });
    }

    @Test
    void aRejectedRecordLargerThanOneRequestIsDeadLetteredShortenedAndCommitsPassIt() throws Exception {
        String topic = "big-" + UUID.randomUUID();
        Topics.ensure(TestKafka.endpoint(), List.of(new Topics.Spec(topic, 1,
            Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(8 << 20)))));
        String deadLetters = TestKafka.topic("dl-big", 1);
        byte[] huge = new byte[3 << 19]; // 1.5 MiB of noise: no single-object header
        new Random(7).nextBytes(huge);
        huge[0] = 0x11;
        Map<String, Object> config = ClientConfigs.producer(TestKafka.endpoint(), "big-producer");
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 << 20);
        try (var producer = new KafkaProducer<String, byte[]>(config)) {
            producer.send(new ProducerRecord<>(topic, 0, "cam", huge)).get();
            producer.send(new ProducerRecord<>(topic, 0, "cam", label("cam", 0))).get();
        }
        CountingIngestMetrics metrics = new CountingIngestMetrics();
        KafkaRecordSource<LabelRecord> source = KafkaRecordSource.create(TestKafka.endpoint(),
            SourceOptions.of("g-big", topic).withDeadLetterTopic(deadLetters).withMetrics(metrics),
            new AvroRecordDecoder<>(LabelRecord.class));
        List<SourceSignal<LabelRecord>> seen = new CopyOnWriteArrayList<>();
        Disposable d = drain(source, seen);
        try {
            await().atMost(TIMEOUT).until(() -> TestKafka.committed("g-big", new TopicPartition(topic, 0)) == 2);
        } finally {
            d.dispose();
        }
        assertEquals(0, metrics.deadLetterFailures());
        assertEquals(1, metrics.rejected(DeadLetterReason.BAD_HEADER));
        ConsumerRecord<String, byte[]> record = TestKafka.readAll(deadLetters, 1).getFirst();
        assertTrue(record.value().length <= DeadLetterWriter.MAX_LETTER_BYTES, "fits one request: " + record.value().length);
        DeadLetter letter = LETTERS.decode(record.value());
        assertTrue(letter.getValueTruncated());
        assertEquals(huge.length, letter.getValueBytes());
        assertArrayEquals(Arrays.copyOf(huge, DeadLetterWriter.KEPT_VALUE_BYTES), bytes(letter.getValue()));
        assertEquals(0, letter.getOriginOffset());
        assertTrue(letter.getReason().startsWith(topic + "[0]@0: ") && letter.getReason().contains("keeps the first 65536 of "
            + huge.length + " value bytes"), letter.getReason());
        assertEquals("cam", record.key());
    }

    @Test
    void aSmallRejectedRecordKeepsItsWholeValue() {
        ConsumerRecord<String, byte[]> r = new ConsumerRecord<>("t", 2, 5, 9L, TimestampType.CREATE_TIME, 3, 4, "cam",
            new byte[] {1, 2, 3, 4}, new org.apache.kafka.common.header.internals.RecordHeaders(), Optional.empty());
        DeadLetter letter = DeadLetterWriter.letter(r, DeadLetterReason.BAD_HEADER, "why");
        assertFalse(letter.getValueTruncated());
        assertEquals(4, letter.getValueBytes());
        assertArrayEquals(new byte[] {1, 2, 3, 4}, bytes(letter.getValue()));
        String longKey = "k".repeat(5000);
        ConsumerRecord<String, byte[]> k = new ConsumerRecord<>("t", 0, 1, longKey, new byte[1]);
        DeadLetter cut = DeadLetterWriter.letter(k, DeadLetterReason.INVALID_CONTENT, "x".repeat(20_000));
        assertEquals(DeadLetterWriter.MAX_KEY_BYTES, cut.getKey().remaining());
        assertTrue(cut.getValueTruncated(), "the key was cut");
        assertTrue(cut.getReason().length() < 9000 && cut.getReason().endsWith("more characters)"), cut.getReason());
    }

    @Test
    void aMissingDeadLetterTopicIsCreatedBeforeTheFirstPollAndBadRecordsDoNotBlock() throws Exception {
        String topic = TestKafka.topic("dl-missing-in", 1);
        String deadLetters = "dl-absent-" + UUID.randomUUID();
        try (var producer = TestKafka.producer()) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "cam", ("bad " + i).getBytes())).get();
            }
            producer.send(new ProducerRecord<>(topic, 0, "cam", label("cam", 0))).get();
        }
        KafkaRecordSource<LabelRecord> source = KafkaRecordSource.create(TestKafka.endpoint(),
            SourceOptions.of("g-missing", topic).withDeadLetterTopic(deadLetters), new AvroRecordDecoder<>(LabelRecord.class));
        List<SourceSignal<LabelRecord>> seen = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        Disposable d = drain(source, seen);
        try {
            // before, each bad record held the consumer thread for max.block.ms (60 s) waiting for the topic's metadata
            await().atMost(Duration.ofSeconds(30)).until(() -> TestKafka.committed("g-missing", new TopicPartition(topic, 0)) == 4);
        } finally {
            d.dispose();
        }
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30));
        try (Admin admin = Admin.create(ClientConfigs.admin(TestKafka.endpoint()))) {
            assertTrue(admin.listTopics().names().get().contains(deadLetters), "created");
        }
        assertEquals(3, TestKafka.readAll(deadLetters, 3).size());
    }

    @Test
    void aDeadLetterThatCannotBeWrittenIsRetriedUntilTheTopicIsBack() throws Exception {
        String topic = TestKafka.topic("dl-gone-in", 1);
        String deadLetters = TestKafka.topic("dl-gone", 1);
        CountingIngestMetrics metrics = new CountingIngestMetrics();
        KafkaRecordSource<LabelRecord> source = KafkaRecordSource.create(TestKafka.endpoint(),
            SourceOptions.of("g-gone", topic).withDeadLetterTopic(deadLetters).withMetrics(metrics),
            new AvroRecordDecoder<>(LabelRecord.class));
        List<SourceSignal<LabelRecord>> seen = new CopyOnWriteArrayList<>();
        Disposable d = drain(source, seen);
        try (Admin admin = Admin.create(ClientConfigs.admin(TestKafka.endpoint()))) {
            await().atMost(TIMEOUT).until(() -> seen.stream().anyMatch(s -> s instanceof SourceSignal.PartitionsAssigned));
            admin.deleteTopics(List.of(deadLetters)).all().get(); // deleted under the running source
            await().atMost(TIMEOUT).until(() -> !admin.listTopics().names().get().contains(deadLetters));
            TestKafka.send(topic, 0, "cam", "bad".getBytes());
            await().atMost(TIMEOUT).until(() -> metrics.deadLetterFailures() >= 1);
            assertEquals(-1, TestKafka.committed("g-gone", new TopicPartition(topic, 0)), "not committed past it");
            await().atMost(TIMEOUT).until(() -> {
                try {
                    Topics.ensure(admin, List.of(new Topics.Spec(deadLetters, 1, Map.of())));
                    return true;
                } catch (IllegalStateException stillBeingDeleted) {
                    return false;
                }
            });
            // the retry writes it once the topic is back, and the commit passes the record without a restart
            await().atMost(TIMEOUT).until(() -> TestKafka.committed("g-gone", new TopicPartition(topic, 0)) == 1);
        } finally {
            d.dispose();
        }
        DeadLetter letter = LETTERS.decode(TestKafka.readAll(deadLetters, 1).getFirst().value());
        assertEquals(0, letter.getOriginOffset());
    }

    @Test
    void aDeadLetterTopicThatCannotBeCreatedFailsTheSourceAtOnceNamingIt() {
        String topic = TestKafka.topic("dl-bad-name-in", 1);
        KafkaRecordSource<LabelRecord> source = KafkaRecordSource.create(TestKafka.endpoint(),
            SourceOptions.of("g-bad-name", topic).withDeadLetterTopic("no/such topic"), new AvroRecordDecoder<>(LabelRecord.class));
        StepVerifier.create(source.flux())
            .expectErrorSatisfies(e -> assertTrue(e instanceof IllegalStateException
                && e.getMessage().contains("dead-letter topic 'no/such topic' does not exist and cannot be created"), e.toString()))
            .verify(TIMEOUT);
    }

    @Test
    void aRejectedLastRecordIsSignalledInItsPartitionsOrder() throws Exception {
        String topic = TestKafka.topic("dl-last", 1);
        String deadLetters = TestKafka.topic("dl-last-dl", 1);
        try (var producer = TestKafka.producer()) {
            producer.send(new ProducerRecord<>(topic, 0, "cam", label("cam", 0))).get();
            producer.send(new ProducerRecord<>(topic, 0, "cam", "garbage".getBytes())).get();
        }
        KafkaRecordSource<LabelRecord> source = KafkaRecordSource.create(TestKafka.endpoint(),
            SourceOptions.of("g-last", topic).withDeadLetterTopic(deadLetters), new AvroRecordDecoder<>(LabelRecord.class));
        StepVerifier.create(source.flux().filter(s -> !(s instanceof SourceSignal.PartitionsAssigned)))
            .assertNext(s -> {
                assertTrue(s instanceof SourceSignal.Record<LabelRecord> r && r.offset() == 0, s.toString());
                ((SourceSignal.Record<?>) s).acknowledge();
            })
            .assertNext(s -> {
                assertTrue(s instanceof SourceSignal.Skipped<LabelRecord>, s.toString());
                SourceSignal.Skipped<LabelRecord> k = (SourceSignal.Skipped<LabelRecord>) s;
                assertEquals(1, k.offset());
                assertEquals(DeadLetterReason.BAD_HEADER, k.reason());
            })
            .then(() -> await().atMost(TIMEOUT).until(() -> TestKafka.committed("g-last", new TopicPartition(topic, 0)) == 2))
            .thenCancel()
            .verify(TIMEOUT);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
