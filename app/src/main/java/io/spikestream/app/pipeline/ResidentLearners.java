package io.spikestream.app.pipeline;

import io.spikestream.learner.StreamLearner;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The learners of a pipeline without checkpoints, one per model id, bounded by count ({@code models.max_models}):
 * beyond the bound the least recently used learner is released (its listeners told first, while it is still open),
 * closed, and its state lost; a later record of its sensor starts a new learner. A durable pipeline bounds its models
 * in its {@code ModelRegistry} instead, where they come back from checkpoints. Learner thread only.
 */
final class ResidentLearners {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LearnerPipeline.class);

    /** Least recently used first (access order). */
    private final Map<String, StreamLearner> learners = new LinkedHashMap<>(16, 0.75f, true);
    private final List<BiConsumer<String, StreamLearner>> releaseListeners = new ArrayList<>();
    private int maxModels = Integer.MAX_VALUE;
    private long forgotten;

    void bound(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("models.max_models must be positive, got " + max);
        }
        this.maxModels = max;
    }

    void addReleaseListener(BiConsumer<String, StreamLearner> l) {
        releaseListeners.add(l);
    }

    /** The learner of {@code model}, made by {@code factory} when absent (which may release the least recently used). */
    StreamLearner get(String model, Function<String, StreamLearner> factory) {
        StreamLearner learner = learners.computeIfAbsent(model, factory);
        if (learners.size() > maxModels) {
            releaseLeastRecentlyUsed();
        }
        return learner;
    }

    /** The learner of {@code model} if resident, else null; counts as a use (an idle move runs the learner). */
    StreamLearner resident(String model) {
        return learners.get(model);
    }

    /** Learners released by the bound so far (their state lost). */
    long forgotten() {
        return forgotten;
    }

    /** The resident learners (read-only view; learner thread, or after the pipeline stopped). */
    Map<String, StreamLearner> view() {
        return java.util.Collections.unmodifiableMap(learners);
    }

    private void releaseLeastRecentlyUsed() {
        var it = learners.entrySet().iterator();
        Map.Entry<String, StreamLearner> eldest = it.next();
        it.remove();
        for (var l : releaseListeners) {
            l.accept(eldest.getKey(), eldest.getValue());
        }
        eldest.getValue().close();
        if (forgotten++ == 0) {
            LOG.warn("more than models.max_models = {} sensors: the least recently used learner ('{}') was released and its "
                + "state lost; run with --checkpoint-dir to keep released models, or raise the bound", maxModels, eldest.getKey());
        }
    }
}
