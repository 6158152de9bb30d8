package io.spikestream.network.checkpoint;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

import static io.spikestream.network.checkpoint.CheckpointFormat.DOUBLE;
import static io.spikestream.network.checkpoint.CheckpointFormat.INT;
import static io.spikestream.network.checkpoint.CheckpointFormat.LONG;
import static io.spikestream.network.checkpoint.CheckpointFormat.SHORT;

/**
 * Writes the body of one checkpoint section: scalars, and arrays prefixed by their element count and starting on
 * an 8-byte boundary. Runs twice over the same component state: once {@link #sizing() sizing} (nothing is
 * written, only lengths added up, so the file can be mapped at its final size), then straight into the mapped
 * file, where off-heap segments and heap arrays are bulk-copied ({@link MemorySegment#copy}) without an
 * intermediate buffer. A component must write the same bytes in both passes, which holds because checkpoints are
 * taken between simulate calls, on the thread that drives the network.
 *
 * <p>Not threadsafe.
 */
public final class StateWriter {

    private final MemorySegment out;
    private final long limit;
    private long pos;

    private StateWriter(MemorySegment out, long limit) {
        this.out = out;
        this.limit = limit;
    }

    /** A writer that only counts bytes. */
    public static StateWriter sizing() {
        return new StateWriter(null, Long.MAX_VALUE);
    }

    /** A writer into {@code body}, which must be filled exactly. */
    public static StateWriter into(MemorySegment body) {
        return new StateWriter(body, body.byteSize());
    }

    /** Bytes written (or counted) so far. */
    public long position() {
        return pos;
    }

    private long reserve(long bytes) {
        long at = pos;
        if (at + bytes > limit) {
            throw new IllegalStateException("checkpoint section grew between the sizing and the writing pass ("
                + (at + bytes) + " > " + limit + " bytes): state changed while the checkpoint was taken");
        }
        pos = at + bytes;
        return at;
    }

    private void alignTo8() {
        long aligned = CheckpointFormat.align8(pos);
        if (aligned != pos) {
            long at = reserve(aligned - pos);
            if (out != null) {
                out.asSlice(at, aligned - at).fill((byte) 0);
            }
        }
    }

    public void putInt(int v) {
        long at = reserve(4);
        if (out != null) {
            out.set(INT, at, v);
        }
    }

    public void putLong(long v) {
        long at = reserve(8);
        if (out != null) {
            out.set(LONG, at, v);
        }
    }

    public void putDouble(double v) {
        long at = reserve(8);
        if (out != null) {
            out.set(DOUBLE, at, v);
        }
    }

    public void putBoolean(boolean v) {
        long at = reserve(1);
        if (out != null) {
            out.set(ValueLayout.JAVA_BYTE, at, (byte) (v ? 1 : 0));
        }
    }

    public void putString(String s) {
        putBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    private long arrayHeader(long count, long elementBytes) {
        alignTo8();
        putLong(count);
        return reserve(count * elementBytes);
    }

    public void putInts(int[] a) {
        putInts(a, 0, a.length);
    }

    public void putInts(int[] a, int from, int n) {
        long at = arrayHeader(n, 4);
        if (out != null && n > 0) {
            MemorySegment.copy(a, from, out, INT, at, n);
        }
    }

    public void putLongs(long[] a) {
        putLongs(a, 0, a.length);
    }

    public void putLongs(long[] a, int from, int n) {
        long at = arrayHeader(n, 8);
        if (out != null && n > 0) {
            MemorySegment.copy(a, from, out, LONG, at, n);
        }
    }

    public void putDoubles(double[] a) {
        putDoubles(a, 0, a.length);
    }

    public void putDoubles(double[] a, int from, int n) {
        long at = arrayHeader(n, 8);
        if (out != null && n > 0) {
            MemorySegment.copy(a, from, out, DOUBLE, at, n);
        }
    }

    public void putShorts(short[] a) {
        long at = arrayHeader(a.length, 2);
        if (out != null && a.length > 0) {
            MemorySegment.copy(a, 0, out, SHORT, at, a.length);
        }
    }

    public void putBytes(byte[] a) {
        long at = arrayHeader(a.length, 1);
        if (out != null && a.length > 0) {
            MemorySegment.copy(a, 0, out, ValueLayout.JAVA_BYTE, at, a.length);
        }
    }

    public void putBooleans(boolean[] a) {
        putBooleans(a, 0, a.length);
    }

    public void putBooleans(boolean[] a, int from, int n) {
        long at = arrayHeader(n, 1);
        if (out != null) {
            for (int i = 0; i < n; i++) {
                out.set(ValueLayout.JAVA_BYTE, at + i, (byte) (a[from + i] ? 1 : 0));
            }
        }
    }

    /**
     * The doubles of a segment as a double array ({@link #putDoubles(double[])}'s layout, so a reader cannot tell
     * which one wrote it): for state that outgrew a Java array.
     */
    public void putDoubles(MemorySegment s) {
        long at = arrayHeader(s.byteSize() / Double.BYTES, 8);
        copyOut(s, at);
    }

    private void copyOut(MemorySegment s, long at) {
        if (out != null && s.byteSize() > 0) {
            // in chunks, each forced to the file and dropped from this process's memory when writing into a file
            // mapping: a checkpoint of a 10 GB network does not add 10 GB to the resident set
            for (long off = 0; off < s.byteSize(); off += MappedChunks.CHUNK) {
                long len = Math.min(MappedChunks.CHUNK, s.byteSize() - off);
                MemorySegment.copy(s, off, out, at + off, len);
                MappedChunks.release(out.asSlice(at + off, len), true);
            }
        }
    }

    /** The bytes of an off-heap (or any) segment, copied straight into the file; null writes an absent marker. */
    public void putSegment(MemorySegment s) {
        if (s == null) {
            alignTo8();
            putLong(-1);
            return;
        }
        long at = arrayHeader(s.byteSize(), 1);
        copyOut(s, at);
    }

    /** The raw body of another section (used to copy sections from one checkpoint into another). */
    public void putRaw(MemorySegment body) {
        long at = reserve(body.byteSize());
        if (out != null && body.byteSize() > 0) {
            MemorySegment.copy(body, 0, out, at, body.byteSize());
        }
    }

    /** Pads the end of the body to 8 bytes (called by the file writer). */
    void finish() {
        alignTo8();
    }
}
