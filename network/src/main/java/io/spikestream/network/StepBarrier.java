package io.spikestream.network;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reusable barrier for the per-step synchronisation of the simulation workers. The last worker to
 * arrive runs the barrier action (merging the step's events) before releasing the others.
 *
 * <p>Workers spin briefly and then yield: a step of a small network lasts microseconds, far less than a
 * park/unpark round trip, but on a machine with as many workers as cores a spinning waiter must not starve
 * the worker it waits for. If any worker fails, {@link #abort} makes every waiter throw instead of hanging.
 */
final class StepBarrier {

    private final int parties;
    private final Runnable action;
    private final AtomicInteger arrived = new AtomicInteger();
    private volatile long generation;
    private volatile Throwable failure;

    StepBarrier(int parties, Runnable action) {
        this.parties = parties;
        this.action = action;
    }

    void await() {
        long gen = generation;
        if (arrived.incrementAndGet() == parties) {
            arrived.set(0);
            try {
                action.run();
            } catch (Throwable t) {
                abort(t);
                generation = gen + 1;
                throw t;
            }
            generation = gen + 1;
            return;
        }
        int spins = 0;
        while (generation == gen) {
            if (failure != null) {
                throw new IllegalStateException("another simulation worker failed", failure);
            }
            if (++spins < 2_000) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        if (failure != null) {
            throw new IllegalStateException("another simulation worker failed", failure);
        }
    }

    void abort(Throwable t) {
        if (failure == null) {
            failure = t;
        }
    }

    Throwable failure() {
        return failure;
    }
}
