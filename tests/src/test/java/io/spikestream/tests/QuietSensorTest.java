package io.spikestream.tests;

import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.Topics;
import io.spikestream.ingest.replay.ReplaySummary;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * checkpoint.max_dirty_ms on the real broker (issue 12 item 2): one partition, a sensor that sends one sample and goes
 * quiet, then a busy sensor. The quiet sensor's stream time never reaches the checkpoint interval, so without the
 * wall-clock bound its records stay unacknowledged and the group's committed offset stays at the start of the
 * partition however far the busy sensor gets; with the bound, the committed offset reaches the end of the partition
 * while {@code learn} keeps running.
 */
class QuietSensorTest {

    /** The busy sensor checkpoints by its stream time (1 s; 10 samples of ~0.3 s); the quiet one's sample is shorter. */
    static final List<String> SETTINGS = List.of("network.n_rec=20", "checkpoint.interval_stream_ms=1000",
        "checkpoint.interval_events=0", "checkpoint.keep=2");

    @Test
    void aQuietSensorNoLongerPinsItsPartitionsCommittedOffset(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); KafkaEndpoint endpoint = KafkaEndpoint.of(kafka)) {
            String topic = "quiet-events";
            TopicPartition tp = new TopicPartition(topic, 0);
            Topics.ensure(endpoint, List.of(new Topics.Spec(topic, 1, Map.of())));
            ReplaySummary quiet = DurableStreams.replay(endpoint, topic, "quiet", 0, 1, 400);
            ReplaySummary busy = DurableStreams.replay(endpoint, topic, "busy", 1, 10, 400);
            long end = quiet.batches() + quiet.labels() + busy.batches() + busy.labels();

            // without the bound: the busy sensor is checkpointed, but nothing can be committed past the quiet sensor
            List<String> unbounded = new ArrayList<>(SETTINGS);
            unbounded.add("checkpoint.max_dirty_ms=0");
            Process p = CheckpointCrashTest.child(kafka.bootstrapServers(), topic, "g-unbounded", dir.resolve("unbounded"),
                dir.resolve("unbounded.log"), "unbounded", false, unbounded);
            try {
                BlockingQueue<String> q = CheckpointCrashTest.lines(p);
                int busyCheckpoints = 0;
                boolean lastApplied = false;
                while (busyCheckpoints < 2 || !lastApplied) {
                    String line = CheckpointCrashTest.nextLine(q, dir.resolve("unbounded.log"));
                    assertTrue(!line.equals("<eof>"), CheckpointCrashTest.tail(dir.resolve("unbounded.log")));
                    busyCheckpoints += line.startsWith("checkpoint model=busy ") ? 1 : 0;
                    lastApplied |= line.equals("record " + tp + "@" + (end - 1) + " applied");
                    assertTrue(!line.startsWith("checkpoint model=quiet "), line);
                }
                // every record applied, the busy sensor's checkpointed: the commit position holds still at the start
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                    .until(() -> committed(endpoint, "g-unbounded", tp) <= 0);
            } finally {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }

            // with the bound: the quiet sensor is checkpointed after 500 ms of wall-clock time, and commits reach the end
            List<String> bounded = new ArrayList<>(SETTINGS);
            bounded.add("checkpoint.max_dirty_ms=500");
            Process b = CheckpointCrashTest.child(kafka.bootstrapServers(), topic, "g-bounded", dir.resolve("bounded"),
                dir.resolve("bounded.log"), "bounded", false, bounded);
            try {
                BlockingQueue<String> q = CheckpointCrashTest.lines(b);
                boolean quietCheckpointed = false;
                while (!quietCheckpointed) {
                    String line = CheckpointCrashTest.nextLine(q, dir.resolve("bounded.log"));
                    assertTrue(!line.equals("<eof>"), CheckpointCrashTest.tail(dir.resolve("bounded.log")));
                    quietCheckpointed = line.startsWith("checkpoint model=quiet ") && line.endsWith("reason=max_dirty_time");
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> committed(endpoint, "g-bounded", tp) == end);
                assertTrue(b.isAlive(), "learn keeps running; the commits came from the bound, not from a shutdown");
            } finally {
                b.destroyForcibly();
                b.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** The group's committed offset of {@code tp}; -1 when none. */
    static long committed(KafkaEndpoint endpoint, String group, TopicPartition tp) throws Exception {
        try (Admin admin = Admin.create(ClientConfigs.admin(endpoint))) {
            Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS);
            OffsetAndMetadata o = m.get(tp);
            return o == null ? -1 : o.offset();
        }
    }
}
