package io.spikestream.tests;

import io.spikestream.app.durable.CheckpointStore;
import io.spikestream.app.durable.DurabilityPolicy;
import io.spikestream.app.durable.ModelCheckpoint;
import io.spikestream.app.durable.ModelInfo;
import io.spikestream.app.durable.ModelRegistry;
import io.spikestream.app.learn.DirectFeed;
import io.spikestream.app.learn.NmnistSamples;
import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;
import io.spikestream.app.pipeline.LearnerPipeline;
import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.SourceOptions;
import io.spikestream.ingest.kafka.Topics;
import io.spikestream.ingest.replay.ReplaySummary;
import io.spikestream.network.checkpoint.CheckpointReader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two durable pipeline instances in one consumer group on the embedded broker, sharing a checkpoint store: instance
 * A learns alone, B joins mid-stream (A checkpoints its models inside the revocation, the partitions are split),
 * then A leaves mid-stream and its partition moves to B, which restores A's models and resumes where their
 * checkpoints stood. Every model must end exactly as if one learner had read its sensor's stream straight from the
 * files without interruption: nothing lost, nothing applied twice.
 */
class RebalanceCheckpointTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final int PARTITIONS = 2;

    static final List<String> SETTINGS = List.of("network.n_rec=30", "optimizer.type=adam", "optimizer.eta=0.002",
        "checkpoint.interval_stream_ms=1000", "checkpoint.interval_events=0", "checkpoint.keep=2");

    /** Four sensor ids, two hashing to each partition (Kafka's default partitioner for keyed records). */
    static List<String> sensors() {
        List<String> out = new ArrayList<>();
        int[] perPartition = new int[PARTITIONS];
        for (int i = 0; out.size() < 4; i++) {
            String id = "cam-" + i;
            int p = Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
            if (perPartition[p] < 2) {
                perPartition[p]++;
                out.add(id);
            }
        }
        return out;
    }

    static StreamLearner learner(Settings s) {
        try {
            return new StreamLearner(s, p -> { });
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** What a learner that read the sensor's stream straight from the files, never stopped, holds at the end. */
    static Map<String, byte[]> reference(Settings s, int first, int n, Path dir) throws Exception {
        List<NmnistSamples.Sample> all = NmnistSamples.list(Path.of("..", "data", "nmnist", "Train"));
        try (StreamLearner l = learner(s)) {
            DirectFeed feed = new DirectFeed(0, 0);
            for (int k = 0; k < n; k++) {
                feed.feed(l, all.get((first + k) * 7 % all.size()));
            }
            Path file = dir.resolve("reference-" + first + ".ckpt");
            ModelCheckpoint.writer(new ModelInfo("ref", 1, l.streamTimeUs(), l.network().currentStep(), 0), List.of(), l)
                .writeAtomically(file);
            return DurableStreams.learnedState(file);
        }
    }

    static LearnerPipeline instance(KafkaEndpoint endpoint, String topic, Settings s, CheckpointStore store) {
        return LearnerPipeline.durable(endpoint, SourceOptions.of("rebalance-group", topic).withMaxPollRecords(8), id -> learner(s), store,
            DurabilityPolicy.from(s), InstantSource.system());
    }

    static boolean rebalancing(Admin admin, String group) throws Exception {
        GroupState st = admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group).groupState();
        return st == GroupState.PREPARING_REBALANCE || st == GroupState.COMPLETING_REBALANCE;
    }

    @Test
    void modelsMoveWithTheirPartitionsThroughCheckpointsAndNothingIsLostOrDoubled(@TempDir Path dir) throws Exception {
        Settings s = Settings.load(List.of(), SETTINGS);
        int samples = 12;
        List<String> sensors = sensors();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); KafkaEndpoint endpoint = KafkaEndpoint.of(kafka);
             Admin admin = Admin.create(ClientConfigs.admin(endpoint))) {
            String topic = "rebalance-events";
            Topics.ensure(endpoint, List.of(new Topics.Spec(topic, PARTITIONS, Map.of())));
            long records = 0;
            long events = 0;
            for (int i = 0; i < sensors.size(); i++) {
                ReplaySummary r = DurableStreams.replay(endpoint, topic, sensors.get(i), i * samples, samples, 1024);
                records += r.batches() + r.labels();
                events += r.events();
            }
            Map<TopicPartition, Long> end = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                end.put(new TopicPartition(topic, p), 0L);
            }
            Map<TopicPartition, Long> ends = io.spikestream.tests.RebalanceCheckpointTest.endOffsets(admin, topic);
            end.putAll(ends);
            assertEquals(records, ends.values().stream().mapToLong(Long::longValue).sum());

            CheckpointStore shared = CheckpointStore.open(dir.resolve("store"), DurabilityPolicy.from(s).keep(), InstantSource.system());
            LearnerPipeline a = instance(endpoint, topic, s, shared);
            LearnerPipeline b = instance(endpoint, topic, s, shared);
            Set<String> writtenByA = ConcurrentHashMap.newKeySet();
            List<String> reasonsA = new CopyOnWriteArrayList<>();
            AtomicBoolean revocationHandled = new AtomicBoolean();
            a.registry().addListener(w -> {
                writtenByA.add(w.info().modelId());
                reasonsA.add(w.reason());
                if (w.reason().equals("partition revoked")) {
                    revocationHandled.set(true);
                }
            });
            // Gate 1: A stops on its learner thread early in the stream, until B has joined and A's consumer has begun
            // giving up its partitions (so the move happens mid-stream, with records in flight).
            // Gate 2: A stops at its first record after the move, until the test has made it leave the group, so that
            // its partition moves to B with records still to come.
            CountDownLatch gated = new CountDownLatch(1);
            CountDownLatch open = new CountDownLatch(1);
            CountDownLatch revoking = new CountDownLatch(1);
            CountDownLatch gated2 = new CountDownLatch(1);
            CountDownLatch open2 = new CountDownLatch(1);
            AtomicInteger seenA = new AtomicInteger();
            a.setRecordObserver(new LearnerPipeline.RecordObserver() {
                @Override
                public void before(TopicPartition tp, long offset, String sensorId) {
                    if (seenA.incrementAndGet() == 20) {
                        gated.countDown();
                        waitFor(open);
                    } else if (revocationHandled.get() && gated2.getCount() > 0) {
                        gated2.countDown();
                        waitFor(open2);
                    }
                }

                @Override
                public void revoking(java.util.Collection<TopicPartition> partitions, boolean lost) {
                    revoking.countDown();
                }
            });
            AtomicBoolean aGone = new AtomicBoolean();
            Set<String> continuedByB = ConcurrentHashMap.newKeySet();
            b.setRecordObserver(new LearnerPipeline.RecordObserver() {
                @Override
                public void after(TopicPartition tp, long offset, String sensorId, boolean applied) {
                    if (aGone.get() && applied) {
                        continuedByB.add(sensorId);
                    }
                }
            });
            try {
                a.start();
                assertTrue(gated.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "A never reached its gate");
                b.start();
                assertTrue(revoking.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "A never started a revocation");
                assertTrue(rebalancing(admin, "rebalance-group"), "A's revocation holds the group in its rebalance");
                open.countDown();
                assertTrue(gated2.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "A got no partition with records left");
                assertTrue(reasonsA.contains("partition revoked"), "A checkpointed its models on revocation: " + reasonsA);
                open2.countDown();
                a.close(); // clean shutdown: A checkpoints its models and leaves; B gets every partition
                aGone.set(true);
                await().atMost(TIMEOUT).until(() -> end.entrySet().stream()
                    .allMatch(e -> b.positions().getOrDefault(e.getKey(), -1L) >= e.getValue()) || b.failure() != null);
                long restoredByB = b.onLearnerThread(() -> b.registry().restored());
                assertTrue(restoredByB >= 1, "B restored models from checkpoints: " + restoredByB);
                Set<String> moved = new java.util.HashSet<>(writtenByA);
                moved.retainAll(continuedByB);
                assertTrue(!moved.isEmpty(), "a model A learned was continued by B: A wrote " + writtenByA + ", B continued "
                    + continuedByB);
            } finally {
                open.countDown();
                open2.countDown();
                b.close();
                a.close();
            }
            assertEquals(null, a.failure());
            assertEquals(null, b.failure());

            long applied = 0;
            for (int i = 0; i < sensors.size(); i++) {
                String id = sensors.get(i);
                Path newest = DurableStreams.newest(shared.dir(), id);
                DurableStreams.assertSameLearnedState(reference(s, i * samples, samples, dir), DurableStreams.learnedState(newest),
                    "model " + id);
                try (CheckpointReader r = CheckpointReader.open(newest); StreamLearner l = learner(s)) {
                    l.restore(r);
                    applied += l.counters().eventsIn;
                }
            }
            assertEquals(events, applied, "every event applied exactly once across both instances");
        }
    }

    private static void waitFor(CountDownLatch latch) {
        try {
            latch.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
        Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> q = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            q.put(new TopicPartition(topic, p), org.apache.kafka.clients.admin.OffsetSpec.latest());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(q).all().get(30, TimeUnit.SECONDS).forEach((tp, i) -> out.put(tp, i.offset()));
        return out;
    }
}
