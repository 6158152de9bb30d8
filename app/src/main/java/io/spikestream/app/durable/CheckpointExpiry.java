package io.spikestream.app.durable;

import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Expiry of model directories in a checkpoint store ({@code checkpoint.expire_after_ms}): a deployment whose sensors
 * come and go must not fill its disk with the models of sensors that never come back. A model's age is the write time
 * of its newest checkpoint ({@link ModelInfo#createdMs}), which a model that takes records renews at least every
 * {@code checkpoint.max_dirty_ms}. A sensor that comes back after its directory went starts afresh (logged; counted by
 * {@link #returned} while this instance remembers the id, the last {@link #EXPIRED_IDS_KEPT}).
 *
 * <p>Never a resident model, and never one whose removal would move a partition's resume point back: recovery resumes
 * a partition at the largest floor any model's newest checkpoint records, so a model is removed only when, for every
 * partition it read, another remaining model's checkpoint records a floor at or past this model's next offset there.
 * Otherwise recovery would read the expired model's last records again into a fresh model, or find no checkpoint at all
 * for a partition whose sensors all went quiet and refuse to start. So the disk holds the models in use plus, per
 * partition that went quiet as a whole, the one that checkpointed last.
 *
 * <p>Used on the learner thread (by {@link ModelRegistry}); the counters are read from any thread.
 */
final class CheckpointExpiry {

    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);

    /** Expired ids remembered to recognise a sensor that comes back (a few dozen bytes each). */
    static final int EXPIRED_IDS_KEPT = 100_000;

    private final CheckpointStore store;
    private final long expireAfterMillis;
    /** Ids whose directories this instance removed (insertion order, bounded). Forgotten on restart. */
    private final Map<String, Boolean> expiredIds = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > EXPIRED_IDS_KEPT;
        }
    };
    private volatile long expired;
    private volatile long returned;

    CheckpointExpiry(CheckpointStore store, long expireAfterMillis) {
        this.store = store;
        this.expireAfterMillis = expireAfterMillis;
    }

    /**
     * Removes every model directory whose newest checkpoint is older than the bound at {@code now}, unless
     * {@code resident} says the model is in memory or its removal would move a partition's resume point back;
     * {@code removed} is told each removed id. Returns how many it removed. A store that cannot be read is logged and
     * left for the next scan (not worth stopping the learner for).
     */
    int expire(long now, Predicate<String> resident, Consumer<String> removed) {
        if (expireAfterMillis <= 0) {
            return 0;
        }
        Map<String, CheckpointStore.Inspection> newest = new LinkedHashMap<>();
        // per partition, the floors of the newest checkpoints of the models that remain (a multiset: floor -> count)
        Map<TopicPartition, TreeMap<Long, Integer>> floorsOf = new HashMap<>();
        try {
            for (String id : store.models()) {
                store.newestValid(id).ifPresent(in -> {
                    newest.put(id, in);
                    for (InputPosition p : in.positions()) {
                        if (p.floor() >= 0) {
                            floorsOf.computeIfAbsent(new TopicPartition(p.topic(), p.partition()), k -> new TreeMap<>())
                                .merge(p.floor(), 1, Integer::sum);
                        }
                    }
                });
            }
            int n = 0;
            long freed = 0;
            for (Map.Entry<String, CheckpointStore.Inspection> e : newest.entrySet()) {
                String id = e.getKey();
                CheckpointStore.Inspection in = e.getValue();
                if (now - in.info().createdMs() < expireAfterMillis || resident.test(id)
                    || !removableWithoutMovingBack(in.positions(), floorsOf)) {
                    continue;
                }
                freed += store.deleteModel(id);
                for (InputPosition p : in.positions()) {
                    if (p.floor() >= 0) {
                        floorsOf.get(new TopicPartition(p.topic(), p.partition())).merge(p.floor(), -1,
                            (a, b) -> a + b == 0 ? null : a + b);
                    }
                }
                expiredIds.put(id, Boolean.TRUE);
                removed.accept(id);
                expired++;
                n++;
            }
            if (n > 0) {
                LOG.info("{} model(s) whose newest checkpoint is older than checkpoint.expire_after_ms = {} ms removed from {} "
                    + "({} bytes); a sensor that comes back starts afresh", n, expireAfterMillis, store.dir(), freed);
            }
            return n;
        } catch (IOException e) {
            LOG.warn("checkpoint expiry in {} failed: {}", store.dir(), e.toString());
            return 0;
        }
    }

    /** Whether, per partition of {@code positions}, some other remaining model's floor is at or past the next offset. */
    private static boolean removableWithoutMovingBack(List<InputPosition> positions,
                                                      Map<TopicPartition, TreeMap<Long, Integer>> floorsOf) {
        for (InputPosition p : positions) {
            TreeMap<Long, Integer> floors = floorsOf.get(new TopicPartition(p.topic(), p.partition()));
            if (floors == null || floors.isEmpty()) {
                return false;
            }
            long best = floors.lastKey();
            if (p.floor() == best && floors.get(best) == 1) { // its own floor is the largest: the next one below
                Long below = floors.lowerKey(best);
                if (below == null) {
                    return false;
                }
                best = below;
            }
            if (best < p.next()) {
                return false;
            }
        }
        return true;
    }

    /** A model is created afresh under {@code id}: whether its directory was expired here (then counted). */
    boolean cameBack(String id) {
        if (expiredIds.remove(id) == null) {
            return false;
        }
        returned++;
        return true;
    }

    long expired() {
        return expired;
    }

    long returned() {
        return returned;
    }
}
