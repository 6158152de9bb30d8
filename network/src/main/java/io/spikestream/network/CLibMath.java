package io.spikestream.network;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * The C library's {@code exp}, called through the foreign-function API: NEST computes with {@code std::exp},
 * which is glibc's (error below 0.51 ulp), while {@link Math#exp} may differ from it in the last bit (measured:
 * 38 of the 22,500 softmax numerators of the {@code bsshslm_2020_classification_batch1} fixture). Models that
 * must reproduce NEST bit for bit on a stream of exponentials (the cross-entropy readout) use this one.
 *
 * <p>About 13 ns per call (a downcall). If the C library cannot be linked (no native access, another platform)
 * it falls back to {@link Math#exp}; {@link #isNative()} tells which. Threadsafe.
 */
public final class CLibMath {

    private static final MethodHandle EXP = lookup();

    private CLibMath() {
    }

    private static MethodHandle lookup() {
        try {
            Linker linker = Linker.nativeLinker();
            Optional<java.lang.foreign.MemorySegment> sym = linker.defaultLookup().find("exp");
            if (sym.isEmpty()) {
                return null;
            }
            return linker.downcallHandle(sym.get(), FunctionDescriptor.of(ValueLayout.JAVA_DOUBLE, ValueLayout.JAVA_DOUBLE),
                Linker.Option.critical(false));
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** Whether {@link #exp} calls the C library (else it is {@link Math#exp}). */
    public static boolean isNative() {
        return EXP != null;
    }

    /** e^x as the C library computes it. */
    public static double exp(double x) {
        if (EXP == null) {
            return Math.exp(x);
        }
        try {
            return (double) EXP.invokeExact(x);
        } catch (Throwable t) {
            throw new IllegalStateException("C library exp failed", t);
        }
    }
}
