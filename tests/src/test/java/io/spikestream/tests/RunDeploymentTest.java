package io.spikestream.tests;

import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.schemas.Prediction;
import io.spikestream.schemas.SingleObjectCodec;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code ./spikestream run}: a long-running process on an external broker (here the test's embedded one, reached by
 * --bootstrap-servers) consumes what {@code replay} publishes, two sensors at once, and predicts every labelled
 * window of each; then it is stopped.
 */
class RunDeploymentTest {

    @Test
    void runConsumesReplayedSensorsAndPredictsEveryWindow(@TempDir Path dir) throws Exception {
        Path samples = KafkaLearnerDeterminismTest.subset(dir, "Test", 1);
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bs = kafka.bootstrapServers();
            replayTwoSensors(bs, samples);
            ExecutorService exec = Executors.newSingleThreadExecutor();
            RunStopper stopper = new RunStopper();
            Future<Integer> run = exec.submit(() -> stopper.run(bs, "--set", "network.n_rec=40", "--set", "output.metrics_port=0",
                "--set", "pipeline.group_id=run-test", "--set", "time.mode=per_window"));
            Set<String> seen = new HashSet<>();
            SingleObjectCodec<Prediction> codec = SpikestreamSchemas.codec(Prediction.class);
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bs, "group.id", "check",
                "auto.offset.reset", "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
                c.subscribe(List.of("spikestream.predictions"));
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                // a live stream never ends: window k runs once events pass its end, and its score is complete two
                // steps into window k+1, so the last two windows of each sensor wait for more data (8 of 10)
                while (seen.size() < 16 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                        Prediction p = codec.decode(r.value());
                        seen.add(r.key() + "/" + p.getSampleId());
                        assertEquals(r.key(), p.getSensorId().toString());
                    }
                }
            }
            stopper.stop();
            assertEquals(0, run.get());
            exec.shutdown();
            assertEquals(16, seen.size(), "predictions " + seen);
            for (String sensor : List.of("camA", "camB")) {
                for (int c = 0; c < 8; c++) {
                    final String prefix = sensor + "/" + c + "/";
                    assertEquals(1, seen.stream().filter(x -> x.startsWith(prefix)).count(), prefix);
                }
            }
        }
    }

    /** With --checkpoint-dir the deployment is durable: a stop checkpoints every sensor's model. */
    @Test
    void durableRunCheckpointsEveryModelOnStop(@TempDir Path dir) throws Exception {
        Path samples = KafkaLearnerDeterminismTest.subset(dir, "Test", 1);
        Path store = dir.resolve("store");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bs = kafka.bootstrapServers();
            replayTwoSensors(bs, samples);
            ExecutorService exec = Executors.newSingleThreadExecutor();
            RunStopper stopper = new RunStopper();
            Future<Integer> run = exec.submit(() -> stopper.run(bs, "--checkpoint-dir", store.toString(), "--set",
                "network.n_rec=40", "--set", "output.metrics_port=0", "--set", "pipeline.group_id=durable-run", "--set",
                "time.mode=per_window"));
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bs, "group.id", "check2",
                "auto.offset.reset", "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
                c.subscribe(List.of("spikestream.predictions"));
                int seen = 0;
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (seen < 16 && System.nanoTime() < deadline) {
                    seen += c.poll(Duration.ofMillis(200)).count();
                }
                assertEquals(16, seen);
            }
            stopper.stop();
            assertEquals(0, run.get());
            exec.shutdown();
        }
        String list = checkpointList(store);
        for (String sensor : List.of("camA", "camB")) {
            org.junit.jupiter.api.Assertions.assertTrue(list.contains(sensor), "checkpoint of " + sensor + " in\n" + list);
        }
    }

    /**
     * {@code sensor.share_network}: both sensors' windows are learned by one network (every prediction a new model
     * version, as one model learns all 16 windows), predictions still name their sensor, and the durable deployment
     * checkpoints the one model.
     */
    @Test
    void aSharedNetworkLearnsFromEverySensor(@TempDir Path dir) throws Exception {
        Path samples = KafkaLearnerDeterminismTest.subset(dir, "Test", 1);
        Path store = dir.resolve("store");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bs = kafka.bootstrapServers();
            replayTwoSensors(bs, samples);
            ExecutorService exec = Executors.newSingleThreadExecutor();
            RunStopper stopper = new RunStopper();
            Future<Integer> run = exec.submit(() -> stopper.run(bs, "--checkpoint-dir", store.toString(), "--set",
                "network.n_rec=40", "--set", "output.metrics_port=0", "--set", "pipeline.group_id=shared-run",
                "--set", "sensor.share_network=true"));
            Map<String, Long> versions = new java.util.HashMap<>();
            SingleObjectCodec<Prediction> codec = SpikestreamSchemas.codec(Prediction.class);
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bs, "group.id", "check3",
                "auto.offset.reset", "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
                c.subscribe(List.of("spikestream.predictions"));
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                // each sensor keeps its own clock: its last window waits for more of its data, and the score of the
                // one before completes two steps into whichever window the network runs next (the other sensor's, if
                // any is left): 8 or 9 predictions per sensor, depending on how the two streams interleave
                long quietUntil = Long.MAX_VALUE;
                while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                        Prediction p = codec.decode(r.value());
                        assertEquals(r.key(), p.getSensorId().toString());
                        versions.put(r.key() + "/" + p.getSampleId(), p.getModelVersion());
                    }
                    if (versions.size() >= 16 && quietUntil == Long.MAX_VALUE) {
                        quietUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                    }
                }
            }
            stopper.stop();
            assertEquals(0, run.get());
            exec.shutdown();
            for (String sensor : List.of("camA", "camB")) {
                long n = versions.keySet().stream().filter(k -> k.startsWith(sensor + "/")).count();
                org.junit.jupiter.api.Assertions.assertTrue(n == 8 || n == 9, sensor + ": " + versions);
            }
            assertEquals(versions.size(), new HashSet<>(versions.values()).size(),
                "one model: every window a new version " + versions);
        }
        String list = checkpointList(store);
        org.junit.jupiter.api.Assertions.assertTrue(list.contains("shared") && !list.contains("camA") && !list.contains("camB"),
            "one checkpointed model, 'shared':\n" + list);
    }

    /** Publishes the samples twice, as sensors camA and camB, labels in the events topic. */
    private static void replayTwoSensors(String bootstrap, Path samples) {
        for (String sensor : List.of("camA", "camB")) {
            assertEquals(0, io.spikestream.app.Main.execute("replay", "--bootstrap-servers", bootstrap, "--as-fast-as-possible",
                "--no-progress", "--labels-topic", "spikestream.events", "--sensor-id", sensor, samples.toString()));
        }
    }

    /** What {@code checkpoint list --dir store} prints. */
    private static String checkpointList(Path store) {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        System.setOut(new java.io.PrintStream(buf, true));
        try {
            assertEquals(0, io.spikestream.app.Main.execute("checkpoint", "list", "--dir", store.toString()));
        } finally {
            System.setOut(old);
        }
        return buf.toString();
    }

    /** Runs the command with a stop switch instead of a signal. */
    static final class RunStopper {
        private volatile Thread thread;

        int run(String bootstrap, String... extra) {
            thread = Thread.currentThread();
            String[] args = new String[extra.length + 3];
            args[0] = "run";
            args[1] = "--bootstrap-servers";
            args[2] = bootstrap;
            System.arraycopy(extra, 0, args, 3, extra.length);
            return io.spikestream.app.Main.execute(args);
        }

        void stop() {
            thread.interrupt();
        }

        boolean threadNotStarted() {
            return thread == null;
        }
    }
}
