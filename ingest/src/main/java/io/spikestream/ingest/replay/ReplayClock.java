package io.spikestream.ingest.replay;

/**
 * Monotonic time and sleeping, injected so that pacing is tested without real sleeps (a fake advances its time
 * when asked to sleep). {@link #SYSTEM} is the only place replay reads the real clock.
 */
public interface ReplayClock {

    long nanoTime();

    /** Sleeps about {@code nanos}; may return early on interrupt (then the interrupt flag is set). */
    void sleepNanos(long nanos) throws InterruptedException;

    ReplayClock SYSTEM = new ReplayClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleepNanos(long nanos) throws InterruptedException {
            if (nanos > 0) {
                Thread.sleep(nanos / 1_000_000L, (int) (nanos % 1_000_000L));
            }
        }
    };
}
