package io.spikestream.tests;

import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.Topics;
import io.spikestream.ingest.replay.ReplaySummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM is a clean shutdown: {@code learn} checkpoints its models before exiting (here the only checkpoint: the
 * intervals are off), and a restarted instance has nothing left to learn from.
 */
class CleanShutdownTest {

    @Test
    void sigtermCheckpointsEveryModelAndARestartRelearnsNothing(@TempDir Path dir) throws Exception {
        List<String> noIntervals = new ArrayList<>(CheckpointCrashTest.SETTINGS);
        noIntervals.addAll(List.of("checkpoint.interval_stream_ms=0", "checkpoint.interval_events=0"));
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); KafkaEndpoint endpoint = KafkaEndpoint.of(kafka)) {
            String topic = "shutdown-events";
            Topics.ensure(endpoint, List.of(new Topics.Spec(topic, 1, Map.of())));
            ReplaySummary replayed = DurableStreams.replay(endpoint, topic, "cam", 0, 3, 1024);
            long records = replayed.batches() + replayed.labels();
            Path store = dir.resolve("store");
            Path log = dir.resolve("service.log");
            Process p = CheckpointCrashTest.child(kafka.bootstrapServers(), topic, "svc", store, log, "svc-1", false, noIntervals);
            BlockingQueue<String> q = CheckpointCrashTest.lines(p);
            List<String> out = new ArrayList<>();
            String line;
            while (!(line = CheckpointCrashTest.nextLine(q, log)).equals("record " + topic + "-0@" + (records - 1) + " applied")) {
                assertTrue(!line.equals("<eof>"), () -> "the service ended early:\n" + CheckpointCrashTest.tail(log));
                out.add(line);
            }
            assertTrue(out.stream().noneMatch(l -> l.startsWith("checkpoint ")), "no checkpoint before the shutdown: " + out);
            // SIGTERM through the process handle: Process.destroy() would also close our end of its stdout
            assertTrue(p.toHandle().destroy());
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            for (line = CheckpointCrashTest.nextLine(q, log); !line.equals("<eof>"); line = CheckpointCrashTest.nextLine(q, log)) {
                out.add(line);
            }
            assertTrue(out.stream().anyMatch(l -> l.startsWith("checkpoint model=cam version=1 ") && l.endsWith("reason=shutdown")
                && l.contains(topic + "-0@" + records)), () -> "shutdown checkpoint: " + out + "\nlog:\n" + CheckpointCrashTest.tail(log));
            assertTrue(out.stream().anyMatch(l -> l.startsWith("learned records=" + records + " ")), "summary: " + out);

            Path log2 = dir.resolve("restart.log");
            Process again = CheckpointCrashTest.child(kafka.bootstrapServers(), topic, "svc", store, log2, "svc-1", true, noIntervals);
            String summary = CheckpointCrashTest.runToEnd(again, CheckpointCrashTest.lines(again), log2);
            assertTrue(summary.startsWith("learned records=0 "), summary);
        }
    }
}
