package io.spikestream.network;

/**
 * The simulation clock: a fixed resolution {@code h} in ms, and NEST's rule for turning a duration in ms
 * into a whole number of steps.
 *
 * <p>NEST measures time in integer "tics" (1000 per ms by default) and a duration becomes
 * {@code ceil(round(ms * tics_per_ms) / tics_per_step)} steps. Reproducing that rule (rather than
 * {@code Math.round(ms / h)}) matters for parameters such as {@code t_ref} that are not multiples of h.
 * An infinite duration maps to {@link #NEVER}. Immutable and thread-safe.
 */
public record TimeGrid(double resolutionMs) {

    /** Steps value that stands for "never" / "infinitely long" (NEST uses LONG_MAX the same way). */
    public static final long NEVER = Long.MAX_VALUE;
    /** NEST's default tics per ms. */
    public static final long TICS_PER_MS = 1000;

    public TimeGrid {
        if (!(resolutionMs > 0) || Double.isInfinite(resolutionMs)) {
            throw new IllegalArgumentException("resolution must be a positive finite number of ms, got " + resolutionMs);
        }
        double tics = resolutionMs * TICS_PER_MS;
        if (Math.abs(tics - Math.rint(tics)) > 1e-9 * Math.max(1.0, tics)) {
            throw new IllegalArgumentException("resolution " + resolutionMs + " ms is not a whole number of tics (1 tic = 0.001 ms)");
        }
    }

    public static TimeGrid of(double resolutionMs) {
        return new TimeGrid(resolutionMs);
    }

    public long ticsPerStep() {
        return Math.round(resolutionMs * TICS_PER_MS);
    }

    /** Duration in ms to steps with NEST's rounding; +infinity gives {@link #NEVER}. */
    public long steps(double ms) {
        if (Double.isNaN(ms)) {
            throw new IllegalArgumentException("duration is NaN");
        }
        if (ms == Double.POSITIVE_INFINITY || ms >= 1.0e300) {
            return NEVER;
        }
        long tics = Math.round(ms * TICS_PER_MS); // round half up, as NEST's ld_round for non-negative values
        long perStep = ticsPerStep();
        return Math.floorDiv(tics + perStep - 1, perStep);
    }

    public double ms(long steps) {
        return steps * resolutionMs;
    }
}
