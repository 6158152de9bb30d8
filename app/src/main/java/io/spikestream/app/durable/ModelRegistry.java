package io.spikestream.app.durable;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.spikestream.learner.StreamLearner;
import io.spikestream.network.checkpoint.CheckpointException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The models of one pipeline instance and their durability: one {@link StreamLearner} per model id (the sensor id,
 * the records' Kafka key), created from the template on first sight or restored from its newest checkpoint, kept
 * resident in a Caffeine cache bounded by the bytes of their state.
 *
 * <p><b>Exactly once into the model.</b> A model remembers, per input partition, the offset after the last record
 * it applied; a record below it (read again after a crash or a partition move) is skipped. A record's effect is
 * durable once a checkpoint of its model is: only then is it acknowledged (so the source's commits never pass a
 * record whose effect could be lost), and only then does it stop holding back the partition's floor, which every
 * checkpoint records for recovery to resume from.
 *
 * <p><b>When.</b> A model is checkpointed when its stream time advanced by the policy's interval or it applied the
 * policy's number of events since its last checkpoint, when it is evicted from the cache (it comes back from that
 * checkpoint on its next record), when its partition is revoked, on clean shutdown, and when it has held records no
 * checkpoint contains for the policy's wall-clock bound ({@code checkpoint.max_dirty_ms}, see
 * {@link #checkpointOverdue}): the stream-time and event-count triggers need the model's own records, so without the
 * bound a sensor that goes quiet would keep its last records unacknowledged and pin its partition's committed offset
 * for good, whatever its neighbours on the partition do.
 *
 * <p>Not threadsafe: the learner thread only (Caffeine runs its maintenance and eviction on the calling thread).
 */
public final class ModelRegistry implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);

    /** Acknowledges one record to its source. */
    @FunctionalInterface
    public interface Ack {
        void acknowledge();
    }

    /** Told after every durable checkpoint (for progress reports and tests). */
    public record Written(ModelInfo info, List<InputPosition> positions, Path file, String reason) {
    }

    private final CheckpointStore store;
    private final Function<String, StreamLearner> template;
    private final DurabilityPolicy policy;
    private final InstantSource clock;
    private final PartitionFloors floors = new PartitionFloors();
    private final ConcurrentMap<String, Long> plannedVersions = new ConcurrentHashMap<>();
    private final Cache<String, ResidentModel> resident;
    private final ArrayDeque<ResidentModel> retiring = new ArrayDeque<>();
    private final List<Consumer<Written>> listeners = new ArrayList<>();
    private final List<java.util.function.BiConsumer<String, StreamLearner>> releaseListeners = new ArrayList<>();

    private long created;
    private long restored;
    private volatile long checkpoints;
    private long evicted;
    private long skipped;
    private final CheckpointExpiry expiry;
    private final WallClockDuties duties;
    private volatile long checkpointFailures;
    /** Wall-clock millis of the last durable checkpoint of any model; MIN_VALUE before the first. */
    private volatile long lastCheckpointMillis = Long.MIN_VALUE;

    public ModelRegistry(CheckpointStore store, Function<String, StreamLearner> template, DurabilityPolicy policy,
                         InstantSource clock) {
        this.store = store;
        this.template = template;
        this.policy = policy;
        this.clock = clock;
        this.expiry = new CheckpointExpiry(store, policy.expireAfterMillis());
        this.duties = new WallClockDuties(policy, clock, expiry, new WallClockDuties.Registry() {
            @Override
            public Collection<ResidentModel> residents() {
                return resident.asMap().values();
            }

            @Override
            public void checkpoint(ResidentModel m, String reason) {
                ModelRegistry.this.checkpoint(m, reason);
            }

            @Override
            public void releaseResident(ResidentModel m) {
                if (m.dirty()) {
                    ModelRegistry.this.checkpoint(m, "idle");
                }
                resident.invalidate(m.id);
                release(m);
            }

            @Override
            public void retireEvicted() {
                ModelRegistry.this.retireEvicted();
            }

            @Override
            public boolean isResident(String modelId) {
                return resident.getIfPresent(modelId) != null;
            }

            @Override
            public void forgetPlan(String modelId) {
                plannedVersions.remove(modelId);
            }
        });
        long budgetKiB = Math.max(1, policy.maxResidentBytes() >> 10);
        // Caffeine bounds by weight or by count, not both: every model weighs at least 1/max_models of the budget, so
        // at most max_models of them are resident however small they are (the heap each one holds is not weighed)
        long floorKiB = Math.max(1, (budgetKiB + policy.maxModels() - 1) / policy.maxModels());
        this.resident = Caffeine.newBuilder()
            .maximumWeight(budgetKiB)
            .weigher((String id, ResidentModel m) -> (int) Math.min(Integer.MAX_VALUE, Math.max(floorKiB, m.weightKiB)))
            .executor(Runnable::run)
            .evictionListener((String id, ResidentModel m, com.github.benmanes.caffeine.cache.RemovalCause cause) -> {
                if (m != null && cause.wasEvicted()) {
                    retiring.add(m);
                }
            })
            .build();
    }

    public CheckpointStore store() {
        return store;
    }

    /** Versions recovery planning chose per model (the consumer thread fills it; restores check against it). */
    public ConcurrentMap<String, Long> plannedVersionsView() {
        return plannedVersions;
    }

    public void addListener(Consumer<Written> l) {
        listeners.add(l);
    }

    /**
     * Told (model id, learner) just before a model leaves memory (evicted, its partition revoked or lost, or the
     * registry closed), while its learner is still open: whoever keeps a reference to it lets go (LearnerOutputs).
     */
    public void addReleaseListener(java.util.function.BiConsumer<String, StreamLearner> l) {
        releaseListeners.add(l);
    }

    private void release(ResidentModel m) {
        for (var l : releaseListeners) {
            l.accept(m.id, m.learner);
        }
        m.learner.close();
        m.closed = true;
    }

    // ------------------------------------------------------------------ records

    /**
     * Applies one record of model {@code modelId} read from {@code tp} at {@code offset} ({@code events} input events;
     * 0 for a label), unless the model already applied it; then checkpoints the model if the policy says so and
     * retires models the cache evicted. Returns false if the record was skipped as already applied.
     */
    public boolean apply(String modelId, TopicPartition tp, long offset, Ack ack, int events, Consumer<StreamLearner> effect) {
        ResidentModel m = acquire(modelId);
        m.lastUsedMillis = clock.millis();
        floors.received(tp, offset, m);
        Long next = m.next.get(tp);
        if (next != null && offset < next) {
            floors.durable(tp, offset);
            ack.acknowledge();
            skipped++;
            retireEvicted();
            return false;
        }
        try {
            effect.accept(m.learner);
        } catch (RuntimeException e) {
            // the learner threw part-way: the record reached the model (perhaps in part), so it counts as applied and
            // its acknowledgement (for a failed record: its dead letter) waits for a checkpoint like any other's.
            // Never applied twice: a restart before that checkpoint re-reads it from the previous one.
            markDirty(m);
            m.next.put(tp, offset + 1);
            m.pending.add(new ResidentModel.Pending(tp, offset, ack));
            throw e;
        }
        markDirty(m);
        m.next.put(tp, offset + 1);
        m.pending.add(new ResidentModel.Pending(tp, offset, ack));
        m.eventsSince += events;
        long now = m.learner.streamTimeUs();
        if (m.lastCheckpointStreamUs == Long.MIN_VALUE || now < m.lastCheckpointStreamUs) {
            // first record, or the sensor's clock went back (re-anchored): the interval counts from here, so a clock
            // jump never holds back checkpoints (and with them the acknowledgement of the sensor's offsets)
            m.lastCheckpointStreamUs = now;
        }
        String due = null;
        if (policy.intervalStreamUs() > 0 && now != Long.MIN_VALUE && now - m.lastCheckpointStreamUs >= policy.intervalStreamUs()) {
            due = "stream-time interval";
        } else if (policy.intervalEvents() > 0 && m.eventsSince >= policy.intervalEvents()) {
            due = "event count";
        }
        if (due != null) {
            checkpoint(m, due);
        }
        reweigh(m);
        retireEvicted();
        maintainIfDue();
        return true;
    }

    /**
     * Re-weighs a model after a record: its held events (a fast sensor, a label far in the future) grow and shrink
     * with the stream, so the weight measured at load would let the resident bound drift. Buffers keep their capacity,
     * so the weight changes only when one grows (or a checkpoint restore sized it): then Caffeine is told by a put of
     * the same entry, which may evict others (or this one) through the usual retiring path.
     */
    private void reweigh(ResidentModel m) {
        long kib = ResidentModel.measureKiB(m.learner);
        if (kib != m.weightKiB && !m.closed) {
            m.weightKiB = kib;
            // only while it is the resident entry: one already evicted waits in `retiring` and must not come back
            resident.asMap().replace(m.id, m, m);
        }
    }

    private void markDirty(ResidentModel m) {
        if (m.dirtySinceMillis == Long.MIN_VALUE) {
            m.dirtySinceMillis = clock.millis();
        }
    }

    /**
     * The wall-clock duties ({@link WallClockDuties}): overdue checkpoints, idle releases, expiry on disk, each at most
     * once per its period. Called after every record and by the pipeline's timer; cheap (clock reads) when nothing is due.
     */
    public void maintainIfDue() {
        duties.runDue();
    }

    /** How often the pipeline's timer should call {@link #maintainIfDue} (0: nothing to do on a timer). */
    public long maintenancePeriodMillis() {
        return duties.periodMillis();
    }

    /**
     * Releases every resident model that took no record for {@code models.idle_release_ms} of wall-clock time,
     * checkpointing it first if it changed (reason {@code idle}); its next record restores it from that checkpoint, so
     * nothing is lost, and the memory of sensors that went away is given back before {@code models.max_models} or
     * {@code models.max_resident_mb} would push out active ones. Returns how many it released.
     */
    public int releaseIdle() {
        return duties.releaseIdle();
    }

    /**
     * Removes from the store the directories of models whose newest checkpoint is older than
     * {@code checkpoint.expire_after_ms} of wall-clock time, never a resident model and never one whose removal would
     * move a partition's resume point back (see {@link CheckpointExpiry}). Returns how many directories it removed.
     */
    public int expireOnDisk() {
        return duties.expireOnDisk();
    }

    /**
     * Checkpoints every resident model that has held changes no checkpoint contains for {@code checkpoint.max_dirty_ms}
     * of wall-clock time or longer (reason {@code max dirty time}), which acknowledges its records. Runs also when no
     * record arrives at all (the pipeline's timer). Returns how many models it checkpointed.
     */
    public int checkpointOverdue() {
        return duties.checkpointOverdue();
    }

    private ResidentModel acquire(String modelId) {
        ResidentModel m = resident.get(modelId, this::load);
        if (m.closed) {
            throw new IllegalStateException("model '" + modelId + "' was closed while resident");
        }
        return m;
    }

    private ResidentModel load(String modelId) {
        StreamLearner learner = template.apply(modelId);
        try {
            Optional<CheckpointStore.Opened> opened = store.openNewest(modelId);
            if (opened.isEmpty()) {
                created++;
                if (expiry.cameBack(modelId)) {
                    LOG.info("model '{}': its checkpoints expired (checkpoint.expire_after_ms) and its sensor came back: "
                        + "starts afresh from the template", modelId);
                } else {
                    LOG.info("model '{}': no checkpoint in {}, created from the template", modelId, store.dir());
                }
                ResidentModel m = new ResidentModel(modelId, learner);
                m.lastUsedMillis = clock.millis();
                return m;
            }
            try (CheckpointStore.Opened o = opened.get()) {
                o.reader().requireShape(learner.checkpointShape());
                learner.restore(o.reader());
                Long planned = plannedVersions.get(modelId);
                if (planned != null && o.info().version() < planned) {
                    throw new IllegalStateException("model '" + modelId + "': recovery planned on checkpoint version " + planned
                        + " but only version " + o.info().version() + " can be read now; the partition was resumed for the "
                        + "newer one, so restoring the older one would lose records. Restart the instance.");
                }
                ResidentModel m = new ResidentModel(modelId, learner);
                m.lastUsedMillis = clock.millis();
                m.version = o.info().version();
                for (InputPosition p : o.positions()) {
                    m.next.put(new TopicPartition(p.topic(), p.partition()), p.next());
                }
                m.lastCheckpointStreamUs = learner.streamTimeUs();
                restored++;
                LOG.info("model '{}': restored checkpoint version {} ({}), stream time {} us, positions {}", modelId,
                    o.info().version(), o.entry().file(), o.info().streamTimeUs(), o.positions());
                if (m.weightKiB > resident.policy().eviction().map(e -> e.getMaximum()).orElse(Long.MAX_VALUE)) {
                    LOG.warn("model '{}' ({} KiB of state) alone exceeds models.max_resident_mb", modelId, m.weightKiB);
                }
                return m;
            }
        } catch (IOException e) {
            learner.close();
            throw new UncheckedIOException("model '" + modelId + "': " + e.getMessage(), e);
        } catch (RuntimeException e) {
            learner.close();
            throw e;
        }
    }

    private void retireEvicted() {
        ResidentModel m;
        while ((m = retiring.poll()) != null) {
            if (m.dirty()) {
                checkpoint(m, "eviction");
            }
            release(m);
            evicted++;
        }
    }

    // ------------------------------------------------------------------ checkpoints

    private void checkpoint(ResidentModel m, String reason) {
        List<InputPosition> positions = new ArrayList<>();
        m.next.forEach((tp, next) -> positions.add(new InputPosition(tp.topic(), tp.partition(), next, floors.floorExcluding(tp, m))));
        positions.sort((a, b) -> a.topic().equals(b.topic()) ? Integer.compare(a.partition(), b.partition()) : a.topic().compareTo(b.topic()));
        try {
            long version = store.nextVersion(m.id, m.version);
            ModelInfo info = new ModelInfo(m.id, version, m.learner.streamTimeUs(), m.learner.network().currentStep(), clock.millis());
            Path file = store.write(info, positions, m.learner);
            m.version = version;
            for (ResidentModel.Pending p : m.pending) {
                floors.durable(p.tp(), p.offset());
                p.ack().acknowledge();
            }
            m.pending.clear();
            m.eventsSince = 0;
            m.changedWithoutInput = false;
            m.dirtySinceMillis = Long.MIN_VALUE;
            m.lastCheckpointStreamUs = m.learner.streamTimeUs();
            checkpoints++;
            lastCheckpointMillis = clock.millis();
            Written w = new Written(info, positions, file, reason);
            for (Consumer<Written> l : listeners) {
                l.accept(w);
            }
        } catch (IOException e) {
            checkpointFailures++;
            throw new CheckpointWriteException("cannot checkpoint model '" + m.id + "' in " + store.dir() + ": " + e.getMessage(), e);
        } catch (InternalError e) {
            // a memory-mapped write faults (SIGBUS) when the file system has no room for the pages it touches; the
            // writer has deleted its temporary file. Still an Error: the process cannot go on safely, but say where.
            checkpointFailures++;
            throw new InternalError("cannot checkpoint model '" + m.id + "' in " + store.dir() + ": " + e.getMessage()
                + " (a memory-mapped checkpoint write faults like this when the file system is full)", e);
        }
    }

    /** Checkpoints every resident model that changed since its last checkpoint (clean shutdown). */
    public void checkpointAll(String reason) {
        for (ResidentModel m : new ArrayList<>(resident.asMap().values())) {
            if (m.dirty()) {
                checkpoint(m, reason);
            }
        }
        retireEvicted();
    }

    /**
     * Runs {@code action} on every resident model (e.g. the end-of-stream {@code finish}); the models then count as
     * changed, so the next {@link #checkpointAll} writes them.
     */
    public void forEachResident(Consumer<StreamLearner> action) {
        for (ResidentModel m : new ArrayList<>(resident.asMap().values())) {
            action.accept(m.learner);
            m.changedWithoutInput = true;
            markDirty(m);
        }
    }

    /**
     * End of a finite stream ({@code learn --until-end}): every model of {@code partitions} finishes what it holds
     * (events waiting for a window's end or a label) and is checkpointed: the resident ones, and those that only have a
     * checkpoint reading one of these partitions (restored one by one; the cache's bounds hold, evicted ones are
     * checkpointed as they go). Without the latter, a run with nothing left to read would restore no model and leave
     * the open windows of an earlier run unfinished. Returns how many models it finished.
     */
    public int finishAll(Collection<TopicPartition> partitions, String reason) {
        Set<String> finished = new java.util.HashSet<>(residentIds());
        forEachResident(StreamLearner::finish);
        Set<TopicPartition> held = Set.copyOf(partitions);
        List<String> stored = new ArrayList<>();
        try {
            for (String id : store.models()) {
                if (finished.contains(id)) {
                    continue;
                }
                Optional<CheckpointStore.Inspection> in = store.newestValid(id);
                if (in.isPresent() && in.get().positions().stream()
                    .anyMatch(p -> held.contains(new TopicPartition(p.topic(), p.partition())))) {
                    stored.add(id);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the models of " + store.dir() + ": " + e.getMessage(), e);
        }
        for (String id : stored) {
            ResidentModel m = acquire(id);
            m.learner.finish();
            m.changedWithoutInput = true;
            markDirty(m);
            finished.add(id);
            retireEvicted(); // a model the cache pushed out is checkpointed finished
        }
        checkpointAll(reason);
        return finished.size();
    }

    /**
     * Partitions were revoked (checkpoint their models and let them go: the next owner restores them) or lost
     * (let them go without writing: another instance may own them already).
     */
    public void partitionsRevoked(Collection<TopicPartition> partitions, boolean lost) {
        Set<TopicPartition> gone = Set.copyOf(partitions);
        int moved = 0;
        for (ResidentModel m : new ArrayList<>(resident.asMap().values())) {
            boolean affected = m.next.keySet().stream().anyMatch(gone::contains)
                || m.pending.stream().anyMatch(p -> gone.contains(p.tp()));
            if (!affected) {
                continue;
            }
            if (!lost && m.dirty()) {
                checkpoint(m, "partition revoked");
            }
            resident.invalidate(m.id);
            release(m);
            moved++;
        }
        for (TopicPartition tp : gone) {
            floors.forget(tp);
        }
        retireEvicted();
        if (moved > 0) {
            LOG.info("partitions {} {}: {} model(s) {}", gone, lost ? "lost" : "revoked", moved,
                lost ? "dropped without checkpoint (their next owner restores the last durable one)" : "checkpointed and released");
        }
    }

    // ------------------------------------------------------------------ inspection

    /** The resident learner of a model, if any (tests, reports). */
    public Optional<StreamLearner> resident(String modelId) {
        ResidentModel m = resident.getIfPresent(modelId);
        return m == null ? Optional.empty() : Optional.of(m.learner);
    }

    public Set<String> residentIds() {
        return Set.copyOf(resident.asMap().keySet());
    }

    /** Bytes of state of the resident models (their weights in the cache, in KiB, times 1024). */
    public long residentBytes() {
        long kib = 0;
        for (ResidentModel m : resident.asMap().values()) {
            kib += m.weightKiB;
        }
        return kib << 10;
    }

    /** Records of {@code tp} received and not yet durable. */
    public int pendingRecords(TopicPartition tp) {
        return floors.pending(tp);
    }

    public long created() {
        return created;
    }

    public long restored() {
        return restored;
    }

    public long checkpoints() {
        return checkpoints;
    }

    public long evicted() {
        return evicted;
    }

    /** Checkpoints that could not be written (each stops the pipeline). */
    public long checkpointFailures() {
        return checkpointFailures;
    }

    /** Wall-clock millis of the newest durable checkpoint of any model; {@link Long#MIN_VALUE} before the first. */
    public long lastCheckpointMillis() {
        return lastCheckpointMillis;
    }

    /** Checkpoints written because a model stayed dirty for {@code checkpoint.max_dirty_ms}. */
    public long overdueCheckpoints() {
        return duties.overdueCheckpoints();
    }

    /**
     * Wall-clock millis since the oldest change of a resident model that no checkpoint contains yet (0 when every
     * resident model is clean): what {@code checkpoint.max_dirty_ms} bounds.
     */
    public long oldestDirtyMillis() {
        long now = clock.millis();
        long oldest = 0;
        for (ResidentModel m : resident.asMap().values()) { // a concurrent view: metrics read it from their own thread
            long since = m.dirtySinceMillis;
            if (since != Long.MIN_VALUE) {
                oldest = Math.max(oldest, now - since);
            }
        }
        return oldest;
    }

    /** Wall-clock millis since the newest durable checkpoint of any model, or -1 before the first. Threadsafe. */
    public long checkpointAgeMillis() {
        long last = lastCheckpointMillis;
        return last == Long.MIN_VALUE ? -1 : Math.max(0, clock.millis() - last);
    }

    /** Models released from memory after {@code models.idle_release_ms} without a record. Threadsafe. */
    public long idleReleased() {
        return duties.idleReleased();
    }

    /** Model directories removed from the store after {@code checkpoint.expire_after_ms}. Threadsafe. */
    public long expired() {
        return expiry.expired();
    }

    /** Models created afresh under an id whose checkpoints this instance had expired. Threadsafe. */
    public long returnedAfterExpiry() {
        return expiry.returned();
    }

    /** Records skipped because their model had already applied them. */
    public long skipped() {
        return skipped;
    }

    /** Runs Caffeine's pending maintenance now (evictions happen on the calling thread). */
    public void cleanUp() {
        resident.cleanUp();
        retireEvicted();
    }

    @Override
    public void close() {
        for (ResidentModel m : new ArrayList<>(resident.asMap().values())) {
            release(m);
        }
        resident.invalidateAll();
        retiring.clear();
    }

}
