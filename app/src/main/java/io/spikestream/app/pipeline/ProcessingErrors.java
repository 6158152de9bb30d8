package io.spikestream.app.pipeline;

import java.util.concurrent.TimeUnit;

/**
 * What a record the learner cannot apply does ({@code processing.on_error}, as Kafka Streams' processing exception
 * handler): {@code continue} (default) counts it and logs it, at most one line per {@link #LOG_INTERVAL_NANOS} (the
 * lines in between are counted in the next one), and the pipeline dead-letters it and goes on; {@code fail} stops the
 * pipeline with the {@link LearnerFailure}. Used on the learner thread; the count is read from any thread.
 */
final class ProcessingErrors {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LearnerPipeline.class);

    /** At most one processing-error log line per this interval. */
    static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private boolean failPipeline;
    private volatile long count;
    private long lastLogNanos = Long.MIN_VALUE;
    private long notLogged;

    /** {@code continue} or {@code fail}; anything else is refused naming the key. */
    void mode(String mode) {
        this.failPipeline = switch (mode) {
            case "continue" -> false;
            case "fail" -> true;
            default -> throw new IllegalArgumentException("processing.on_error must be continue or fail, got '" + mode + "'");
        };
    }

    /** Whether a failure stops the pipeline ({@code fail}). */
    boolean failsPipeline() {
        return failPipeline;
    }

    long count() {
        return count;
    }

    /** Counts a record the learner could not apply, which the caller dead-letters; logs within the rate limit. */
    void record(LearnerFailure e) {
        count++;
        long now = System.nanoTime();
        if (lastLogNanos == Long.MIN_VALUE || now - lastLogNanos >= LOG_INTERVAL_NANOS) {
            LOG.warn("{}; dead-lettered, going on (processing.on_error=continue){}", e.getMessage(),
                notLogged > 0 ? "; " + notLogged + " more since the last such line" : "");
            lastLogNanos = now;
            notLogged = 0;
        } else {
            notLogged++;
        }
    }
}
