package io.spikestream.ingest.replay;

/**
 * Holds publication back so that stream time advances at the recorded rate times {@code rateScale} (2.0 = twice as
 * fast), measured from the first paced event: a batch whose last event has stream time {@code t} goes out no
 * earlier than {@code start + (t - t0) / rateScale}. Being late (slow broker) is not made up by bursting faster
 * than the producer allows, but later batches are not delayed further either: the schedule stays anchored.
 * With {@link #asFastAsPossible()} nothing waits. Not threadsafe.
 */
public final class ReplayPacer {

    private final ReplayClock clock;
    private final double rateScale;
    private boolean started;
    private long startNanos;
    private long firstStreamUs;
    private long sleptNanos;

    private ReplayPacer(ReplayClock clock, double rateScale) {
        this.clock = clock;
        this.rateScale = rateScale;
    }

    /** Paces at {@code rateScale} times the recorded rate; must be positive and finite. */
    public static ReplayPacer atRate(ReplayClock clock, double rateScale) {
        if (!(rateScale > 0) || Double.isInfinite(rateScale)) {
            throw new IllegalArgumentException("rate scale must be positive and finite, got " + rateScale);
        }
        return new ReplayPacer(clock, rateScale);
    }

    public static ReplayPacer asFastAsPossible() {
        return new ReplayPacer(null, 0);
    }

    public boolean paced() {
        return clock != null;
    }

    /** Blocks until data up to {@code streamTimeUs} may be published. */
    public void awaitStreamTime(long streamTimeUs) throws InterruptedException {
        if (clock == null) {
            return;
        }
        if (!started) {
            started = true;
            startNanos = clock.nanoTime();
            firstStreamUs = streamTimeUs;
            return;
        }
        long dueNanos = startNanos + (long) ((streamTimeUs - firstStreamUs) * 1_000.0 / rateScale);
        long wait = dueNanos - clock.nanoTime();
        if (wait > 0) {
            sleptNanos += wait;
            clock.sleepNanos(wait);
        }
    }

    /** Total time asked to sleep so far. */
    public long sleptNanos() {
        return sleptNanos;
    }
}
