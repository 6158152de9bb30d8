package io.spikestream.tests;

import io.spikestream.app.durable.CheckpointStore;
import io.spikestream.app.durable.DurabilityPolicy;
import io.spikestream.app.pipeline.LearnerFailure;
import io.spikestream.app.pipeline.LearnerPipeline;
import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.SourceOptions;
import io.spikestream.ingest.kafka.StreamItemDecoder;
import io.spikestream.ingest.kafka.Topics;
import io.spikestream.ingest.replay.ReplaySummary;
import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;
import io.spikestream.schemas.DeadLetter;
import io.spikestream.schemas.DeadLetterReason;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * processing.on_error (issue 12 item 1): a record that decodes but makes the learner throw. The commands' decoders
 * refuse every such record known today (StreamDecoders), so this test opens the pipeline with the bare decoder and
 * sends, between two real samples, a per_window label of class 10 that PerWindowTime refuses by throwing. With
 * {@code continue} (default), durable and not: the record is dead-lettered with the learner's reason, counted, and the
 * pipeline reads on, its commits reaching the end of the partition; with {@code fail} the pipeline stops with a
 * {@link LearnerFailure} and never commits past the record.
 */
class ProcessingErrorTest {

    static final List<String> SETTINGS = List.of("network.n_rec=20", "time.mode=per_window", "checkpoint.max_dirty_ms=200");

    @Test
    void aRecordTheLearnerCannotApplyIsDeadLetteredOrStopsThePipeline(@TempDir Path dir) throws Exception {
        Settings s = Settings.load(List.of(), SETTINGS);
        Function<String, StreamLearner> template = id -> {
            try {
                return new StreamLearner(s, p -> { });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); KafkaEndpoint endpoint = KafkaEndpoint.of(kafka)) {
            String topic = "processing-events";
            TopicPartition tp = new TopicPartition(topic, 0);
            Topics.ensure(endpoint, List.of(new Topics.Spec(topic, 1, Map.of())));
            ReplaySummary before = DurableStreams.replay(endpoint, topic, "cam", 0, 1, 1024);
            long poisonAt = before.batches() + before.labels();
            try (var producer = new KafkaProducer<String, byte[]>(ClientConfigs.producer(endpoint, "poison"))) {
                producer.send(PoisonDrillTest.label(topic, "cam", "p-class", 5_000_000, 5_100_000, 10)).get();
            }
            ReplaySummary after = DurableStreams.replay(endpoint, topic, "cam", 1, 1, 1024);
            long end = poisonAt + 1 + after.batches() + after.labels();
            String reason = "processing failed: record " + tp + "@" + poisonAt + " of sensor 'cam': "
                + "java.lang.IllegalArgumentException: label 10 of p-class outside 0..9";

            // continue, durable: the dead letter goes out with the model's checkpoint, the commits reach the end
            DurabilityPolicy policy = DurabilityPolicy.from(s);
            CheckpointStore store = CheckpointStore.open(dir.resolve("store"), policy.keep(), InstantSource.system());
            try (LearnerPipeline durable = LearnerPipeline.durable(endpoint, SourceOptions.of("g-durable", topic), template,
                store, policy, InstantSource.system(), new StreamItemDecoder())) {
                durable.start();
                durable.awaitPositions(Map.of(tp, end), Duration.ofSeconds(120));
                assertEquals(1, durable.processingErrors());
                await().atMost(Duration.ofSeconds(60)).until(() -> QuietSensorTest.committed(endpoint, "g-durable", tp) == end);
                assertEquals(null, durable.failure());
                long events = durable.onLearnerThread(() -> durable.registry().resident("cam").orElseThrow().counters().eventsIn);
                assertEquals(before.events() + after.events(), events, "both real samples learned from");
            }
            List<DeadLetter> first = PoisonDrillTest.deadLetters(endpoint, 1);
            assertEquals(1, first.size(), first.toString());
            assertEquals(DeadLetterReason.INVALID_CONTENT, first.get(0).getReasonCode());
            assertEquals(poisonAt, first.get(0).getOriginOffset());
            assertTrue(first.get(0).getReason().contains(reason), first.get(0).getReason());

            // continue, without a checkpoint store (run without --checkpoint-dir)
            try (LearnerPipeline plain = new LearnerPipeline(endpoint, SourceOptions.of("g-plain", topic), template,
                new StreamItemDecoder())) {
                plain.start();
                await().atMost(Duration.ofSeconds(120)).until(() -> QuietSensorTest.committed(endpoint, "g-plain", tp) == end);
                assertEquals(1, plain.processingErrors());
                assertEquals(null, plain.failure());
            }
            List<DeadLetter> both = PoisonDrillTest.deadLetters(endpoint, 2);
            assertEquals(2, both.size(), both.toString());
            assertEquals(poisonAt, both.get(1).getOriginOffset());

            // fail: the pipeline stops on the record and commits nothing past it
            CheckpointStore failStore = CheckpointStore.open(dir.resolve("fail"), policy.keep(), InstantSource.system());
            try (LearnerPipeline failing = LearnerPipeline.durable(endpoint, SourceOptions.of("g-fail", topic), template,
                failStore, policy, InstantSource.system(), new StreamItemDecoder()).onProcessingError("fail")) {
                failing.start();
                await().atMost(Duration.ofSeconds(120)).until(() -> failing.failure() != null);
                LearnerFailure f = assertInstanceOf(LearnerFailure.class, failing.failure());
                assertTrue(f.getMessage().contains("record " + tp + "@" + poisonAt), f.getMessage());
                assertTrue(QuietSensorTest.committed(endpoint, "g-fail", tp) <= poisonAt);
            }
            assertTrue(QuietSensorTest.committed(endpoint, "g-fail", tp) <= poisonAt, "nothing committed past the record");
        }
    }
}
