package io.spikestream.network.checkpoint;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

import static io.spikestream.network.checkpoint.CheckpointFormat.DOUBLE;
import static io.spikestream.network.checkpoint.CheckpointFormat.INT;
import static io.spikestream.network.checkpoint.CheckpointFormat.LONG;
import static io.spikestream.network.checkpoint.CheckpointFormat.SHORT;

/**
 * Reads the body of one section in the order {@link StateWriter} wrote it. Every read is bounds-checked against
 * the section, and an array read into existing state must have exactly that state's length: a mismatch is an
 * {@link CheckpointException.Kind#INCOMPATIBLE_SHAPE} error naming the section and field, never a partial copy.
 * The body's checksum was verified when the file was opened.
 *
 * <p>Not threadsafe.
 */
public final class StateReader {

    private final String section;
    private final MemorySegment in;
    private long pos;

    StateReader(String section, MemorySegment body) {
        this.section = section;
        this.in = body;
    }

    /** Name of the section being read (for error messages). */
    public String section() {
        return section;
    }

    private long take(long bytes, String what) throws CheckpointException {
        if (bytes < 0 || pos + bytes > in.byteSize()) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, "section '" + section + "': " + what
                + " needs " + bytes + " bytes at " + pos + " but the section has " + in.byteSize());
        }
        long at = pos;
        pos += bytes;
        return at;
    }

    private void alignTo8() {
        pos = CheckpointFormat.align8(pos);
    }

    public int getInt() throws CheckpointException {
        return in.get(INT, take(4, "an int"));
    }

    public long getLong() throws CheckpointException {
        return in.get(LONG, take(8, "a long"));
    }

    public double getDouble() throws CheckpointException {
        return in.get(DOUBLE, take(8, "a double"));
    }

    public boolean getBoolean() throws CheckpointException {
        return in.get(ValueLayout.JAVA_BYTE, take(1, "a boolean")) != 0;
    }

    public String getString() throws CheckpointException {
        return new String(getBytes(), StandardCharsets.UTF_8);
    }

    private long count(long elementBytes, String what) throws CheckpointException {
        alignTo8();
        long n = getLong();
        if (n < 0 || n > (in.byteSize() - pos) / elementBytes) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, "section '" + section + "': " + what
                + " claims " + n + " elements, more than the section holds");
        }
        return n;
    }

    private int countExact(long elementBytes, int expected, String what) throws CheckpointException {
        long n = count(elementBytes, what);
        if (n != expected) {
            throw new CheckpointException(CheckpointException.Kind.INCOMPATIBLE_SHAPE, "section '" + section + "': "
                + what + " has " + n + " values in the checkpoint but " + expected + " in this network");
        }
        return expected;
    }

    /** Reads an int array written by {@link StateWriter#putInts} into {@code dst}, which must have its length. */
    public void readInts(int[] dst, String what) throws CheckpointException {
        readInts(dst, dst.length, what);
    }

    public void readInts(int[] dst, int n, String what) throws CheckpointException {
        countExact(4, n, what);
        MemorySegment.copy(in, INT, take(4L * n, what), dst, 0, n);
    }

    public void readLongs(long[] dst, String what) throws CheckpointException {
        readLongs(dst, dst.length, what);
    }

    public void readLongs(long[] dst, int n, String what) throws CheckpointException {
        countExact(8, n, what);
        MemorySegment.copy(in, LONG, take(8L * n, what), dst, 0, n);
    }

    public void readDoubles(double[] dst, String what) throws CheckpointException {
        readDoubles(dst, dst.length, what);
    }

    public void readDoubles(double[] dst, int n, String what) throws CheckpointException {
        countExact(8, n, what);
        MemorySegment.copy(in, DOUBLE, take(8L * n, what), dst, 0, n);
    }

    /** Reads a double array ({@link StateWriter#putDoubles}) into a segment of exactly its size. */
    public void readDoubles(MemorySegment dst, String what) throws CheckpointException {
        long expected = dst.byteSize() / Double.BYTES;
        long n = count(8, what);
        if (n != expected) {
            throw new CheckpointException(CheckpointException.Kind.INCOMPATIBLE_SHAPE, "section '" + section + "': "
                + what + " has " + n + " values in the checkpoint but " + expected + " in this network");
        }
        copyIn(take(8L * n, what), dst, 8L * n);
    }

    private void copyIn(long at, MemorySegment dst, long n) {
        for (long off = 0; off < n; off += MappedChunks.CHUNK) {
            long len = Math.min(MappedChunks.CHUNK, n - off);
            MemorySegment.copy(in, at + off, dst, off, len);
            MappedChunks.release(in.asSlice(at + off, len), false);
        }
    }

    public void readBooleans(boolean[] dst, String what) throws CheckpointException {
        readBooleans(dst, dst.length, what);
    }

    public void readBooleans(boolean[] dst, int n, String what) throws CheckpointException {
        countExact(1, n, what);
        long at = take(n, what);
        for (int i = 0; i < n; i++) {
            dst[i] = in.get(ValueLayout.JAVA_BYTE, at + i) != 0;
        }
    }

    /** A new int array of whatever length was written (variable-size state). */
    public int[] getInts(String what) throws CheckpointException {
        int n = Math.toIntExact(count(4, what));
        int[] a = new int[n];
        MemorySegment.copy(in, INT, take(4L * n, what), a, 0, n);
        return a;
    }

    public long[] getLongs(String what) throws CheckpointException {
        int n = Math.toIntExact(count(8, what));
        long[] a = new long[n];
        MemorySegment.copy(in, LONG, take(8L * n, what), a, 0, n);
        return a;
    }

    public double[] getDoubles(String what) throws CheckpointException {
        int n = Math.toIntExact(count(8, what));
        double[] a = new double[n];
        MemorySegment.copy(in, DOUBLE, take(8L * n, what), a, 0, n);
        return a;
    }

    public short[] getShorts(String what) throws CheckpointException {
        int n = Math.toIntExact(count(2, what));
        short[] a = new short[n];
        MemorySegment.copy(in, SHORT, take(2L * n, what), a, 0, n);
        return a;
    }

    public boolean[] getBooleans(String what) throws CheckpointException {
        int n = Math.toIntExact(count(1, what));
        boolean[] a = new boolean[n];
        long at = take(n, what);
        for (int i = 0; i < n; i++) {
            a[i] = in.get(ValueLayout.JAVA_BYTE, at + i) != 0;
        }
        return a;
    }

    public byte[] getBytes() throws CheckpointException {
        int n = Math.toIntExact(count(1, "a byte string"));
        byte[] a = new byte[n];
        MemorySegment.copy(in, ValueLayout.JAVA_BYTE, take(n, "a byte string"), a, 0, n);
        return a;
    }

    /**
     * Copies a segment written by {@link StateWriter#putSegment} into {@code dst} (same byte size required); a null
     * {@code dst} expects the absent marker.
     */
    public void readSegment(MemorySegment dst, String what) throws CheckpointException {
        alignTo8();
        long n = getLong();
        long expected = dst == null ? -1 : dst.byteSize();
        if (n != expected) {
            throw new CheckpointException(CheckpointException.Kind.INCOMPATIBLE_SHAPE, "section '" + section + "': "
                + what + " has " + (n < 0 ? "no segment" : n + " bytes") + " in the checkpoint but "
                + (expected < 0 ? "none" : expected + " bytes") + " in this network");
        }
        if (n > 0) {
            copyIn(take(n, what), dst, n);
        }
    }

    /** Checks that the whole body was consumed (a reader that stops early would hide a layout mismatch). */
    public void expectEnd() throws CheckpointException {
        alignTo8();
        if (pos != in.byteSize()) {
            throw new CheckpointException(CheckpointException.Kind.INCOMPATIBLE_SHAPE, "section '" + section
                + "': " + (in.byteSize() - pos) + " bytes left unread: the checkpoint was written by another layout");
        }
    }

    /** The whole body (for copying a section unchanged into another checkpoint). */
    public MemorySegment body() {
        return in;
    }
}
