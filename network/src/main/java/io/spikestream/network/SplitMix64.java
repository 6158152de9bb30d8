package io.spikestream.network;

/**
 * The SplitMix64 generator of {@link java.util.SplittableRandom} (Steele, Lea and Flood, "Fast splittable
 * pseudorandom number generators", OOPSLA 2014), with the same outputs for the same seed, but with its state
 * ({@code seed}, {@code gamma}) readable and settable, which {@code SplittableRandom} hides: a checkpoint must
 * store a generator's position to continue its stream exactly.
 *
 * <p>Not threadsafe.
 */
public final class SplitMix64 {

    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;
    private static final double DOUBLE_UNIT = 0x1.0p-53;

    private long seed;
    private long gamma;

    public SplitMix64(long seed) {
        this(seed, GOLDEN_GAMMA);
    }

    private SplitMix64(long seed, long gamma) {
        this.seed = seed;
        this.gamma = gamma;
    }

    /** A generator continuing from a saved state (see {@link #state()}). */
    public static SplitMix64 ofState(long seed, long gamma) {
        if ((gamma & 1L) == 0) {
            throw new IllegalArgumentException("SplitMix64 gamma must be odd, got " + Long.toHexString(gamma));
        }
        return new SplitMix64(seed, gamma);
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static long mixGamma(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        z = (z ^ (z >>> 33)) | 1L;
        int n = Long.bitCount(z ^ (z >>> 1));
        return n < 24 ? z ^ 0xaaaaaaaaaaaaaaaaL : z;
    }

    private long nextSeed() {
        return seed += gamma;
    }

    public long nextLong() {
        return mix64(nextSeed());
    }

    /** Uniform in [0, 1), as {@code SplittableRandom.nextDouble()}. */
    public double nextDouble() {
        return (nextLong() >>> 11) * DOUBLE_UNIT;
    }

    /** A new, independent generator, as {@code SplittableRandom.split()}. */
    public SplitMix64 split() {
        return new SplitMix64(nextLong(), mixGamma(nextSeed()));
    }

    /** {seed, gamma}: everything needed to continue this stream. */
    public long[] state() {
        return new long[] {seed, gamma};
    }

    public long seed() {
        return seed;
    }

    public long gamma() {
        return gamma;
    }

    /** Moves this generator to a saved position. */
    public void setState(long seed, long gamma) {
        if ((gamma & 1L) == 0) {
            throw new IllegalArgumentException("SplitMix64 gamma must be odd, got " + Long.toHexString(gamma));
        }
        this.seed = seed;
        this.gamma = gamma;
    }
}
