package io.spikestream.ingest.replay;

import io.spikestream.ingest.format.EventBatch;
import io.spikestream.ingest.format.EventFiles;
import io.spikestream.ingest.format.EventReader;
import io.spikestream.ingest.kafka.AvroRecordDecoder;
import io.spikestream.ingest.kafka.EventBatchDecoder;
import io.spikestream.ingest.kafka.KafkaRecordSource;
import io.spikestream.ingest.kafka.SensorEvents;
import io.spikestream.ingest.kafka.SourceOptions;
import io.spikestream.ingest.kafka.SourceSignal;
import io.spikestream.ingest.kafka.TestKafka;
import io.spikestream.schemas.LabelRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bar: replay a folder of N-MNIST samples into the embedded broker, consume it with the reactive
 * source, and get every event back, in order, bit-identical (after removing the documented stream offset).
 */
class NmnistReplayRoundTripTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    /** The decoded recording, read independently of replay. */
    record Events(int[] x, int[] y, byte[] p, long[] t) {
    }

    static Events decode(Path file) throws Exception {
        List<int[]> xs = new ArrayList<>();
        EventBatch batch = new EventBatch(4096);
        int total = 0;
        int[] x = new int[0];
        int[] y = new int[0];
        byte[] p = new byte[0];
        long[] t = new long[0];
        try (EventReader reader = EventFiles.open(file)) {
            int n;
            while ((n = reader.read(batch)) >= 0) {
                x = Arrays.copyOf(x, total + n);
                y = Arrays.copyOf(y, total + n);
                p = Arrays.copyOf(p, total + n);
                t = Arrays.copyOf(t, total + n);
                System.arraycopy(batch.x, 0, x, total, n);
                System.arraycopy(batch.y, 0, y, total, n);
                System.arraycopy(batch.polarity, 0, p, total, n);
                System.arraycopy(batch.timestampUs, 0, t, total, n);
                total += n;
            }
        }
        xs.clear();
        return new Events(x, y, p, t);
    }

    @Test
    void everyEventOfTheTestTreeComesBackInOrderBitIdentical() throws Exception {
        Path root = ReplayPlanTest.shared().resolve("data/nmnist/Test");
        String events = TestKafka.topic("nmnist-events", 4);
        String labels = TestKafka.topic("nmnist-labels", 4);
        long gapUs = 10_000;
        ReplayPlan plan = ReplayPlan.of(List.of(root), null);
        FakeReplayClock clock = new FakeReplayClock();
        ReplaySummary summary;
        try (var producer = TestKafka.producer()) {
            summary = new Replayer(producer, ReplayOptions.defaults().withTopics(events, labels)
                .withSensorId("nmnist-test").withBatching(1000, 0).withGapUs(gapUs).withRateScale(1.0),
                clock, ReplayProgress.NONE).replay(plan);
        }

        Map<String, Events> expected = new LinkedHashMap<>();
        long expectedEvents = 0;
        for (ReplayItem item : plan.items()) {
            Events e = decode(item.file());
            expected.put(item.sampleId(), e);
            expectedEvents += e.t().length;
        }
        assertEquals(72, summary.files());
        assertEquals(List.of(), summary.failures());
        assertEquals(expectedEvents, summary.events());
        assertEquals(72, summary.labels());
        assertTrue(summary.line().startsWith("replayed files=72 events=" + expectedEvents + " batches="), summary.line());

        // Consume every batch through the reactive source.
        List<SensorEvents> batches = new ArrayList<>();
        KafkaRecordSource<SensorEvents> source = KafkaRecordSource.create(TestKafka.endpoint(),
            SourceOptions.of("roundtrip", events), new EventBatchDecoder());
        StepVerifier.create(source.flux().ofType(SourceSignal.Record.class))
            .thenConsumeWhile(r -> {
                batches.add((SensorEvents) r.value());
                r.acknowledge();
                return batches.size() < summary.batches();
            })
            .thenCancel()
            .verify(TIMEOUT);

        assertEquals(summary.batches(), batches.size());
        // One key, so one partition, so the sequence is the publication order.
        for (int i = 0; i < batches.size(); i++) {
            assertEquals(i, batches.get(i).sequence());
            assertEquals("nmnist-test", batches.get(i).sensorId());
            assertEquals(34, batches.get(i).width());
        }
        // Concatenate per recording and compare with an independent decode.
        Map<String, List<SensorEvents>> bySample = new LinkedHashMap<>();
        for (SensorEvents b : batches) {
            bySample.computeIfAbsent(b.sourceFile(), k -> new ArrayList<>()).add(b);
        }
        assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(bySample.keySet()), "recordings in plan order");
        long previousStreamEnd = -1;
        Map<String, Long> offsets = new LinkedHashMap<>();
        for (var entry : bySample.entrySet()) {
            Events want = expected.get(entry.getKey());
            int n = want.t().length;
            int[] x = new int[n];
            int[] y = new int[n];
            byte[] p = new byte[n];
            long[] t = new long[n];
            int at = 0;
            long offset = entry.getValue().get(0).streamOffsetUs();
            for (SensorEvents b : entry.getValue()) {
                assertEquals(offset, b.streamOffsetUs());
                assertEquals(at, b.sourceEventIndex());
                for (int i = 0; i < b.count(); i++) {
                    x[at] = b.x()[i];
                    y[at] = b.y()[i];
                    p[at] = b.polarity()[i];
                    t[at] = b.timestampUs()[i] - offset;
                    assertTrue(b.timestampUs()[i] > previousStreamEnd, "stream time never goes back");
                    at++;
                }
            }
            assertEquals(n, at, entry.getKey());
            assertArrayEquals(want.x(), x, entry.getKey());
            assertArrayEquals(want.y(), y, entry.getKey());
            assertArrayEquals(want.p(), p, entry.getKey());
            assertArrayEquals(want.t(), t, entry.getKey());
            // Laid end to end: this recording starts one microsecond plus the gap after the previous one ended.
            if (previousStreamEnd >= 0) {
                assertEquals(previousStreamEnd + 1 + gapUs, offset);
            }
            previousStreamEnd = offset + want.t()[n - 1];
            offsets.put(entry.getKey(), offset);
        }

        // Pacing at the recorded rate against a fake clock: the replay "took" exactly the stream time between the
        // end of the first batch and the end of the last, and nothing really slept.
        long firstBatchEnd = batches.get(0).timestampUs()[batches.get(0).count() - 1];
        SensorEvents last = batches.get(batches.size() - 1);
        assertEquals((last.timestampUs()[last.count() - 1] - firstBatchEnd) * 1_000L, clock.totalSlept());

        // One label per recording, covering [offset, offset + last timestamp + 1).
        List<LabelRecord> gotLabels = new ArrayList<>();
        KafkaRecordSource<LabelRecord> labelSource = KafkaRecordSource.create(TestKafka.endpoint(),
            SourceOptions.of("roundtrip-labels", labels), new AvroRecordDecoder<>(LabelRecord.class));
        StepVerifier.create(labelSource.flux().ofType(SourceSignal.Record.class))
            .thenConsumeWhile(r -> {
                gotLabels.add((LabelRecord) r.value());
                return gotLabels.size() < 72;
            })
            .thenCancel()
            .verify(TIMEOUT);
        for (LabelRecord label : gotLabels) {
            Events want = expected.get(label.getSampleId());
            long offset = offsets.get(label.getSampleId());
            assertEquals(offset, label.getWindowStartUs());
            assertEquals(offset + want.t()[want.t().length - 1] + 1, label.getWindowEndUs());
            assertEquals(Integer.parseInt(label.getSampleId().substring(0, 1)), label.getLabel());
            assertEquals("nmnist-test", label.getSensorId());
        }
        assertEquals(new ArrayList<>(expected.keySet()), gotLabels.stream().map(LabelRecord::getSampleId).toList());
    }

    @Test
    void aTruncatedRecordingIsReportedWithItsOffsetAndTheOthersArePublished(@TempDir Path dir) throws Exception {
        Path source = ReplayPlanTest.shared().resolve("data/nmnist/Test/3");
        List<Path> samples;
        try (var list = Files.list(source)) {
            samples = list.sorted().limit(2).toList();
        }
        Files.createDirectories(dir.resolve("3"));
        Path good = Files.copy(samples.get(0), dir.resolve("3/a.bin"));
        byte[] bytes = Files.readAllBytes(samples.get(1));
        Files.write(dir.resolve("3/b.bin"), Arrays.copyOf(bytes, bytes.length - 2));
        Path loose = Files.write(dir.resolve("c.bin"), Arrays.copyOf(bytes, 5 * 100 + 3)); // unlabelled, truncated
        String events = TestKafka.topic("trunc-events", 1);
        String labels = TestKafka.topic("trunc-labels", 1);
        ReplaySummary summary;
        try (var producer = TestKafka.producer()) {
            summary = new Replayer(producer, ReplayOptions.defaults().withTopics(events, labels).withBatching(40, 0),
                new FakeReplayClock(), ReplayProgress.NONE).replay(ReplayPlan.of(List.of(dir), null));
        }
        int goodEvents = decode(good).t().length;
        assertEquals(1, summary.files());
        assertEquals(2, summary.failures().size());
        assertTrue(summary.failures().get(0).contains("b.bin") && summary.failures().get(0).contains("@ byte "),
            summary.failures().get(0));
        assertTrue(summary.failures().get(1).contains("c.bin @ byte 500: truncated record"), summary.failures().get(1));
        assertEquals(1, summary.labels(), "the truncated labelled sample publishes nothing, not even its label");
        // The decoder reports the damage from the read() call that reaches it, with none of that call's events; the
        // loose file is shorter than one read, so none of its events are published.
        assertEquals(goodEvents, summary.events());
        assertTrue(summary.line().endsWith("failed=2"), summary.line());
    }

    @Test
    void timeBatchesEndBeforeTheWindowIsFull() throws Exception {
        Path sample = ReplayPlanTest.shared().resolve("data/nmnist/Test/7");
        String events = TestKafka.topic("batch-us-events", 1);
        String labels = TestKafka.topic("batch-us-labels", 1);
        long batchUs = 10_000;
        ReplaySummary summary;
        try (var producer = TestKafka.producer()) {
            summary = new Replayer(producer, ReplayOptions.defaults().withTopics(events, labels)
                .withBatching(ReplayOptions.MAX_BATCH_EVENTS, batchUs), new FakeReplayClock(), ReplayProgress.NONE)
                .replay(ReplayPlan.of(List.of(sample), null));
        }
        EventBatchDecoder decoder = new EventBatchDecoder();
        List<SensorEvents> batches = new ArrayList<>();
        for (var r : TestKafka.readAll(events, (int) summary.batches())) {
            batches.add(decoder.decode(r));
        }
        assertEquals(summary.events(), batches.stream().mapToLong(SensorEvents::count).sum());
        for (int i = 0; i < batches.size(); i++) {
            SensorEvents b = batches.get(i);
            long first = b.timestampUs()[0];
            assertTrue(b.timestampUs()[b.count() - 1] - first < batchUs, "batch " + i + " spans less than 10 ms");
            if (i + 1 < batches.size() && b.sourceFile().equals(batches.get(i + 1).sourceFile())) {
                assertTrue(batches.get(i + 1).timestampUs()[0] - first >= batchUs,
                    "a batch ends only when the next event falls outside its window");
            }
        }
        // 10 N-MNIST samples of ~310 ms each: about 31 ten-millisecond windows per sample.
        assertTrue(summary.batches() >= 10 * 30 && summary.batches() <= 10 * 33, summary.line());
    }
}
