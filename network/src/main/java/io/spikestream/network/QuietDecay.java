package io.spikestream.network;

/**
 * Helpers of the closed-form carry over quiet steps ({@link Network#skipQuiet}): state is decayed step by step, the
 * same arithmetic as stepping, and the loop stops once a chunk of steps left it unchanged. The per-step maps are
 * monotone (a rounded product and a max), so a state equal to itself a chunk later is a fixed point.
 */
public final class QuietDecay {

    /** Steps between two checks for a fixed point. */
    public static final int CHECK_EVERY = 64;

    private QuietDecay() {
    }

    /** Whether {@code now} equals {@code before[offset ..]} bit for bit. */
    public static boolean same(double[] before, int offset, double[] now) {
        for (int j = 0; j < now.length; j++) {
            if (Double.doubleToRawLongBits(before[offset + j]) != Double.doubleToRawLongBits(now[j])) {
                return false;
            }
        }
        return true;
    }
}
