package io.spikestream.ingest.kafka;

import io.spikestream.schemas.LabelRecord;
import io.spikestream.schemas.SingleObjectCodec;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The source's hook for stateful consumers: seeking assigned partitions, failing loudly, revocation barrier. */
class PartitionHookTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final SingleObjectCodec<LabelRecord> LABELS = SpikestreamSchemas.codec(LabelRecord.class);

    private static void produce(String topic, int partitions, int perPartition) throws Exception {
        try (var producer = TestKafka.producer()) {
            for (int i = 0; i < perPartition; i++) {
                for (int p = 0; p < partitions; p++) {
                    producer.send(new ProducerRecord<>(topic, p, "cam-" + p, LABELS.encode(LabelRecord.newBuilder()
                        .setSensorId("cam-" + p).setSampleId("s" + i).setWindowStartUs(i).setWindowEndUs(i + 1L).build())));
                }
            }
            producer.flush();
        }
    }

    @Test
    void assignedPartitionsStartWhereTheHookSays() throws Exception {
        String topic = TestKafka.topic("hook-seek", 1);
        produce(topic, 1, 10);
        TopicPartition tp = new TopicPartition(topic, 0);
        AtomicReference<PartitionHook.Offsets> seen = new AtomicReference<>();
        PartitionHook hook = (partitions, offsets) -> {
            seen.set(offsets);
            return Map.of(tp, 6L);
        };
        KafkaRecordSource<LabelRecord> source = KafkaRecordSource.create(TestKafka.endpoint(),
            SourceOptions.of("g-hook-seek", topic), new AvroRecordDecoder<>(LabelRecord.class), hook);
        List<Long> offsets = new CopyOnWriteArrayList<>();
        Disposable d = source.flux().subscribe(s -> {
            if (s instanceof SourceSignal.Record<LabelRecord> r) {
                offsets.add(r.offset());
            }
        });
        await().atMost(TIMEOUT).until(() -> offsets.size() == 4);
        d.dispose();
        assertTrue(source.awaitClosed(TIMEOUT));
        assertEquals(List.of(6L, 7L, 8L, 9L), offsets);
        assertEquals(Map.of(tp, 0L), seen.get().beginning());
        assertEquals(Map.of(tp, 10L), seen.get().end());
        assertEquals(Map.of(), seen.get().committed(), "the group never committed");
    }

    @Test
    void aHookThatCannotRecoverStopsTheSourceWithItsError() throws Exception {
        String topic = TestKafka.topic("hook-fail", 1);
        produce(topic, 1, 3);
        PartitionHook hook = (partitions, offsets) -> {
            throw new IllegalStateException("checkpoint store lost: refusing a fresh start");
        };
        KafkaRecordSource<LabelRecord> source = KafkaRecordSource.create(TestKafka.endpoint(),
            SourceOptions.of("g-hook-fail", topic), new AvroRecordDecoder<>(LabelRecord.class), hook);
        AtomicReference<Throwable> error = new AtomicReference<>();
        List<SourceSignal<LabelRecord>> got = new CopyOnWriteArrayList<>();
        source.flux().subscribe(got::add, error::set);
        await().atMost(TIMEOUT).until(() -> error.get() != null);
        String chain = String.valueOf(error.get()) + " / " + error.get().getCause();
        assertTrue(chain.contains("checkpoint store lost"), chain);
        assertTrue(got.stream().noneMatch(s -> s instanceof SourceSignal.Record), "no record before the hook agreed");
    }

    /**
     * With a barrier, A's revocation signal arrives while A still owns the partitions; what A acknowledges before it
     * releases the signal is committed before anyone else reads them, so every next owner starts exactly there.
     * (Without the barrier A would commit nothing, and the next owner would start at 0.)
     */
    @Test
    void revocationWaitsUntilDownstreamReleasesAndCommitsWhatItAcknowledged() throws Exception {
        int partitions = 2;
        int perPartition = 50;
        int ackedOnRevoke = 20;
        String topic = TestKafka.topic("hook-barrier", partitions);
        produce(topic, partitions, perPartition);
        String group = "g-hook-barrier";
        PartitionHook barrier = new PartitionHook() {
            @Override
            public Map<TopicPartition, Long> startOffsets(Collection<TopicPartition> p, Offsets o) {
                return Map.of();
            }

            @Override
            public Duration revocationBarrier() {
                return Duration.ofSeconds(30);
            }
        };
        Map<TopicPartition, List<SourceSignal.Record<LabelRecord>>> heldByA = new ConcurrentHashMap<>();
        List<SourceSignal.PartitionsRevoked<LabelRecord>> revoked = new CopyOnWriteArrayList<>();
        Map<String, Set<TopicPartition>> fresh = new ConcurrentHashMap<>();
        List<String> firstOffsets = new CopyOnWriteArrayList<>();
        KafkaRecordSource<LabelRecord> a = KafkaRecordSource.create(TestKafka.endpoint(), SourceOptions.of(group, topic),
            new AvroRecordDecoder<>(LabelRecord.class), barrier);
        KafkaRecordSource<LabelRecord> b = KafkaRecordSource.create(TestKafka.endpoint(), SourceOptions.of(group, topic),
            new AvroRecordDecoder<>(LabelRecord.class), barrier);
        java.util.function.BiConsumer<String, SourceSignal<LabelRecord>> handler = (name, s) -> {
            switch (s) {
                case SourceSignal.PartitionsAssigned<LabelRecord> as ->
                    fresh.computeIfAbsent(name, k -> ConcurrentHashMap.newKeySet()).addAll(as.partitions());
                case SourceSignal.Record<LabelRecord> r -> {
                    if (fresh.getOrDefault(name, Set.of()).remove(r.partition()) && !revoked.isEmpty()) {
                        firstOffsets.add(name + ":" + r.partition().partition() + "@" + r.offset());
                    }
                    if (name.equals("a") && revoked.isEmpty()) {
                        heldByA.computeIfAbsent(r.partition(), k -> new CopyOnWriteArrayList<>()).add(r);
                    } else {
                        r.acknowledge();
                    }
                }
                case SourceSignal.PartitionsRevoked<LabelRecord> rv -> {
                    if (name.equals("a") && revoked.isEmpty()) {
                        assertNotNull(rv.barrier(), "barrier mode");
                        for (TopicPartition tp : rv.partitions()) {
                            heldByA.getOrDefault(tp, List.of()).stream().limit(ackedOnRevoke)
                                .forEach(SourceSignal.Record::acknowledge);
                        }
                        revoked.add(rv);
                    }
                    rv.release();
                }
                case SourceSignal.Skipped<LabelRecord> k -> {
                }
            }
        };
        Disposable da = a.flux().subscribe(s -> handler.accept("a", s));
        await().atMost(TIMEOUT).until(() -> heldByA.values().stream().mapToInt(List::size).sum() == partitions * perPartition);
        Disposable db = b.flux().subscribe(s -> handler.accept("b", s));
        await().atMost(TIMEOUT).until(() -> firstOffsets.size() >= partitions);
        da.dispose();
        db.dispose();
        assertTrue(a.awaitClosed(TIMEOUT));
        assertTrue(b.awaitClosed(TIMEOUT));
        assertEquals(Set.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1)), revoked.get(0).partitions());
        List<String> expected = new ArrayList<>();
        for (String f : firstOffsets) {
            expected.add(f.substring(0, f.indexOf('@')) + "@" + ackedOnRevoke);
        }
        assertEquals(expected, firstOffsets, "every next owner starts after what A acknowledged before releasing");
    }
}
