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

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The poison drill (issue 12): real N-MNIST samples of a sensor, then every record the decoder accepts as well formed
 * but no learner can use (a class outside the model's classes, no class, a negative class, a sensor id whose checkpoint
 * directory name cannot fit in 255 bytes, a label interval of days), then more real samples of the same sensor.
 * {@code learn --until-end} consumes to the end and exits 0, and so does a restart, which has nothing left to learn;
 * every poison record is in the dead-letter topic with its reason; and the sensor learns exactly what it learns from
 * the same real records without the poison.
 */
class PoisonDrillTest {

    private static final String SENSOR = "cam";
    /** 30 three-byte characters: 90 UTF-8 bytes, a 270-character checkpoint directory name once escaped. */
    private static final String TOO_LONG = "€".repeat(30);

    @Test
    void poisonRecordsAreDeadLetteredAndLearningGoesOnAsWithoutThem(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); KafkaEndpoint endpoint = KafkaEndpoint.of(kafka)) {
            String poisoned = "events-poison";
            String clean = "events-clean";
            Topics.ensure(endpoint, List.of(new Topics.Spec(poisoned, 1, Map.of()), new Topics.Spec(clean, 1, Map.of())));
            ReplaySummary before = DurableStreams.replay(endpoint, poisoned, SENSOR, 0, 1, 1024);
            List<String> expectedReasons = producePoison(endpoint, poisoned);
            ReplaySummary after = DurableStreams.replay(endpoint, poisoned, SENSOR, 1, 1, 1024);
            DurableStreams.replay(endpoint, clean, SENSOR, 0, 1, 1024);
            DurableStreams.replay(endpoint, clean, SENSOR, 1, 1, 1024);
            long realRecords = before.batches() + before.labels() + after.batches() + after.labels();

            Path store = dir.resolve("store");
            Cli.Run first = learn(kafka, poisoned, "g-poison", store);
            assertEquals(0, first.rc(), first.toString());
            assertTrue(first.out().contains("learned records=" + realRecords + " "), first.toString());
            Cli.Run again = learn(kafka, poisoned, "g-poison", store); // a restart: nothing stuck, nothing re-learned
            assertEquals(0, again.rc(), again.toString());
            assertTrue(again.out().contains("learned records=0 "), again.toString());

            List<DeadLetter> letters = deadLetters(endpoint, expectedReasons.size());
            assertEquals(expectedReasons.size(), letters.size(), letters.toString());
            for (int i = 0; i < letters.size(); i++) {
                assertEquals(DeadLetterReason.INVALID_CONTENT, letters.get(i).getReasonCode());
                assertTrue(letters.get(i).getReason().contains(expectedReasons.get(i)),
                    "dead letter " + i + ": " + letters.get(i).getReason() + " lacks " + expectedReasons.get(i));
                assertEquals(before.batches() + before.labels() + i, letters.get(i).getOriginOffset());
            }

            Path cleanStore = dir.resolve("clean");
            Cli.Run reference = learn(kafka, clean, "g-clean", cleanStore);
            assertEquals(0, reference.rc(), reference.toString());
            assertTrue(reference.out().contains("learned records=" + realRecords + " "), reference.toString());
            DurableStreams.assertSameLearnedState(DurableStreams.learnedState(DurableStreams.newest(cleanStore, SENSOR)),
                DurableStreams.learnedState(DurableStreams.newest(store, SENSOR)), "sensor after the poison");

            // run --checkpoint-dir and run: to the end, the poison dead-lettered and counted on /metrics; restarts too
            long end = realRecords + expectedReasons.size();
            int letters0 = letters.size();
            runPastThePoison(kafka, endpoint, poisoned, "g-run-durable", dir.resolve("run-store"), end, expectedReasons.size());
            runPastThePoison(kafka, endpoint, poisoned, "g-run-durable", dir.resolve("run-store"), end, 0);
            runPastThePoison(kafka, endpoint, poisoned, "g-run", null, end, expectedReasons.size());
            runPastThePoison(kafka, endpoint, poisoned, "g-run", null, end, 0);
            List<DeadLetter> all = deadLetters(endpoint, letters0 + 2 * expectedReasons.size());
            assertEquals(letters0 + 2 * expectedReasons.size(), all.size(), "each poison record dead-lettered once per group");
            for (int i = letters0; i < all.size(); i++) {
                int k = (i - letters0) % expectedReasons.size();
                assertTrue(all.get(i).getReason().contains(expectedReasons.get(k)), all.get(i).getReason());
            }
        }
    }

    /**
     * {@code run} (durable when {@code store} is given) until its group's commits reach {@code end} and its /metrics
     * count {@code deadLettered} records dead-lettered; then stopped as by a signal, it exits 0.
     */
    private static void runPastThePoison(EmbeddedKafka kafka, KafkaEndpoint endpoint, String topic, String group, Path store,
                                         long end, int deadLettered) throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> args = new ArrayList<>(List.of("--set", "network.n_rec=20", "--set", "pipeline.events_topic=" + topic,
            "--set", "pipeline.group_id=" + group, "--set", "output.metrics_port=" + port,
            "--set", "checkpoint.max_dirty_ms=300"));
        if (store != null) {
            args.addAll(List.of("--checkpoint-dir", store.toString()));
        }
        java.util.concurrent.ExecutorService exec = java.util.concurrent.Executors.newSingleThreadExecutor();
        RunDeploymentTest.RunStopper stopper = new RunDeploymentTest.RunStopper();
        java.util.concurrent.Future<Integer> run = exec.submit(() -> stopper.run(kafka.bootstrapServers(), args.toArray(new String[0])));
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        String[] text = {""};
        org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(topic, 0);
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> {
                try {
                    text[0] = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port
                        + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                } catch (java.io.IOException notYet) {
                    return false;
                }
                return text[0].contains("spikestream_consumer_lag_records 0.0")
                    && QuietSensorTest.committed(endpoint, group, tp) == end;
            });
            assertTrue(text[0].contains("spikestream_events_dropped_total{reason=\"dead_lettered\"} " + deadLettered + ".0"),
                group + (store != null ? " (durable)" : "") + ": " + text[0]);
        } finally {
            stopper.stop();
            assertEquals(0, run.get(), "run exits 0");
            exec.shutdown();
        }
    }

    /** Produces the poison records; returns the reason each one's dead letter must give, in order. */
    private static List<String> producePoison(KafkaEndpoint endpoint, String topic) throws Exception {
        long t = 5_000_000; // past the first sample, in the sensor's stream time
        List<String> reasons = new ArrayList<>();
        try (var producer = new KafkaProducer<String, byte[]>(ClientConfigs.producer(endpoint, "poison"))) {
            producer.send(label(topic, SENSOR, "p-class", t, t + 100_000, 10)).get();
            reasons.add("label p-class of sensor cam: class 10 outside 0..9");
            producer.send(label(topic, SENSOR, "p-null", t, t + 100_000, null)).get();
            reasons.add("label p-null of sensor cam: no class (null)");
            producer.send(label(topic, SENSOR, "p-negative", t, t + 100_000, -3)).get();
            reasons.add("label p-negative of sensor cam: no class (-3)");
            DvsEventBatch batch = EventBatchLayout.pack(new EventBatchLayout.Header(TOO_LONG, 34, 34, 0, 0, null, 0),
                new int[] {1}, new int[] {1}, new byte[1], new long[] {t}, 0, 1);
            producer.send(new ProducerRecord<>(topic, TOO_LONG, SpikestreamSchemas.codec(DvsEventBatch.class).encode(batch))).get();
            reasons.add("sensor id of 90 UTF-8 bytes, longer than the limit of 85");
            producer.send(label(topic, TOO_LONG, "p-long-id", t, t + 100_000, 1)).get();
            reasons.add("label p-long-id of sensor '" + TOO_LONG + "...': sensor id of 90 UTF-8 bytes");
            long days = 3L * 24 * 3600 * 1_000_000;
            producer.send(label(topic, SENSOR, "p-days", t, t + days, 1)).get();
            reasons.add("label p-days of sensor cam: interval of " + days + " us, longer than time.max_label_us 10000000");
        }
        return reasons;
    }

    static ProducerRecord<String, byte[]> label(String topic, String sensor, String sample, long start, long end,
                                                        Integer cls) {
        LabelRecord l = LabelRecord.newBuilder().setSensorId(sensor).setSampleId(sample).setWindowStartUs(start)
            .setWindowEndUs(end).setLabel(cls).build();
        return new ProducerRecord<>(topic, sensor, SpikestreamSchemas.codec(LabelRecord.class).encode(l));
    }

    private static Cli.Run learn(EmbeddedKafka kafka, String topic, String group, Path store) {
        return Cli.run("learn", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", topic, "--group", group,
            "--checkpoint-dir", store.toString(), "--until-end", "--set", "network.n_rec=20");
    }

    static List<DeadLetter> deadLetters(KafkaEndpoint endpoint, int expected) throws Exception {
        List<DeadLetter> letters = new ArrayList<>();
        Map<String, Object> config = ClientConfigs.consumer(endpoint, "reader-" + UUID.randomUUID(), 100);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var consumer = new KafkaConsumer<String, byte[]>(config)) {
            consumer.subscribe(List.of(Topics.DEAD_LETTER));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    letters.add(SpikestreamSchemas.codec(DeadLetter.class).decode(r.value()));
                }
                return letters.size() >= expected;
            });
            // anything more would be a record dead-lettered twice (by the restart)
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                letters.add(SpikestreamSchemas.codec(DeadLetter.class).decode(r.value()));
            }
        }
        return letters;
    }
}
