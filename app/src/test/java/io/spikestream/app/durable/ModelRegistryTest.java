package io.spikestream.app.durable;

import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;
import io.spikestream.app.learn.TestStreams;
import io.spikestream.ingest.kafka.PartitionHook;
import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.CheckpointWriter;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry without a broker: records are (partition, offset, model, stream call); a "crash" drops a registry
 * without its shutdown checkpoint, and recovery resumes where the checkpoints say. Every record must reach its
 * model exactly once: the final state equals that of a run that never stopped.
 */
class ModelRegistryTest {

    static final TopicPartition P = new TopicPartition("events", 0);
    static final InstantSource CLOCK = InstantSource.fixed(java.time.Instant.parse("2026-01-01T00:00:00Z"));

    record Rec(String model, Consumer<StreamLearner> call, int events) {
    }

    static Settings settings(String... extra) throws Exception {
        List<String> o = new ArrayList<>(List.of("network.n_rec=30", "time.lateness_us=50000", "checkpoint.interval_stream_ms=0",
            "checkpoint.interval_events=1500", "checkpoint.keep=3"));
        o.addAll(List.of(extra));
        return Settings.load(List.of(), o);
    }

    /** Interleaves the streams of several sensors record by record (one partition, as keys hashing together). */
    static List<Rec> interleaved(int sensors, int samplesEach) throws Exception {
        List<List<Rec>> per = new ArrayList<>();
        for (int s = 0; s < sensors; s++) {
            List<Rec> l = new ArrayList<>();
            for (TestStreams.Call c : TestStreams.nmnist(samplesEach, 900, 1000, s * 3)) {
                l.add(new Rec("cam-" + s, c.call(), c.events()));
            }
            per.add(l);
        }
        List<Rec> out = new ArrayList<>();
        for (int i = 0; ; i++) {
            boolean any = false;
            for (List<Rec> l : per) {
                if (i < l.size()) {
                    out.add(l.get(i));
                    any = true;
                }
            }
            if (!any) {
                return out;
            }
        }
    }

    static StreamLearner learner(Settings s) {
        try {
            return new StreamLearner(s, p -> { });
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] state(StreamLearner l) {
        CheckpointWriter w = new CheckpointWriter(l.checkpointShape());
        l.addCheckpointSections(w);
        return w.toBytes();
    }

    /** Reference: each model alone, never stopped. */
    static Map<String, byte[]> reference(Settings s, List<Rec> recs) throws Exception {
        Map<String, StreamLearner> ls = new HashMap<>();
        for (Rec r : recs) {
            StreamLearner l = ls.computeIfAbsent(r.model(), m -> learner(s));
            r.call().accept(l);
        }
        Map<String, byte[]> out = new HashMap<>();
        for (Map.Entry<String, StreamLearner> e : ls.entrySet()) {
            e.getValue().finish();
            out.put(e.getKey(), state(e.getValue()));
            e.getValue().close();
        }
        return out;
    }

    static ModelRegistry registry(Path dir, Settings s) throws Exception {
        DurabilityPolicy policy = DurabilityPolicy.from(s);
        CheckpointStore store = CheckpointStore.open(dir, policy.keep(), CLOCK);
        return new ModelRegistry(store, id -> learner(s), policy, CLOCK);
    }

    /** Feeds records [from, to) with offsets = their index; returns the offsets acknowledged. */
    static List<Long> feed(ModelRegistry r, List<Rec> recs, long from, long to) {
        List<Long> acked = new ArrayList<>();
        for (long o = from; o < to; o++) {
            Rec rec = recs.get((int) o);
            long off = o;
            r.apply(rec.model(), P, o, () -> acked.add(off), rec.events(), rec.call());
        }
        return acked;
    }

    /** Finishes every model (evicted ones come back), checkpoints all, and reads each model's state back. */
    static Map<String, byte[]> finishAll(ModelRegistry r, List<Rec> recs, Settings s) throws Exception {
        List<String> ids = recs.stream().map(Rec::model).distinct().toList();
        for (String id : ids) {
            r.apply(id, new TopicPartition("finish", 0), 0, () -> { }, 0, StreamLearner::finish);
        }
        r.checkpointAll("test");
        Map<String, byte[]> out = new HashMap<>();
        for (String id : ids) {
            try (CheckpointStore.Opened o = r.store().openNewest(id).orElseThrow(); StreamLearner l = learner(s)) {
                l.restore(o.reader());
                out.put(id, state(l));
            }
        }
        return out;
    }

    static Long resumeAt(ModelRegistry r) throws Exception {
        return r.store().plan(List.of(P)).resumeAt(P);
    }

    @Test
    void crashesAtManyPointsLoseAndDoubleNothing(@TempDir Path dir) throws Exception {
        Settings s = settings();
        List<Rec> recs = interleaved(2, 3);
        Map<String, byte[]> expected = reference(s, recs);
        int n = recs.size();
        for (int crash : new int[] {1, 5, n / 3, n / 2, n - 1}) {
            Path d = dir.resolve("crash-" + crash);
            ModelRegistry first = registry(d, s);
            List<Long> acked = feed(first, recs, 0, crash);
            first.close(); // a crash: no shutdown checkpoint
            ModelRegistry second = registry(d, s);
            Long resume = resumeAt(second);
            long from = resume == null ? 0 : resume;
            assertTrue(from <= crash, "resume " + from + " after a crash at " + crash);
            // what the source may commit (the acknowledged prefix) never passes where recovery resumes
            long prefix = 0;
            while (acked.contains(prefix)) {
                prefix++;
            }
            assertTrue(prefix <= from, "committable " + prefix + " beyond the resume offset " + from);
            feed(second, recs, from, n);
            Map<String, byte[]> got = finishAll(second, recs, s);
            for (String id : expected.keySet()) {
                assertArrayEquals(expected.get(id), got.get(id), "model " + id + " after a crash at record " + crash);
            }
            assertTrue(second.skipped() + second.checkpoints() > 0);
            second.close();
        }
    }

    @Test
    void evictedModelsComeBackFromTheirCheckpoints(@TempDir Path dir) throws Exception {
        Settings probe = settings();
        long oneModelMb;
        try (StreamLearner l = learner(probe)) {
            oneModelMb = l.network().checkpointBytes();
        }
        // room for about one and a half models: three interleaved sensors keep evicting each other
        Settings s = settings("models.max_resident_mb=" + (1.5 * oneModelMb / (1024.0 * 1024.0)));
        List<Rec> recs = interleaved(3, 2);
        Map<String, byte[]> expected = reference(s, recs);
        try (ModelRegistry r = registry(dir, s)) {
            List<Long> acked = feed(r, recs, 0, recs.size());
            r.cleanUp();
            assertTrue(r.evicted() > 5, "evictions: " + r.evicted());
            assertTrue(r.restored() > 5, "restores: " + r.restored());
            assertTrue(r.residentBytes() <= 1.5 * oneModelMb + 4096, "resident " + r.residentBytes());
            Map<String, byte[]> got = finishAll(r, recs, s);
            for (String id : expected.keySet()) {
                assertArrayEquals(expected.get(id), got.get(id), "model " + id + " through evictions");
            }
            assertEquals(acked.stream().distinct().count(), acked.size(), "each record acknowledged once");
        }
    }

    /** One record of {@code n} events of sensor pixels spread over {@code spanUs} from {@code t0}, no label. */
    static Consumer<StreamLearner> burst(int n, long t0, long spanUs) {
        int[] x = new int[n];
        int[] y = new int[n];
        byte[] p = new byte[n];
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            x[i] = i % 34;
            y[i] = (i / 34) % 34;
            p[i] = (byte) (i & 1);
            t[i] = t0 + i * spanUs / n;
        }
        return l -> l.onEvents(x, y, p, t, n);
    }

    @Test
    void aModelWhoseHeldEventsGrowIsReweighedAndPushesOthersOut(@TempDir Path dir) throws Exception {
        Settings s0 = settings("time.mode=per_window");
        long oneModel;
        try (StreamLearner l = learner(s0)) {
            oneModel = l.network().checkpointBytes() + l.heldBytes();
        }
        // room for four idle models; one sensor then buffers unlabelled events (held until time.lateness_us passes):
        // its buffers grow to between 1.2 and 2.4 models' worth, so it still fits alone but not beside the three others
        long budget = 4 * oneModel;
        int cap = 4096;
        while (cap * 12L <= 1.2 * oneModel) {
            cap *= 2;
        }
        Settings s = settings("time.mode=per_window", "checkpoint.interval_events=0",
            "models.max_resident_mb=" + (budget / (1024.0 * 1024.0)));
        try (ModelRegistry r = registry(dir, s)) {
            for (int m = 0; m < 4; m++) {
                r.apply("cam-" + m, P, m, () -> { }, 10, burst(10, 1_000, 5_000));
            }
            r.cleanUp();
            assertEquals(0, r.evicted(), "four small models fit");
            r.apply("cam-3", P, 4, () -> { }, cap, burst(cap, 10_000, 40_000));
            r.cleanUp();
            // weighed once at load (as before), nothing would be evicted: the four weights would not have changed
            assertTrue(r.evicted() >= 1, "the grown model pushes others out: evicted " + r.evicted());
            assertTrue(r.residentBytes() <= budget + 4096, "resident " + r.residentBytes() + " of " + budget);
        }
    }

    @Test
    void aDamagedNewestCheckpointFallsBackAndRereadsWhatItLost(@TempDir Path dir) throws Exception {
        Settings s = settings();
        List<Rec> recs = interleaved(1, 4);
        Map<String, byte[]> expected = reference(s, recs);
        int crash = recs.size() - 2;
        ModelRegistry first = registry(dir, s);
        feed(first, recs, 0, crash);
        first.close();
        List<CheckpointStore.Entry> versions = first.store().versions("cam-0");
        assertTrue(versions.size() >= 2, "need a fallback: " + versions);
        Path newest = versions.get(0).file();
        byte[] bytes = Files.readAllBytes(newest);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(newest, bytes);
        ModelRegistry second = registry(dir, s);
        CheckpointStore.RecoveryPlan plan = second.store().plan(List.of(P));
        assertEquals(versions.get(1).version(), plan.versions().get("cam-0"), "planned on the previous good version");
        long from = plan.resumeAt(P);
        assertTrue(from < crash);
        feed(second, recs, from, recs.size());
        assertArrayEquals(expected.get("cam-0"), finishAll(second, recs, s).get("cam-0"));
        second.close();
    }

    @Test
    void aCheckpointOfAnotherShapeStopsRecoveryWithAClearError(@TempDir Path dir) throws Exception {
        List<Rec> recs = interleaved(1, 2);
        try (ModelRegistry first = registry(dir, settings())) {
            feed(first, recs, 0, recs.size());
            first.checkpointAll("test");
        }
        try (ModelRegistry other = registry(dir, settings("network.n_rec=31"))) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> feed(other, recs, 0, 1));
            CheckpointException ce = (CheckpointException) e.getCause();
            assertEquals(CheckpointException.Kind.INCOMPATIBLE_SHAPE, ce.kind());
            assertTrue(ce.getMessage().contains("n_rec"), ce.getMessage());
        }
    }

    @Test
    void recoveryRefusesAMissingStoreAndRetentionGaps(@TempDir Path dir) throws Exception {
        Settings s = settings();
        DurabilityPolicy policy = DurabilityPolicy.from(s);
        Path missing = dir.resolve("never-created");
        CheckpointStore fresh = CheckpointStore.open(missing, 3, CLOCK);
        assertTrue(fresh.createdNow());
        RecoveryHook hook = new RecoveryHook(fresh, "group-g", policy, new java.util.concurrent.ConcurrentHashMap<>(), null);
        // a first start: nothing committed, nothing checkpointed
        assertEquals(Map.of(), hook.startOffsets(List.of(P), new PartitionHook.Offsets(Map.of(), Map.of(P, 0L), Map.of(P, 50L))));
        // the group committed offsets but the store is empty: the learned state is missing
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> hook.startOffsets(List.of(P),
            new PartitionHook.Offsets(Map.of(P, 40L), Map.of(P, 0L), Map.of(P, 50L))));
        assertTrue(e.getMessage().contains("group-g") && e.getMessage().contains("committed offset 40")
            && e.getMessage().contains("Refusing a silent fresh start"), e.getMessage());

        List<Rec> recs = interleaved(1, 2);
        try (ModelRegistry r = registry(dir.resolve("store"), s)) {
            feed(r, recs, 0, 10);
            r.checkpointAll("test");
        }
        CheckpointStore store = CheckpointStore.open(dir.resolve("store"), 3, CLOCK);
        RecoveryHook failing = new RecoveryHook(store, "g", policy, new java.util.concurrent.ConcurrentHashMap<>(), null);
        assertEquals(Map.of(P, 10L), failing.startOffsets(List.of(P), new PartitionHook.Offsets(Map.of(P, 10L), Map.of(P, 0L), Map.of(P, 30L))));
        IllegalStateException gap = assertThrows(IllegalStateException.class, () -> failing.startOffsets(List.of(P),
            new PartitionHook.Offsets(Map.of(P, 10L), Map.of(P, 14L), Map.of(P, 30L))));
        assertTrue(gap.getMessage().contains("resume at offset 10") && gap.getMessage().contains("log starts at 14")
            && gap.getMessage().contains("4 record(s)"), gap.getMessage());
        RecoveryHook skipping = new RecoveryHook(store, "g", DurabilityPolicy.from(settings("checkpoint.on_retention_gap=skip")),
            new java.util.concurrent.ConcurrentHashMap<>(), null);
        assertEquals(Map.of(P, 14L), skipping.startOffsets(List.of(P), new PartitionHook.Offsets(Map.of(), Map.of(P, 14L), Map.of(P, 30L))));
        assertEquals(4, skipping.lostToRetention());
    }

    @Test
    void storeKeepsTheNewestVersionsUnderEscapedIds(@TempDir Path dir) throws Exception {
        for (String id : List.of("cam-1", "../x", "a b/c", "é", "", ".")) {
            String enc = CheckpointStore.encode(id);
            assertTrue(enc.matches("[A-Za-z0-9_%-]+"), enc);
            assertEquals(id, CheckpointStore.decode(enc));
        }
        assertEquals(null, CheckpointStore.decode(".."));
        Settings s = settings("checkpoint.interval_events=200", "checkpoint.keep=2");
        List<Rec> recs = interleaved(1, 2);
        try (ModelRegistry r = registry(dir, s)) {
            feed(r, recs, 0, recs.size());
            assertTrue(r.checkpoints() >= 3, "checkpoints: " + r.checkpoints());
            List<CheckpointStore.Entry> v = r.store().versions("cam-0");
            assertEquals(2, v.size(), "older versions pruned: " + v);
            assertEquals(r.checkpoints(), v.get(0).version());
        }
    }

    /** A wall clock the test moves by hand. */
    static final class ManualClock implements InstantSource {
        long millis = 1_767_225_600_000L;

        @Override
        public java.time.Instant instant() {
            return java.time.Instant.ofEpochMilli(millis);
        }
    }

    /**
     * checkpoint.max_dirty_ms: a sensor that goes quiet after a few records is checkpointed once the wall clock passed
     * the bound, so its records are acknowledged and the partition's committed prefix (what the source may commit)
     * moves past them; with the bound off, the same stream leaves the quiet sensor's first record unacknowledged for
     * good and the prefix never passes it.
     */
    @Test
    void aQuietSensorIsCheckpointedWithinTheWallClockBound(@TempDir Path dir) throws Exception {
        List<Rec> quiet = interleaved(1, 1).subList(0, 2).stream().map(r -> new Rec("quiet", r.call(), r.events())).toList();
        List<Rec> busy = interleaved(1, 3).stream().map(r -> new Rec("busy", r.call(), r.events())).toList();
        List<Rec> recs = new ArrayList<>(quiet);
        recs.addAll(busy);
        for (boolean bounded : new boolean[] {true, false}) {
            // no stream-time or event-count trigger that the busy sensor alone could not also reach quickly
            Settings s = settings("checkpoint.interval_events=4000", "checkpoint.max_dirty_ms=" + (bounded ? 1000 : 0));
            ManualClock clock = new ManualClock();
            DurabilityPolicy policy = DurabilityPolicy.from(s);
            CheckpointStore store = CheckpointStore.open(dir.resolve("bounded-" + bounded), policy.keep(), clock);
            List<Long> acked = new ArrayList<>();
            List<String> reasons = new ArrayList<>();
            try (ModelRegistry r = new ModelRegistry(store, id -> learner(s), policy, clock)) {
                r.addListener(w -> reasons.add(w.info().modelId() + ":" + w.reason()));
                for (int o = 0; o < recs.size(); o++) {
                    long off = o;
                    r.apply(recs.get(o).model(), P, o, () -> acked.add(off), recs.get(o).events(), recs.get(o).call());
                    clock.millis += 100; // a record every 100 ms of wall-clock time
                }
                long prefix = 0;
                while (acked.contains(prefix)) {
                    prefix++;
                }
                if (bounded) {
                    assertTrue(reasons.contains("quiet:max dirty time"), reasons.toString());
                    assertTrue(prefix > quiet.size(), "committable prefix " + prefix + " stays behind the quiet sensor");
                    assertTrue(r.overdueCheckpoints() >= 1);
                    // the bound, plus at most one scan period (250 ms) and one record's gap (100 ms)
                    assertTrue(r.oldestDirtyMillis() < 1000 + 250 + 100, "oldest dirty " + r.oldestDirtyMillis());
                } else {
                    assertEquals(0, prefix, "without the bound the quiet sensor's first record pins the partition");
                    assertEquals(0, r.overdueCheckpoints());
                    assertEquals(recs.size() * 100L, r.oldestDirtyMillis(), "dirty since the quiet sensor's first record");
                }
                // a partition where nothing arrives at all: the timer's scan alone checkpoints what is overdue
                clock.millis += 5_000;
                int written = r.checkpointOverdue();
                if (bounded) {
                    assertEquals(0, r.oldestDirtyMillis(), "every model checkpointed by the scan");
                    assertEquals(0, r.pendingRecords(P));
                } else {
                    assertEquals(0, written);
                    assertEquals(recs.size() * 100L + 5_000, r.oldestDirtyMillis());
                }
            }
        }
    }

    /** models.max_models bounds the resident models by count however small they are; evicted ones come back intact. */
    @Test
    void maxModelsBoundsTheResidentModelsByCount(@TempDir Path dir) throws Exception {
        Settings s = settings("models.max_models=2");
        List<Rec> recs = interleaved(3, 1);
        Map<String, byte[]> expected = reference(s, recs);
        List<String> released = new ArrayList<>();
        try (ModelRegistry r = registry(dir, s)) {
            r.addReleaseListener((id, l) -> released.add(id));
            for (int o = 0; o < recs.size(); o++) {
                r.apply(recs.get(o).model(), P, o, () -> { }, recs.get(o).events(), recs.get(o).call());
                r.cleanUp();
                assertTrue(r.residentIds().size() <= 2, "resident " + r.residentIds());
            }
            assertTrue(r.evicted() > 5, "evictions: " + r.evicted());
            assertEquals(r.evicted(), released.size(), "every eviction told before the learner closed");
            Map<String, byte[]> got = finishAll(r, recs, s);
            for (String id : expected.keySet()) {
                assertArrayEquals(expected.get(id), got.get(id), "model " + id + " through count evictions");
            }
        }
    }
    /** One event of a tiny sensor at stream time {@code tUs}. */
    static Consumer<StreamLearner> oneEvent(long tUs) {
        return l -> l.onEvents(new int[] {1}, new int[] {2}, new byte[] {1}, new long[] {tUs}, 1);
    }

    /**
     * models.idle_release_ms and checkpoint.expire_after_ms with many sensor ids and a hand-moved wall clock: 1,000
     * sensors send one record each and go quiet while one sensor stays busy. After the idle bound every quiet model is
     * checkpointed and out of memory (a returning one comes back from its checkpoint); after the expiry bound their
     * directories are gone, the partition's resume point is where it was, and a sensor that comes back starts afresh and
     * is counted. On a second partition whose sensors all went quiet, the one whose checkpoint carries the partition's
     * resume point stays on disk, so recovery still finds it.
     */
    @Test
    void idleModelsLeaveMemoryAndTheirCheckpointsExpireWithoutMovingAnyResumePointBack(@TempDir Path dir) throws Exception {
        int quiet = 1_000;
        Settings s = Settings.load(List.of(), List.of("sensor.width=4", "sensor.height=4", "network.n_rec=4",
            "checkpoint.interval_stream_ms=0", "checkpoint.interval_events=0", "checkpoint.keep=1",
            "checkpoint.max_dirty_ms=1000", "models.idle_release_ms=60000", "checkpoint.expire_after_ms=86400000"));
        ManualClock clock = new ManualClock();
        DurabilityPolicy policy = DurabilityPolicy.from(s);
        CheckpointStore store = CheckpointStore.open(dir, policy.keep(), clock);
        TopicPartition q = new TopicPartition("events", 1);
        List<String> released = new ArrayList<>();
        try (ModelRegistry r = new ModelRegistry(store, id -> learner(s), policy, clock)) {
            r.addReleaseListener((id, l) -> released.add(id));
            long offset = 0;
            for (int i = 0; i < quiet; i++) {
                r.apply("quiet-" + i, P, offset++, () -> { }, 1, oneEvent(1000));
                clock.millis += 10;
            }
            r.apply("q-0", q, 0, () -> { }, 1, oneEvent(1000));
            r.apply("q-1", q, 1, () -> { }, 1, oneEvent(1000));
            long busyUs = 1000;
            // one minute and a bit, the busy sensor sending a record a second: everything else goes idle
            for (int sec = 0; sec < 75; sec++) {
                clock.millis += 1000;
                r.apply("busy", P, offset++, () -> { }, 1, oneEvent(busyUs += 1000));
                r.maintainIfDue();
            }
            assertEquals(quiet + 2, r.idleReleased(), "every quiet model released once idle");
            assertEquals(java.util.Set.of("busy"), r.residentIds());
            assertEquals(quiet + 2, released.size());
            assertEquals(0, r.oldestDirtyMillis() > 1000 ? 1 : 0, "checkpointed before leaving memory");
            assertEquals(quiet + 3, store.models().size(), "every model on disk");

            // one comes back within the expiry bound: restored from its checkpoint, not afresh
            long restoredBefore = r.restored();
            r.apply("quiet-7", P, offset++, () -> { }, 1, oneEvent(2000));
            assertEquals(restoredBefore + 1, r.restored());
            assertEquals(0, r.returnedAfterExpiry());

            // a day and more later (the busy sensor still busy): the quiet ones' directories expire
            for (int h = 0; h < 26; h++) {
                clock.millis += 3_600_000;
                r.apply("busy", P, offset++, () -> { }, 1, oneEvent(busyUs += 1000));
                r.maintainIfDue();
            }
            clock.millis += 1000; // the busy sensor's last record checkpointed by the max dirty time
            r.maintainIfDue();
            Long resumeP = r.store().plan(List.of(P)).resumeAt(P);
            Long resumeQ = r.store().plan(List.of(q)).resumeAt(q);
            r.expireOnDisk();
            assertEquals(quiet + 1, r.expired(), "the quiet sensors of P, and one of Q's two");
            java.util.Set<String> left = store.models();
            assertEquals(2, left.size(), left.toString());
            assertTrue(left.contains("busy"), left.toString());
            String keptOfQ = left.stream().filter(id -> id.startsWith("q-")).findFirst().orElseThrow();
            assertEquals(resumeQ, store.newestValid(keptOfQ).orElseThrow().positions().getFirst().floor(),
                "the model whose checkpoint carries Q's resume point stays");
            try (var files = Files.list(dir)) {
                assertEquals(2, files.count(), "the expired directories are removed, not just emptied");
            }
            assertEquals(resumeP, r.store().plan(List.of(P)).resumeAt(P), "P resumes where it did");
            assertEquals(resumeQ, r.store().plan(List.of(q)).resumeAt(q), "Q resumes where it did");
            assertEquals(0, r.expireOnDisk(), "nothing more can go");

            // a sensor that comes back after expiry starts afresh, and is counted
            long createdBefore = r.created();
            r.apply("quiet-3", P, offset++, () -> { }, 1, oneEvent(5000));
            assertEquals(createdBefore + 1, r.created());
            assertEquals(1, r.returnedAfterExpiry());
            assertEquals(1, r.resident("quiet-3").orElseThrow().counters().eventsIn, "nothing of its old state");
        }
    }

    /** checkpoint.expire_after_ms must leave a model time to be checkpointed and released first. */
    @Test
    void expiryShorterThanTheOtherBoundsIsRefused() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DurabilityPolicy.from(
            Settings.load(List.of(), List.of("models.idle_release_ms=60000", "checkpoint.expire_after_ms=60000"))));
        assertTrue(e.getMessage().contains("checkpoint.expire_after_ms"), e.getMessage());
    }
}
