package io.spikestream.network;

import java.util.concurrent.Semaphore;

/**
 * The threads that run a network's steps in lockstep when {@code threads > 1}: worker 0 is the caller's thread, workers
 * 1.. are daemon threads parked between {@link #run} calls. Every worker runs its part of step t ({@link Step#run}),
 * then waits at a {@link StepBarrier} whose action ends the step on one thread ({@link Step#end}), so worker k's chunk
 * of every population is always updated by worker k and the results do not depend on scheduling. A failure on any
 * worker aborts the barrier, and {@link #run} throws it on the caller's thread once every worker has stopped.
 */
final class StepWorkers {

    /** What the workers run: worker k's phases of step t, and the single-threaded end of step t. */
    interface Step {
        void run(int worker, long t);

        void end(long t);
    }

    private final int workers;
    private final Step step;
    private final StepBarrier barrier;
    private final Semaphore done = new Semaphore(0);
    private final WorkerThread[] helpers;
    private long from;
    private long to;
    private long barrierStep;
    private boolean stopped;

    StepWorkers(int workers, Step step) {
        this.workers = workers;
        this.step = step;
        this.barrier = new StepBarrier(workers, () -> step.end(barrierStep));
        this.helpers = new WorkerThread[workers - 1];
        for (int k = 1; k < workers; k++) {
            helpers[k - 1] = new WorkerThread(k);
            helpers[k - 1].start();
        }
    }

    /** Runs steps [from, to) on every worker; rethrows the first failure of any of them. */
    void run(long from, long to) {
        this.from = from;
        this.to = to;
        for (WorkerThread h : helpers) {
            h.go.release();
        }
        Throwable mainFailure = null;
        try {
            workerLoop(0, from, to);
        } catch (Throwable t) {
            mainFailure = t;
            barrier.abort(t);
        }
        done.acquireUninterruptibly(workers - 1);
        Throwable f = mainFailure != null ? mainFailure : barrier.failure();
        if (f != null) {
            if (f instanceof RuntimeException re) {
                throw re;
            }
            if (f instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException("simulation failed", f);
        }
    }

    private void workerLoop(int k, long from, long to) {
        for (long t = from; t < to; t++) {
            step.run(k, t);
            if (k == 0) {
                barrierStep = t;
            }
            barrier.await();
        }
    }

    /** Stops the helper threads (waiting up to a second for each). */
    void close() {
        stopped = true;
        for (WorkerThread h : helpers) {
            h.go.release();
        }
        for (WorkerThread h : helpers) {
            try {
                h.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private final class WorkerThread extends Thread {
        final int k;
        final Semaphore go = new Semaphore(0);

        WorkerThread(int k) {
            super("spikestream-sim-" + k);
            this.k = k;
            setDaemon(true);
        }

        @Override
        public void run() {
            while (true) {
                go.acquireUninterruptibly();
                if (stopped) {
                    return;
                }
                try {
                    workerLoop(k, from, to);
                } catch (Throwable t) {
                    barrier.abort(t);
                } finally {
                    done.release();
                }
            }
        }
    }
}
