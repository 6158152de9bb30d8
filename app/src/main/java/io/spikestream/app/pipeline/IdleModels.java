package io.spikestream.app.pipeline;

import io.spikestream.learner.StreamLearner;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Wall-clock idleness of the models a pipeline drives ({@code time.idle_timeout_ms}, as Flink's idle sources): a model
 * no record reached for the timeout is moved past its newest event once ({@link StreamLearner#idle}), so its last
 * predictions come out. Used on the learner thread only; the clock is {@link System#nanoTime}, as for every timer
 * of the learner thread.
 */
final class IdleModels {

    private static final java.util.logging.Logger IDLE_LOG = java.util.logging.Logger.getLogger("io.spikestream.idle");

    /** Model id -> wall-clock nanos of its latest record. */
    private final Map<String, Long> lastRecordNanos = new LinkedHashMap<>();
    /** Models already moved on since their latest record. */
    private final Set<String> idled = new HashSet<>();
    private long timeoutNanos;

    /** Zero or negative: never idle. */
    void timeout(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    boolean enabled() {
        return timeoutNanos > 0;
    }

    /** How often {@link #check} should run: a quarter of the timeout. */
    long checkPeriodMillis() {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos) / 4);
    }

    /** A record reached {@code model} now. */
    void seen(String model) {
        if (timeoutNanos > 0) {
            lastRecordNanos.put(model, System.nanoTime());
            idled.remove(model);
        }
    }

    /** {@code model} left memory: nothing to move on. */
    void forget(String model) {
        lastRecordNanos.remove(model);
        idled.remove(model);
    }

    /** Moves on every model idle for the timeout and not moved on since its latest record ({@code resident}: null if gone). */
    void check(Function<String, StreamLearner> resident) {
        long now = System.nanoTime();
        for (Map.Entry<String, Long> e : lastRecordNanos.entrySet()) {
            String model = e.getKey();
            if (now - e.getValue() < timeoutNanos || !idled.add(model)) {
                continue;
            }
            StreamLearner l = resident.apply(model);
            if (l != null && l.idle("")) {
                IDLE_LOG.fine(() -> "model " + model + " idle for " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                    + " ms: moved past its newest event");
            }
        }
    }
}
