package io.spikestream.app.pipeline;

import io.spikestream.learner.StreamLearner;

import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The learners of a pipeline without checkpoints, one per model id, bounded by count ({@code models.max_models}) and
 * by wall-clock idleness ({@code models.idle_release_ms}): beyond the count the least recently used learner is
 * released, and so is every learner that took no record for the idle bound (its listeners told first, while it is
 * still open); it is closed and its state lost. A later record of its sensor starts a new learner, which is logged
 * and counted ({@link #returned}) while the id is remembered (the last {@link #FORGOTTEN_IDS_KEPT}). A durable pipeline
 * bounds its models in its {@code ModelRegistry} instead, where they come back from checkpoints. Learner thread only.
 */
final class ResidentLearners {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LearnerPipeline.class);

    /** Released ids remembered to recognise a sensor that comes back (a few dozen bytes each). */
    static final int FORGOTTEN_IDS_KEPT = 100_000;

    /** Least recently used first (access order). */
    private final Map<String, StreamLearner> learners = new LinkedHashMap<>(16, 0.75f, true);
    /** Wall-clock millis of each learner's latest record. */
    private final Map<String, Long> lastUsedMillis = new HashMap<>();
    private final Map<String, Boolean> forgottenIds = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > FORGOTTEN_IDS_KEPT;
        }
    };
    private final List<BiConsumer<String, StreamLearner>> releaseListeners = new ArrayList<>();
    private InstantSource clock = InstantSource.system();
    private int maxModels = Integer.MAX_VALUE;
    private long idleReleaseMillis;
    private long nextIdleScanMillis = Long.MIN_VALUE;
    private volatile long forgotten;
    private volatile long idleReleased;
    private volatile long returned;
    private long lastReturnLogMillis = Long.MIN_VALUE;
    private long returnsNotLogged;

    void bound(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("models.max_models must be positive, got " + max);
        }
        this.maxModels = max;
    }

    /** {@code models.idle_release_ms}: 0 = never; measured on {@code clock}. */
    void releaseIdleAfter(long millis, InstantSource clock) {
        if (millis < 0) {
            throw new IllegalArgumentException("models.idle_release_ms must be >= 0 (0 = never), got " + millis);
        }
        this.idleReleaseMillis = millis;
        this.clock = clock;
    }

    long idleReleaseMillis() {
        return idleReleaseMillis;
    }

    void addReleaseListener(BiConsumer<String, StreamLearner> l) {
        releaseListeners.add(l);
    }

    /**
     * The learner of {@code model}, made by {@code factory} when absent (which may release the least recently used);
     * counts as a record for the idle bound.
     */
    StreamLearner get(String model, Function<String, StreamLearner> factory) {
        StreamLearner learner = learners.get(model);
        long now = clock.millis();
        if (learner == null) {
            learner = factory.apply(model);
            learners.put(model, learner);
            if (forgottenIds.remove(model) != null) {
                cameBack(model, now);
            }
            if (learners.size() > maxModels) {
                releaseLeastRecentlyUsed();
            }
        }
        lastUsedMillis.put(model, now);
        releaseIdleIfDue(now);
        return learner;
    }

    /** The learner of {@code model} if resident, else null; counts as a use (an idle move runs the learner). */
    StreamLearner resident(String model) {
        return learners.get(model);
    }

    /** Learners released by the count bound so far (their state lost). */
    long forgotten() {
        return forgotten;
    }

    /** Learners released by the idle bound so far (their state lost). */
    long idleReleased() {
        return idleReleased;
    }

    /** New learners for ids whose learner had been released (sensors that came back and started afresh). */
    long returned() {
        return returned;
    }

    /** The resident learners (read-only view; learner thread, or after the pipeline stopped). */
    Map<String, StreamLearner> view() {
        return java.util.Collections.unmodifiableMap(learners);
    }

    /** Scans for idle learners at most every quarter of the bound (the pipeline's timer calls it too). */
    void releaseIdleIfDue(long now) {
        if (idleReleaseMillis > 0 && now >= nextIdleScanMillis) {
            releaseIdle();
        }
    }

    /** Releases every learner without a record for {@code models.idle_release_ms}; returns how many. */
    int releaseIdle() {
        if (idleReleaseMillis <= 0) {
            return 0;
        }
        long now = clock.millis();
        nextIdleScanMillis = now + Math.max(1, idleReleaseMillis / 4);
        List<String> idle = new ArrayList<>();
        for (Map.Entry<String, Long> e : lastUsedMillis.entrySet()) {
            if (now - e.getValue() >= idleReleaseMillis) {
                idle.add(e.getKey());
            }
        }
        for (String model : idle) {
            release(model, learners.remove(model));
            idleReleased++;
        }
        if (!idle.isEmpty()) {
            LOG.info("{} learner(s) without a record for models.idle_release_ms = {} ms released; their state is lost (run "
                + "with --checkpoint-dir to keep it)", idle.size(), idleReleaseMillis);
        }
        return idle.size();
    }

    private void releaseLeastRecentlyUsed() {
        Map.Entry<String, StreamLearner> eldest = learners.entrySet().iterator().next();
        learners.remove(eldest.getKey());
        release(eldest.getKey(), eldest.getValue());
        if (forgotten++ == 0) {
            LOG.warn("more than models.max_models = {} sensors: the least recently used learner ('{}') was released and its "
                + "state lost; run with --checkpoint-dir to keep released models, or raise the bound", maxModels, eldest.getKey());
        }
    }

    private void release(String model, StreamLearner learner) {
        lastUsedMillis.remove(model);
        forgottenIds.put(model, Boolean.TRUE);
        for (var l : releaseListeners) {
            l.accept(model, learner);
        }
        learner.close();
    }

    /** At most one line per 10 s (the ones in between are counted in the next). */
    private void cameBack(String model, long now) {
        returned++;
        if (lastReturnLogMillis == Long.MIN_VALUE || now - lastReturnLogMillis >= 10_000) {
            LOG.info("sensor '{}' came back after its learner was released (models.idle_release_ms / models.max_models): "
                + "it starts afresh{}", model, returnsNotLogged > 0 ? "; " + returnsNotLogged + " more since the last such line" : "");
            lastReturnLogMillis = now;
            returnsNotLogged = 0;
        } else {
            returnsNotLogged++;
        }
    }
}
