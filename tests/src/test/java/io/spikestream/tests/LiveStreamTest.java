package io.spikestream.tests;

import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.schemas.LabelRecord;
import io.spikestream.schemas.Prediction;
import io.spikestream.schemas.SingleObjectCodec;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A live sensor on a real (embedded) broker: {@code run} with default settings ({@code time.mode} continuous) predicts
 * an unlabelled recording replayed at its recorded pace every 10 ms of its stream time, counts no event unlabelled;
 * label intervals in the events topic are scored and learned from, bad labels counted while the sensor goes on; and
 * {@code run --frozen} serves with learning off; with {@code output.latency_trace} every tick names the event record that
 * closed it and when that record was produced, polled, applied and its prediction published.
 */
class LiveStreamTest {

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void broker() throws Exception {
        kafka = EmbeddedKafka.start();
        // the predictions topics exist before anyone subscribes (a consumer learns of a later topic only slowly)
        try (io.spikestream.ingest.kafka.KafkaEndpoint endpoint = io.spikestream.ingest.kafka.KafkaEndpoint.of(kafka)) {
            io.spikestream.ingest.kafka.Topics.ensure(endpoint, List.of(
                new io.spikestream.ingest.kafka.Topics.Spec("spikestream.predictions", 1, Map.of()),
                new io.spikestream.ingest.kafka.Topics.Spec("frozen-predictions", 1, Map.of()),
                new io.spikestream.ingest.kafka.Topics.Spec("live-labelled", 1, Map.of()),
                new io.spikestream.ingest.kafka.Topics.Spec("live-frozen", 1, Map.of()),
                new io.spikestream.ingest.kafka.Topics.Spec("live-traced", 1, Map.of()),
                new io.spikestream.ingest.kafka.Topics.Spec("traced-predictions", 1, Map.of())));
        }
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    static Path firstRecording(String split, int cls) throws Exception {
        try (Stream<Path> s = Files.list(Path.of("..", "data", "nmnist", split, Integer.toString(cls)))) {
            return s.sorted().findFirst().orElseThrow();
        }
    }

    /** Runs {@code run} in the background, its stdout captured; stop() ends it like a signal and returns the output. */
    static final class Background {
        final ExecutorService exec = Executors.newSingleThreadExecutor();
        final RunDeploymentTest.RunStopper stopper = new RunDeploymentTest.RunStopper();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final Future<Integer> rc;
        final PrintStream old = System.out;
        final PrintStream oldErr = System.err;

        Background(String... args) {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            rc = exec.submit(() -> stopper.run(kafka.bootstrapServers(), args));
        }

        String stop() throws Exception {
            while (stopper.threadNotStarted()) {
                Thread.onSpinWait();
            }
            stopper.stop();
            try {
                assertEquals(0, rc.get());
            } finally {
                System.setOut(old);
                System.setErr(oldErr);
                exec.shutdown();
            }
            return out.toString(StandardCharsets.UTF_8);
        }

        /** The run's /metrics, once it printed where they are (empty before). */
        String scrape() throws Exception {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("metrics at (http://\\S+);")
                .matcher(err.toString(StandardCharsets.UTF_8));
            if (!m.find()) {
                return "";
            }
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(m.group(1))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    /** Predictions of the topic for {@code sensor}, read until {@code done} holds or 90 s pass. */
    static List<Prediction> predictions(String topic, String sensor, String group, Predicate<List<Prediction>> done) {
        SingleObjectCodec<Prediction> codec = SpikestreamSchemas.codec(Prediction.class);
        List<Prediction> seen = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
            "group.id", group, "auto.offset.reset", "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!done.test(seen) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.key().equals(sensor)) {
                        Prediction p = codec.decode(r.value());
                        assertEquals(sensor, p.getSensorId().toString());
                        seen.add(p);
                    }
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return seen;
    }

    /** A folder in the N-MNIST layout holding the first training recording of each class (labels from the folders). */
    static Path labelledFolder(Path dir, int... classes) throws Exception {
        Path folder = dir.resolve("rec");
        for (int c : classes) {
            Path r = firstRecording("Train", c);
            Files.createDirectories(folder.resolve(Integer.toString(c)));
            Files.copy(r, folder.resolve(Integer.toString(c)).resolve(r.getFileName()));
        }
        return folder;
    }

    /** The reason of the dead letter whose original record is the label {@code sampleId}. */
    static String deadLetterReason(String sampleId) throws Exception {
        SingleObjectCodec<io.spikestream.schemas.DeadLetter> codec = SpikestreamSchemas.codec(io.spikestream.schemas.DeadLetter.class);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
            "group.id", "check-dead-" + sampleId, "auto.offset.reset", "earliest"), new StringDeserializer(),
            new ByteArrayDeserializer())) {
            c.subscribe(List.of("spikestream.deadletter"));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    io.spikestream.schemas.DeadLetter d = codec.decode(r.value());
                    if (d.getReason().toString().contains("label " + sampleId + " ")) {
                        return d.getReasonCode() + ": " + d.getReason();
                    }
                }
            }
        }
        return "(no dead letter for " + sampleId + ")";
    }

    /** What the run's metrics endpoint serves now (its address is in the run's stderr line; here: the registry). */
    static String metrics(Background run) throws Exception {
        return run.scrape();
    }

    static long ticks(List<Prediction> ps) {
        return ps.stream().filter(p -> p.getKind().equals("tick")).count();
    }

    /** The newest event time of the event batch at {@code offset} of partition 0 of {@code topic}. */
    static long newestEventUs(String topic, long offset) throws Exception {
        SingleObjectCodec<io.spikestream.schemas.DvsEventBatch> codec = SpikestreamSchemas.codec(
            io.spikestream.schemas.DvsEventBatch.class);
        org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(topic, 0);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
            new StringDeserializer(), new ByteArrayDeserializer())) {
            c.assign(List.of(tp));
            c.seek(tp, offset);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    io.spikestream.schemas.DvsEventBatch b = codec.decode(r.value());
                    int n = b.getCount();
                    long[] t = new long[n];
                    io.spikestream.schemas.EventBatchLayout.unpack(b, new int[n], new int[n], new byte[n], t);
                    return java.util.Arrays.stream(t).max().orElseThrow();
                }
            }
        }
        throw new AssertionError("no record at " + tp + "@" + offset);
    }

    @Test
    void aTracedRunNamesTheEventThatClosedEachTickAndWhenItPassedEachStage() throws Exception {
        String topic = "live-traced";
        Path recording = firstRecording("Test", 5);
        long before = System.currentTimeMillis();
        // one batch per millisecond of stream time, as a live camera sends them
        assertEquals(0, io.spikestream.app.Main.execute("replay", "--bootstrap-servers", kafka.bootstrapServers(),
            "--as-fast-as-possible", "--no-progress", "--topic", topic, "--sensor-id", "camT", "--batch-us", "1000",
            recording.toString()));
        Background run = new Background("--set", "network.n_rec=40", "--set", "output.metrics_port=0",
            "--set", "pipeline.group_id=live-traced", "--set", "pipeline.events_topic=" + topic,
            "--set", "output.latency_trace=true", "--set", "output.predictions_topic=traced-predictions",
            "--set", "time.idle_timeout_ms=300");
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
            "group.id", "check-traced", "auto.offset.reset", "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of("traced-predictions"));
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (records.size() < 30 && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        run.stop();
        SingleObjectCodec<Prediction> codec = SpikestreamSchemas.codec(Prediction.class);
        long lastTrigger = -1;
        int traced = 0;
        for (ConsumerRecord<String, byte[]> r : records) {
            Prediction p = codec.decode(r.value());
            org.apache.kafka.common.header.Header h = r.headers().lastHeader("spikestream.stages");
            if (h == null) {
                continue; // a tick the idle timeout closed: no record caused it
            }
            assertEquals("tick", p.getKind().toString());
            Map<String, String> stage = new java.util.HashMap<>();
            for (String kv : new String(h.value(), StandardCharsets.US_ASCII).split(" ")) {
                stage.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
            long produced = Long.parseLong(stage.get("produced_ms"));
            long polled = Long.parseLong(stage.get("polled_us"));
            long applied = Long.parseLong(stage.get("applied_us"));
            long published = Long.parseLong(stage.get("published_us"));
            assertTrue(produced >= before && produced * 1000 <= polled && polled <= applied && applied <= published,
                "stages in order: " + stage);
            String trigger = stage.get("trigger");
            assertTrue(trigger.startsWith(topic + "-0@"), trigger);
            long offset = Long.parseLong(trigger.substring(trigger.indexOf('@') + 1));
            assertTrue(offset >= lastTrigger, "triggers in order: " + offset + " after " + lastTrigger);
            lastTrigger = offset;
            if (traced++ == 3) {
                // the tick closes once the watermark (newest event - reorder slack 2 ms) passes its end + the readout
                // delay (2 steps): the trigger is the first batch whose newest event gets there
                long closeAt = p.getWindowEndUs() + 2_000 + 2_000;
                assertTrue(newestEventUs(topic, offset) >= closeAt, "the trigger closes the tick");
                assertTrue(newestEventUs(topic, offset - 1) < closeAt, "and is the first to");
            }
        }
        assertTrue(traced >= 25, "traced ticks: " + traced + " of " + records.size());
    }

    @Test
    void anUnlabelledRecordingAtItsRecordedPaceIsPredictedEveryTenMilliseconds() throws Exception {
        Path recording = firstRecording("Test", 3);
        Background run = new Background("--set", "network.n_rec=40", "--set", "output.metrics_port=0",
            "--set", "pipeline.group_id=live-unlabelled");
        // replay paced as recorded; its labels go to spikestream.labels, which run does not read: unlabelled
        assertEquals(0, io.spikestream.app.Main.execute("replay", "--bootstrap-servers", kafka.bootstrapServers(),
            "--no-progress", "--sensor-id", "cam34", recording.toString()));
        List<Prediction> seen = predictions("spikestream.predictions", "cam34", "check-unlabelled", ps -> ticks(ps) >= 31);
        String out = run.stop();
        List<Prediction> ticks = seen.stream().filter(p -> p.getKind().equals("tick")).toList();
        assertTrue(ticks.size() >= 25, "ticks: " + ticks.size());
        for (int i = 0; i < ticks.size(); i++) {
            Prediction p = ticks.get(i);
            assertEquals(10_000, p.getWindowEndUs() - p.getWindowStartUs());
            assertTrue(p.getConfidence() != null && p.getConfidence() > 0);
            assertEquals(null, p.getLabel());
            if (i > 0) {
                assertEquals(ticks.get(i - 1).getWindowEndUs(), p.getWindowStartUs(), "every 10 ms, none missing");
            }
        }
        assertTrue(out.lines().anyMatch(l -> l.matches("dropped: unlabelled\\s+0")), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("dropped: late\\s+0")), out);
        assertTrue(out.contains("stream ") && out.contains("unlabelled_ticks="), out);
    }

    @Test
    void labelIntervalsAreLearnedFromAndABadLabelIsCountedWhileTheSensorGoesOn(@TempDir Path dir) throws Exception {
        String topic = "live-labelled";
        Path folder = labelledFolder(dir, 1, 7);
        // a label with no class, first in the partition: refused, counted, the sensor goes on
        SingleObjectCodec<LabelRecord> codec = SpikestreamSchemas.codec(LabelRecord.class);
        LabelRecord bad = LabelRecord.newBuilder().setSensorId("camL").setSampleId("bad").setWindowStartUs(0)
            .setWindowEndUs(1000).setLabel(null).setLabelName(null).setTargets(List.of()).setSourceFile(null).build();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
            new StringSerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(topic, "camL", codec.encode(bad))).get();
        }
        assertEquals(0, io.spikestream.app.Main.execute("replay", "--bootstrap-servers", kafka.bootstrapServers(),
            "--as-fast-as-possible", "--no-progress", "--topic", topic, "--labels-topic", topic, "--sensor-id", "camL",
            "--gap-us", "50000", folder.toString()));
        Background run = new Background("--set", "network.n_rec=40", "--set", "output.metrics_port=0",
            "--set", "pipeline.group_id=live-labelled", "--set", "pipeline.events_topic=" + topic,
            "--set", "time.idle_timeout_ms=300");
        List<Prediction> seen = predictions("spikestream.predictions", "camL", "check-labelled",
            ps -> ps.stream().filter(p -> p.getKind().equals("interval")).count() >= 2);
        // a label for stream time that already ran: the learner refuses it (late), counts it, and goes on
        LabelRecord late = LabelRecord.newBuilder(bad).setSampleId("late").setLabel(4).build();
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
            new StringSerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(topic, "camL", codec.encode(late))).get();
        }
        String deadLetter = deadLetterReason("bad");
        assertTrue(deadLetter.contains("no class"), deadLetter);
        // the rejected label is counted once the learner has reached it; then stop the run
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> metrics(run).lines()
            .anyMatch(l -> l.startsWith("spikestream_events_dropped_total{reason=\"label_rejected\"") && l.endsWith(" 1.0")));
        String out = run.stop();
        List<Prediction> intervals = seen.stream().filter(p -> p.getKind().equals("interval")).toList();
        assertEquals(2, intervals.size(), "one interval prediction per label: " + intervals);
        assertEquals(List.of(1, 7), intervals.stream().map(Prediction::getLabel).toList());
        assertTrue(intervals.stream().allMatch(Prediction::getLearning));
        assertEquals(2L, intervals.get(1).getModelVersion(), "both intervals learned from");
        assertTrue(seen.stream().anyMatch(p -> p.getKind().equals("tick") && p.getLabel() == null), "the gap is predicted");
        assertTrue(seen.stream().anyMatch(p -> p.getKind().equals("tick") && Integer.valueOf(7).equals(p.getLabel())));
        assertTrue(out.lines().anyMatch(l -> l.matches("dropped: label rejected\\s+1")), "the late label:\n" + out);
        assertTrue(out.lines().anyMatch(l -> l.matches("dropped: unlabelled\\s+0")), out);
    }

    @Test
    void aFrozenRunScoresLabelsWithoutLearning(@TempDir Path dir) throws Exception {
        String topic = "live-frozen";
        assertEquals(0, io.spikestream.app.Main.execute("replay", "--bootstrap-servers", kafka.bootstrapServers(),
            "--as-fast-as-possible", "--no-progress", "--topic", topic, "--labels-topic", topic, "--sensor-id", "camF",
            labelledFolder(dir, 2).toString()));
        Background run = new Background("--frozen", "--set", "network.n_rec=40", "--set", "output.metrics_port=0",
            "--set", "pipeline.group_id=live-frozen", "--set", "pipeline.events_topic=" + topic,
            "--set", "time.idle_timeout_ms=300", "--set", "output.predictions_topic=frozen-predictions");
        List<Prediction> seen = predictions("frozen-predictions", "camF", "check-frozen",
            ps -> ps.stream().anyMatch(p -> p.getKind().equals("interval")));
        run.stop();
        Prediction interval = seen.stream().filter(p -> p.getKind().equals("interval")).findFirst().orElseThrow();
        assertEquals(2, interval.getLabel());
        assertFalse(interval.getLearning());
        assertTrue(seen.stream().allMatch(p -> p.getModelVersion() == 0 && !p.getLearning()), "nothing learned");
    }
}
