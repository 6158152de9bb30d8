package io.spikestream.app.pipeline;

import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What a {@link LearnerPipeline} has consumed, and waiting for it: events, labels and records applied, the position
 * read per partition, and the pipeline's first failure. Written on the learner thread (and the consumer thread for
 * start positions); read and awaited from any thread. Every change wakes the waiters; a failure ends every wait.
 */
final class PipelineProgress {

    private final Object monitor = new Object();
    /** Last offset read + 1 per partition this instance holds (start offset right after an assignment). */
    private final Map<TopicPartition, Long> consumedUpTo = new ConcurrentHashMap<>();
    private volatile long events;
    private volatile long labels;
    private volatile long records;
    private volatile Throwable failure;

    long events() {
        return events;
    }

    long labels() {
        return labels;
    }

    long records() {
        return records;
    }

    Throwable failure() {
        return failure;
    }

    /** An event batch of {@code n} events was applied (learner thread). */
    void eventsApplied(long n) {
        events += n;
    }

    /** A label was applied (learner thread). */
    void labelApplied() {
        labels++;
    }

    /** A record was taken off the stream, applied or not (learner thread). */
    void recordTaken() {
        records++;
    }

    /** Partition {@code tp} has been read up to {@code next} (exclusive). */
    void readUpTo(TopicPartition tp, long next) {
        consumedUpTo.put(tp, next);
    }

    /** As {@link #readUpTo}, never moving back (records skipped as already applied). */
    void skippedUpTo(TopicPartition tp, long next) {
        consumedUpTo.merge(tp, next, Math::max);
    }

    void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(consumedUpTo::remove);
    }

    /** The first failure is the cause; what follows (a cancelled source...) is its consequence. */
    void failed(Throwable t) {
        if (failure == null) {
            failure = t;
        }
        changed();
    }

    /** Wakes every waiter. */
    void changed() {
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }

    Map<TopicPartition, Long> positions() {
        return Map.copyOf(consumedUpTo);
    }

    /** Blocks until every partition of {@code end} is read up to its offset, or fails after the timeout. */
    void awaitPositions(Map<TopicPartition, Long> end, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (monitor) {
            while (!reached(end)) {
                throwIfFailed();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("timed out waiting for positions " + end + "; at " + consumedUpTo);
                }
                monitor.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    /** Waits up to {@code slice} for progress; whether every partition of {@code end} is read up to its offset. */
    boolean waitForPositions(Map<TopicPartition, Long> end, Duration slice) throws InterruptedException {
        synchronized (monitor) {
            throwIfFailed();
            if (reached(end)) {
                return true;
            }
            monitor.wait(Math.max(1, slice.toMillis()));
            throwIfFailed();
            return reached(end);
        }
    }

    /** Blocks until {@code nEvents} events and {@code nLabels} labels were applied, or fails after the timeout. */
    void awaitConsumed(long nEvents, long nLabels, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (monitor) {
            while (events < nEvents || labels < nLabels) {
                throwIfFailed();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("timed out waiting for the stream: consumed " + events + "/" + nEvents
                        + " events and " + labels + "/" + nLabels + " labels");
                }
                monitor.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    private void throwIfFailed() {
        if (failure != null) {
            throw new IllegalStateException("the learner pipeline failed", failure);
        }
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (e.getValue() > 0 && consumedUpTo.getOrDefault(e.getKey(), -1L) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
