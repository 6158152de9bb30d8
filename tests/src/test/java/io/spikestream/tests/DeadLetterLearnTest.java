package io.spikestream.tests;

import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.Topics;
import io.spikestream.ingest.replay.ReplaySummary;
import io.spikestream.schemas.DeadLetter;
import io.spikestream.schemas.DeadLetterReason;
import io.spikestream.schemas.DvsEventBatch;
import io.spikestream.schemas.EventBatchLayout;
import io.spikestream.schemas.LabelRecord;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code learn --until-end} with rejected records at the end of its partition: it learns what is usable, dead-letters
 * the rest (records keyed other than by their sensor id; a batch with one event outside its sensor, whole, by the
 * documented decision) and exits 0 instead of waiting for ever for a position no applied record reaches.
 */
class DeadLetterLearnTest {

    @Test
    void learnUntilEndFinishesWhenTheLastRecordsOfAPartitionAreRejected(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); KafkaEndpoint endpoint = KafkaEndpoint.of(kafka)) {
            String topic = "events-dl";
            Topics.ensure(endpoint, List.of(new Topics.Spec(topic, 1, Map.of())));
            ReplaySummary replayed = DurableStreams.replay(endpoint, topic, "cam", 0, 1, 1024);
            DvsEventBatch oneBadEvent = EventBatchLayout.pack(new EventBatchLayout.Header("cam", 34, 34, 999, 0, null, 0),
                new int[] {1, 2, 34}, new int[] {1, 2, 3}, new byte[3], new long[] {400_000, 400_001, 400_002}, 0, 3);
            DvsEventBatch good = EventBatchLayout.pack(new EventBatchLayout.Header("cam", 34, 34, 998, 0, null, 0),
                new int[] {1}, new int[] {1}, new byte[1], new long[] {400_000}, 0, 1);
            LabelRecord label = LabelRecord.newBuilder().setSensorId("cam").setSampleId("x").setWindowStartUs(400_000)
                .setWindowEndUs(500_000).setLabel(1).build();
            try (var producer = new KafkaProducer<String, byte[]>(ClientConfigs.producer(endpoint, "poison"))) {
                // keyed by another sensor: it could be read by another consumer than its sensor's other records
                producer.send(new ProducerRecord<>(topic, "other",
                    SpikestreamSchemas.codec(DvsEventBatch.class).encode(good))).get();
                producer.send(new ProducerRecord<>(topic, null, SpikestreamSchemas.codec(LabelRecord.class).encode(label))).get();
                producer.send(new ProducerRecord<>(topic, "cam",
                    SpikestreamSchemas.codec(DvsEventBatch.class).encode(oneBadEvent))).get();
                producer.send(new ProducerRecord<>(topic, "cam", "not a record".getBytes())).get();
            }
            CompletableFuture<Cli.Run> learn = CompletableFuture.supplyAsync(() -> Cli.run("learn", "--bootstrap-servers",
                kafka.bootstrapServers(), "--topic", topic, "--group", "g-dl", "--checkpoint-dir", dir.toString(),
                "--until-end", "--set", "network.n_rec=20"));
            Cli.Run run = learn.get(180, TimeUnit.SECONDS); // before the fix it never returned
            assertEquals(0, run.rc(), run.toString());
            assertTrue(run.out().contains("learned records=" + (replayed.batches() + replayed.labels())
                + " applied_events=" + replayed.events() + " "), run.toString());

            List<DeadLetter> letters = new ArrayList<>();
            Map<String, Object> config = ClientConfigs.consumer(endpoint, "reader-" + UUID.randomUUID(), 100);
            config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            try (var consumer = new KafkaConsumer<String, byte[]>(config)) {
                consumer.subscribe(List.of(Topics.DEAD_LETTER));
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        letters.add(SpikestreamSchemas.codec(DeadLetter.class).decode(r.value()));
                    }
                    return letters.size() >= 4;
                });
            }
            assertEquals(DeadLetterReason.INVALID_CONTENT, letters.get(0).getReasonCode());
            assertTrue(letters.get(0).getReason().contains("batch 998 of sensor 'cam' has key 'other'; records are keyed by "
                + "their sensor id"), letters.get(0).getReason());
            assertTrue(letters.get(1).getReason().contains("label x of sensor 'cam' has no key"), letters.get(1).getReason());
            assertEquals(DeadLetterReason.OUT_OF_GEOMETRY, letters.get(2).getReasonCode());
            assertTrue(letters.get(2).getReason().contains("event 2 at (34, 3) lies outside the declared 34x34 sensor"),
                letters.get(2).getReason());
            assertEquals(DeadLetterReason.BAD_HEADER, letters.get(3).getReasonCode());
            assertEquals(replayed.batches() + replayed.labels() + 3, letters.get(3).getOriginOffset());
        }
    }
}
