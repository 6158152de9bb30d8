package io.spikestream.network;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Large off-heap columns backed by transparent huge pages where the kernel offers them.
 *
 * <p>Why: the row kernels of e-prop read their targets' history entries at random (one read per synaptic event into
 * a ring of tens of MB at 10^4 neurons, GBs at 10^6). With 4 KiB pages nearly every such read also misses the TLB and
 * walks the page tables; with 2 MiB pages the whole ring is covered by the TLB. The kernel here runs transparent huge
 * pages in {@code madvise} mode, and the JVM's {@code -XX:+UseTransparentHugePages} covers only its own heap, so
 * segments above {@link #THRESHOLD_BYTES} are mapped here directly ({@code mmap} anonymous, aligned to 2 MiB,
 * {@code madvise(MADV_HUGEPAGE)}). A side gain: anonymous pages arrive zeroed from the kernel on first touch, so
 * the allocation does not write the whole segment once more (a quarter of the build time at 10^6 neurons).
 *
 * <p>Why only above 128 MiB: a huge page is zeroed whole on first touch and, on a virtual machine, is usually backed
 * by memory the host has not yet given the guest, where a small page of the JVM's reuses memory already backed. On the
 * 2-core development VM that made the first simulated second of N_rec = 10^4, p = 0.1 (columns of 89 MB each) about
 * 2 s slower in kernel time (3.9 against 1.1 s of system CPU per run), against a 1.1x gain in the steady state
 * (BENCHMARKS.md, "Engine: cold start"). At that size the random reads the TLB matters for (the targets' 4-step ring:
 * 2.6 MB) stay within the TLB's reach of small pages anyway; at 10^6 neurons (the ring 256 MB, columns 1.7 GB) they do
 * not, and huge pages pay.
 *
 * <p>Falls back to {@link Arena#allocate} (4 KiB pages, zeroed by the JVM) when the C library cannot be linked (no
 * native access, not Linux) or {@code -Dspikestream.hugePages=false}. Contents are zero either way; the memory is
 * unmapped when the arena closes. Results never depend on the page size.
 */
public final class LargeSegments {

    /**
     * Segments below this are allocated by the arena as usual: 128 MiB, or {@code -Dspikestream.hugePagesFrom=BYTES}
     * (for measuring the choice: 4194304 was the threshold before).
     */
    public static final long THRESHOLD_BYTES = Long.getLong("spikestream.hugePagesFrom", 128L << 20);
    private static final long HUGE_PAGE = 2L << 20;
    private static final long CACHE_LINE = 64;
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    private static final int MADV_HUGEPAGE = 14;

    private static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("spikestream.hugePages", "true"))
        && System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MADVISE;

    static {
        MethodHandle mmap = null;
        MethodHandle munmap = null;
        MethodHandle madvise = null;
        if (ENABLED) {
            try {
                Linker linker = Linker.nativeLinker();
                var lookup = linker.defaultLookup();
                mmap = linker.downcallHandle(lookup.find("mmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                munmap = linker.downcallHandle(lookup.find("munmap").orElseThrow(), FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
                madvise = linker.downcallHandle(lookup.find("madvise").orElseThrow(), FunctionDescriptor.of(
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
            } catch (RuntimeException | LinkageError e) {
                mmap = null;
            }
        }
        MMAP = mmap;
        MUNMAP = munmap;
        MADVISE = madvise;
    }

    private LargeSegments() {
    }

    /** Whether large segments are mapped here (huge pages advised) rather than allocated by the arena. */
    public static boolean mapped() {
        return MMAP != null;
    }

    /**
     * A zeroed segment of {@code count} values of {@code layout}, alive as long as {@code arena}; huge pages advised
     * when it is large (see the class comment).
     */
    public static MemorySegment allocate(Arena arena, ValueLayout layout, long count) {
        long bytes = Math.multiplyExact(layout.byteSize(), Math.max(1, count));
        if (MMAP == null || bytes < THRESHOLD_BYTES) {
            return small(arena, bytes);
        }
        // over-map by one huge page so that the segment can start on a 2 MiB boundary (THP needs aligned ranges)
        long mapped = bytes + HUGE_PAGE;
        MemorySegment base;
        try {
            base = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, mapped, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS,
                -1, 0L);
        } catch (Throwable t) {
            return small(arena, bytes);
        }
        if (base.address() == -1L || base.address() == 0L) {
            return small(arena, bytes);
        }
        long start = (base.address() + HUGE_PAGE - 1) & -HUGE_PAGE;
        MemorySegment aligned = MemorySegment.ofAddress(start).reinterpret(bytes);
        try {
            // advice only: if the kernel refuses, the segment works with small pages
            int ignored = (int) MADVISE.invokeExact(aligned, bytes, MADV_HUGEPAGE);
        } catch (Throwable t) {
            // same: small pages
        }
        final long mapStart = base.address();
        return MemorySegment.ofAddress(start).reinterpret(bytes, arena, s -> unmap(mapStart, mapped));
    }

    /**
     * Below the threshold (or as the fallback): from the arena, but starting on a cache line. The arena's own
     * alignment is the layout's (8 bytes), and its allocator returns addresses 16 bytes past a page for segments of
     * megabytes, so every 64-byte entry of the hot history ring straddled two cache lines (a synaptic event's two
     * entries, steps s - 1 and s - 2, then spanned three or four lines instead of two). On the development VM the
     * benchmark network showed no difference in 8 alternating pairs (the adjacent line is likely prefetched), so this
     * is for machines that do not.
     */
    private static MemorySegment small(Arena arena, long bytes) {
        return arena.allocate(bytes, CACHE_LINE);
    }

    private static void unmap(long address, long bytes) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), bytes);
        } catch (Throwable t) {
            throw new IllegalStateException("munmap failed", t);
        }
    }
}
