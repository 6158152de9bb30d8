package io.spikestream.tests;

import io.spikestream.app.durable.CheckpointStore;
import io.spikestream.app.durable.ModelCheckpoint;
import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;
import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.Topics;
import io.spikestream.ingest.replay.ReplaySummary;
import io.spikestream.network.checkpoint.CheckpointReader;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crash safety end to end: a child JVM runs {@code ./spikestream learn} (the real command, on the test classpath)
 * against a broker in this JVM, checkpointing often, and is killed with SIGKILL ({@code destroyForcibly}) at seeded
 * random points of the stream, then restarted, again and again (20 kills; 100 with {@code -Pcrash-soak}). The final
 * learned state (weights, traces, optimizer moments, neuron state, histories, the learner's buffers and counters)
 * must be bit-identical to an uninterrupted run's, and the learner must have applied every input event exactly once.
 */
class CheckpointCrashTest {

    private static final String SENSOR = "cam";
    private static final Pattern RECORD = Pattern.compile("record (\\S+)-(\\d+)@(\\d+) (applied|skipped)");
    private static final long RUN_TIMEOUT_S = 120;

    static final List<String> SETTINGS = List.of("network.n_rec=30", "network.p_rec=0.1", "optimizer.type=adam",
        "optimizer.eta=0.002", "optimizer.batch_size=3", "checkpoint.interval_stream_ms=200",
        "checkpoint.interval_events=1500", "checkpoint.keep=3", "time.lateness_us=400000");

    /** The child: {@code learn --until-end} with progress lines, as an operator would run it, on this classpath. */
    static Process child(String bootstrap, String topic, String group, Path dir, Path log, String instance) throws IOException {
        return child(bootstrap, topic, group, dir, log, instance, true, SETTINGS);
    }

    static Process child(String bootstrap, String topic, String group, Path dir, Path log, String instance, boolean untilEnd,
                         List<String> settings) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "--sun-misc-unsafe-memory-access=allow", "-cp", ExternalKafkaProcess.classpath(),
            "io.spikestream.app.Main", "learn", "--bootstrap-servers", bootstrap, "--topic", topic, "--group", group,
            "--checkpoint-dir", dir.toString(), "--progress", "--learn-prefix", "Train/",
            // a static member: a restarted child takes over its partitions at once instead of waiting for the dead
            // member's session to time out
            "--kafka-property", "group.instance.id=" + instance));
        if (untilEnd) {
            cmd.add("--until-end");
        }
        for (String s : settings) {
            cmd.add("--set");
            cmd.add(s);
        }
        return new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    }

    /** Reads a child's stdout lines into a queue (a daemon thread; the queue is the test's only view). */
    static BlockingQueue<String> lines(Process p) {
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    q.add(line);
                }
            } catch (IOException e) {
                // the child was killed
            }
            q.add("<eof>");
        }, "child-stdout");
        t.setDaemon(true);
        t.start();
        return q;
    }

    static String nextLine(BlockingQueue<String> q, Path log) throws Exception {
        String line = q.poll(RUN_TIMEOUT_S, TimeUnit.SECONDS);
        assertNotNull(line, () -> "the child printed nothing for " + RUN_TIMEOUT_S + " s; its log:\n" + tail(log));
        return line;
    }

    static String tail(Path log) {
        try {
            String s = Files.readString(log);
            return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Runs a child to the end of the stream; returns its last stdout line. */
    static String runToEnd(Process p, BlockingQueue<String> q, Path log) throws Exception {
        String last = null;
        for (String line = nextLine(q, log); !line.equals("<eof>"); line = nextLine(q, log)) {
            last = line;
        }
        assertTrue(p.waitFor(RUN_TIMEOUT_S, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), () -> "child failed; its log:\n" + tail(log));
        return last;
    }

    /**
     * Runs {@code learn --until-end} (group "crashing", instance "crasher") once per target and SIGKILLs it as soon as
     * it printed a record at or past the target offset; returns how many runs resumed mid-stream.
     */
    static int killAt(TreeSet<Long> targets, String bootstrap, String topic, Path crashDir, Path dir, List<String> settings)
        throws Exception {
        int resumedMidStream = 0;
        int run = 0;
        for (long target : targets) {
            run++;
            Path log = dir.resolve("run-" + run + ".log");
            Process p = child(bootstrap, topic, "crashing", crashDir, log, "crasher", true, settings);
            BlockingQueue<String> q = lines(p);
            long first = -1;
            while (true) {
                String line = nextLine(q, log);
                assertTrue(!line.equals("<eof>"), () -> "the child ended before its kill point " + target + ":\n" + tail(log));
                Matcher m = RECORD.matcher(line);
                if (m.matches()) {
                    if (first < 0) {
                        first = Long.parseLong(m.group(3));
                    }
                    if (Long.parseLong(m.group(3)) >= target) {
                        break;
                    }
                }
            }
            p.destroyForcibly(); // SIGKILL: no shutdown hook, no final checkpoint, possibly mid-write
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            resumedMidStream += first > 0 ? 1 : 0;
        }
        return resumedMidStream;
    }

    /** Seeded random kill targets in [1, records). */
    static TreeSet<Long> targets(long seed, int kills, long records) {
        Random rng = new Random(seed);
        TreeSet<Long> targets = new TreeSet<>();
        while (targets.size() < kills) {
            targets.add(1 + (long) rng.nextInt((int) records - 1));
        }
        return targets;
    }

    /**
     * The drill with two sensors on one partition, one of which goes quiet (issue 12 item 2): a sensor sends one sample
     * and nothing more, a busy sensor follows. SIGKILLs at seeded points; then a run without {@code --until-end} reads
     * to the end and, with nothing more arriving, its group's committed offset must reach the end of the partition
     * (checkpoint.max_dirty_ms checkpoints the quiet sensor's last records; without it they pin the commit position at
     * the quiet sensor's last checkpoint for good); that run is SIGKILLed too, and a last run has no event left to
     * apply. Both sensors end bit-identical to an uninterrupted run, every event applied exactly once.
     */
    @Test
    void twoSensorsOnOnePartitionOneGoingQuietSurviveSigkills(@TempDir Path dir) throws Exception {
        List<String> settings = new ArrayList<>(SETTINGS);
        settings.add("checkpoint.max_dirty_ms=300");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); KafkaEndpoint endpoint = KafkaEndpoint.of(kafka)) {
            String topic = "quiet-crash-events";
            Topics.ensure(endpoint, List.of(new Topics.Spec(topic, 1, Map.of())));
            ReplaySummary quiet = DurableStreams.replay(endpoint, topic, "quiet", 0, 1, 400);
            ReplaySummary busy = DurableStreams.replay(endpoint, topic, "busy", 1, 8, 400);
            long end = quiet.batches() + quiet.labels() + busy.batches() + busy.labels();

            // the reference: one uninterrupted run to the end, stopped cleanly (SIGTERM) once everything is committed,
            // then a learn --until-end with nothing left to read, which restores both models from the store and finishes
            // their open windows, as the crashing runs' last one does
            TopicPartition tp = new TopicPartition(topic, 0);
            Path refDir = dir.resolve("reference");
            Process ref = child(kafka.bootstrapServers(), topic, "reference", refDir, dir.resolve("reference.log"), "ref", false,
                settings);
            BlockingQueue<String> refLines = lines(ref);
            await().atMost(Duration.ofSeconds(RUN_TIMEOUT_S)).until(() -> QuietSensorTest.committed(endpoint, "reference", tp) == end);
            assertTrue(ref.toHandle().destroy()); // SIGTERM (Process.destroy would also close our end of its stdout)
            assertTrue(ref.waitFor(RUN_TIMEOUT_S, TimeUnit.SECONDS));
            String refSummary = null;
            for (String line = nextLine(refLines, dir.resolve("reference.log")); !line.equals("<eof>");
                 line = nextLine(refLines, dir.resolve("reference.log"))) {
                refSummary = line;
            }
            assertTrue(refSummary != null && refSummary.startsWith("learned records=" + end + " "), refSummary);
            Process refEnd = child(kafka.bootstrapServers(), topic, "reference", refDir, dir.resolve("reference-end.log"), "ref",
                true, settings);
            String refEndSummary = runToEnd(refEnd, lines(refEnd), dir.resolve("reference-end.log"));
            assertTrue(refEndSummary.contains(" applied_events=0 ") && refEndSummary.contains(" models_restored=2 "), refEndSummary);

            Path crashDir = dir.resolve("crashing");
            int resumed = killAt(targets(20261203L, 6, end), kafka.bootstrapServers(), topic, crashDir, dir, settings);
            assertTrue(resumed >= 3, "runs that resumed mid-stream: " + resumed);

            // a run that reads to the end and stays: the commits must reach the end without a shutdown
            Path stayLog = dir.resolve("stay.log");
            Process stay = child(kafka.bootstrapServers(), topic, "crashing", crashDir, stayLog, "crasher", false, settings);
            lines(stay); // drained into a queue nobody reads: the progress lines are not needed here
            await().atMost(Duration.ofSeconds(RUN_TIMEOUT_S)).until(() -> QuietSensorTest.committed(endpoint, "crashing", tp) == end);
            assertTrue(stay.isAlive(), () -> "the staying run ended:\n" + tail(stayLog));
            stay.destroyForcibly();
            assertTrue(stay.waitFor(60, TimeUnit.SECONDS));

            Path log = dir.resolve("final.log");
            Process last = child(kafka.bootstrapServers(), topic, "crashing", crashDir, log, "crasher", true, settings);
            String summary = runToEnd(last, lines(last), log);
            assertTrue(summary.contains(" applied_events=0 "), summary);

            Settings resolved = StreamLearner.resolveTimeMode(Settings.load(List.of(), settings), "continuous");
            for (var sensor : Map.of("quiet", quiet, "busy", busy).entrySet()) {
                Path refFile = DurableStreams.newest(refDir, sensor.getKey());
                Path crashFile = DurableStreams.newest(crashDir, sensor.getKey());
                DurableStreams.assertSameLearnedState(DurableStreams.learnedState(refFile), DurableStreams.learnedState(crashFile),
                    sensor.getKey() + " after SIGKILLs");
                try (CheckpointReader r = CheckpointReader.open(crashFile); StreamLearner l = new StreamLearner(resolved, p -> { })) {
                    l.restore(r);
                    assertEquals(sensor.getValue().events(), l.counters().eventsIn, sensor.getKey() + ": events applied");
                }
            }
        }
    }

    @Test
    void sigkilledAtRandomPointsTheLearnerEndsBitIdenticalToAnUninterruptedRun(@TempDir Path dir) throws Exception {
        int kills = Integer.getInteger("spikestream.crash.kills", 20);
        long seed = Long.getLong("spikestream.crash.seed", 20261124L);
        int samples = Math.max(12, kills / 5 + 6);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); KafkaEndpoint endpoint = KafkaEndpoint.of(kafka)) {
            String topic = "crash-events";
            Topics.ensure(endpoint, List.of(new Topics.Spec(topic, 1, Map.of())));
            ReplaySummary replayed = DurableStreams.replay(endpoint, topic, SENSOR, 0, samples, 400);
            long records = replayed.batches() + replayed.labels();
            assertTrue(records > kills + 1, "need more records (" + records + ") than kills (" + kills + ")");

            // the reference: one run that is never interrupted
            Path refDir = dir.resolve("reference");
            Process ref = child(kafka.bootstrapServers(), topic, "reference", refDir, dir.resolve("reference.log"), "ref");
            String refSummary = runToEnd(ref, lines(ref), dir.resolve("reference.log"));
            assertTrue(refSummary.startsWith("learned records=" + records + " "), refSummary);

            // the crashing runs: kill targets are seeded random record offsets, increasing, so every run gets further
            TreeSet<Long> targets = targets(seed, kills, records);
            Path crashDir = dir.resolve("crashing");
            int resumedMidStream = killAt(targets, kafka.bootstrapServers(), topic, crashDir, dir, SETTINGS);
            Path log = dir.resolve("final.log");
            Process last = child(kafka.bootstrapServers(), topic, "crashing", crashDir, log, "crasher");
            String summary = runToEnd(last, lines(last), log);
            assertTrue(summary.startsWith("learned "), summary);

            // the runs resumed from checkpoints, not from the start of the stream
            assertTrue(resumedMidStream >= kills / 2, "runs that resumed mid-stream: " + resumedMidStream);
            Path refFile = DurableStreams.newest(refDir, SENSOR);
            Path crashFile = DurableStreams.newest(crashDir, SENSOR);
            DurableStreams.assertSameLearnedState(DurableStreams.learnedState(refFile), DurableStreams.learnedState(crashFile),
                kills + " SIGKILLs");
            // and explicitly: every event applied exactly once, every record consumed
            Settings settings = StreamLearner.resolveTimeMode(Settings.load(List.of(), SETTINGS), "continuous"); // as learn
            try (CheckpointReader r = CheckpointReader.open(crashFile); StreamLearner l = new StreamLearner(settings, p -> { })) {
                l.restore(r);
                assertEquals(replayed.events(), l.counters().eventsIn, "events applied");
                assertEquals(samples, l.counters().windows, "windows run");
                assertEquals(records, ModelCheckpoint.readPositions(r).get(0).next(), "every record consumed");
            }
            assertTrue(CheckpointStore.existing(crashDir).versions(SENSOR).size() <= 3, "old checkpoints pruned");
        }
    }
}
