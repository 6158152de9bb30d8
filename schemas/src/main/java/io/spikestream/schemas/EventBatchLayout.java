package io.spikestream.schemas;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Packing of DVS events into the byte fields of {@link DvsEventBatch}, straight from primitive arrays (no
 * object per event). For a batch of {@code n} events:
 * <pre>
 *   x               : n x uint16 little-endian                       (2n bytes)
 *   y               : n x uint16 little-endian                       (2n bytes)
 *   polarity        : bit (i &amp; 7) of byte (i &gt;&gt; 3) = polarity of event i   (ceil(n/8) bytes)
 *   firstTimestampUs: t[0] (an Avro long field)
 *   timestampDeltas : for i = 1..n-1, zigzag(t[i] - t[i-1]) as LEB128 varint (1 byte for deltas below 64 us)
 * </pre>
 * Deltas are signed (zig-zag) because some sources emit slightly non-monotone time (EVT3 TIME_LOW steps back,
 * UDP arrival order). An N-MNIST event costs about 5.2 bytes here, against 5 bytes in the {@code .bin} file.
 *
 * <p>Stateless and threadsafe; every method allocates only the output buffers of one batch.
 */
public final class EventBatchLayout {

    /** Largest coordinate the uint16 fields hold. */
    public static final int MAX_COORDINATE = 0xFFFF;
    /** Longest LEB128 encoding of a 64-bit value. */
    public static final int MAX_VARINT_BYTES = 10;

    private EventBatchLayout() {
    }

    /** Everything in a batch besides the events themselves. */
    public record Header(String sensorId, int width, int height, long sequence, long streamOffsetUs,
                         String sourceFile, long sourceEventIndex) {

        public static Header live(String sensorId, int width, int height, long sequence, long sourceEventIndex) {
            return new Header(sensorId, width, height, sequence, 0L, null, sourceEventIndex);
        }
    }

    /**
     * Packs events {@code [from, from + count)} of the arrays into a new record.
     *
     * @throws IllegalArgumentException if a coordinate does not fit in 16 bits (the caller validated geometry)
     */
    public static DvsEventBatch pack(Header header, int[] x, int[] y, byte[] polarity, long[] timestampUs,
                                     int from, int count) {
        DvsEventBatch batch = new DvsEventBatch();
        batch.setSensorId(header.sensorId());
        batch.setWidth(header.width());
        batch.setHeight(header.height());
        batch.setSequence(header.sequence());
        batch.setCount(count);
        batch.setFirstTimestampUs(count == 0 ? 0L : timestampUs[from]);
        batch.setX(ByteBuffer.wrap(packCoordinates(x, from, count, "x")));
        batch.setY(ByteBuffer.wrap(packCoordinates(y, from, count, "y")));
        batch.setPolarity(ByteBuffer.wrap(packPolarity(polarity, from, count)));
        batch.setTimestampDeltas(ByteBuffer.wrap(packDeltas(timestampUs, from, count)));
        batch.setStreamOffsetUs(header.streamOffsetUs());
        batch.setSourceFile(header.sourceFile());
        batch.setSourceEventIndex(header.sourceEventIndex());
        return batch;
    }

    static byte[] packCoordinates(int[] c, int from, int count, String axis) {
        byte[] out = new byte[count * 2];
        for (int i = 0; i < count; i++) {
            int v = c[from + i];
            if ((v & ~MAX_COORDINATE) != 0) {
                throw new IllegalArgumentException(axis + "[" + (from + i) + "] = " + v + " does not fit in 16 bits");
            }
            out[2 * i] = (byte) v;
            out[2 * i + 1] = (byte) (v >>> 8);
        }
        return out;
    }

    static byte[] packPolarity(byte[] p, int from, int count) {
        byte[] out = new byte[(count + 7) >>> 3];
        for (int i = 0; i < count; i++) {
            if (p[from + i] != 0) {
                out[i >>> 3] |= (byte) (1 << (i & 7));
            }
        }
        return out;
    }

    static byte[] packDeltas(long[] t, int from, int count) {
        if (count <= 1) {
            return new byte[0];
        }
        byte[] out = new byte[(count - 1) * MAX_VARINT_BYTES];
        int pos = 0;
        long previous = t[from];
        for (int i = 1; i < count; i++) {
            long current = t[from + i];
            long delta = current - previous;
            previous = current;
            long z = (delta << 1) ^ (delta >> 63);
            while ((z & ~0x7FL) != 0) {
                out[pos++] = (byte) ((z & 0x7F) | 0x80);
                z >>>= 7;
            }
            out[pos++] = (byte) z;
        }
        return Arrays.copyOf(out, pos);
    }

    /**
     * Unpacks a batch into the arrays from index 0 and checks it: consistent lengths, well-formed deltas, and
     * every event inside {@code width x height}.
     *
     * @return the number of events written
     * @throws InvalidEventBatchException       naming the batch and event when the content is bad
     * @throws IllegalArgumentException if the arrays are shorter than {@code batch.getCount()}
     */
    public static int unpack(DvsEventBatch batch, int[] x, int[] y, byte[] polarity, long[] timestampUs)
        throws InvalidEventBatchException {
        final int n = batch.getCount();
        final int width = batch.getWidth();
        final int height = batch.getHeight();
        String where = "batch " + batch.getSequence() + " of sensor " + batch.getSensorId();
        if (n < 0) {
            throw invalid(-1, where + ": negative count " + n);
        }
        if (width <= 0 || height <= 0) {
            throw invalid(-1, where + ": sensor geometry " + width + "x" + height + " is not positive");
        }
        ByteBuffer xs = batch.getX();
        ByteBuffer ys = batch.getY();
        ByteBuffer ps = batch.getPolarity();
        ByteBuffer ds = batch.getTimestampDeltas();
        if (xs.remaining() != 2L * n || ys.remaining() != 2L * n || ps.remaining() != (n + 7L) >>> 3) {
            throw invalid(-1, where + ": count " + n + " but x/y/polarity hold " + xs.remaining() + "/"
                + ys.remaining() + "/" + ps.remaining() + " bytes");
        }
        if (x.length < n || y.length < n || polarity.length < n || timestampUs.length < n) {
            throw new IllegalArgumentException("arrays hold " + x.length + " events, batch has " + n);
        }
        final int xBase = xs.position();
        final int yBase = ys.position();
        final int pBase = ps.position();
        for (int i = 0; i < n; i++) {
            int ex = (xs.get(xBase + 2 * i) & 0xFF) | (xs.get(xBase + 2 * i + 1) & 0xFF) << 8;
            int ey = (ys.get(yBase + 2 * i) & 0xFF) | (ys.get(yBase + 2 * i + 1) & 0xFF) << 8;
            if (ex >= width || ey >= height) {
                throw new InvalidEventBatchException(DeadLetterReason.OUT_OF_GEOMETRY, i,
                    where + ": event " + i + " at (" + ex + ", " + ey + ") lies outside the declared "
                        + width + "x" + height + " sensor");
            }
            x[i] = ex;
            y[i] = ey;
            polarity[i] = (byte) ((ps.get(pBase + (i >>> 3)) >>> (i & 7)) & 1);
        }
        unpackDeltas(ds, batch.getFirstTimestampUs(), n, timestampUs, where);
        return n;
    }

    private static void unpackDeltas(ByteBuffer ds, long first, int n, long[] t, String where)
        throws InvalidEventBatchException {
        int pos = ds.position();
        final int limit = ds.limit();
        if (n == 0) {
            if (pos != limit) {
                throw invalid(-1, where + ": empty batch with " + (limit - pos) + " delta bytes");
            }
            return;
        }
        t[0] = first;
        long previous = first;
        for (int i = 1; i < n; i++) {
            long z = 0;
            int shift = 0;
            while (true) {
                if (pos >= limit) {
                    throw invalid(i, where + ": timestamp deltas end before event " + i);
                }
                byte b = ds.get(pos++);
                z |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    break;
                }
                shift += 7;
                if (shift >= 7 * MAX_VARINT_BYTES) {
                    throw invalid(i, where + ": timestamp delta of event " + i + " is longer than 10 bytes");
                }
            }
            previous += (z >>> 1) ^ -(z & 1);
            t[i] = previous;
        }
        if (pos != limit) {
            throw invalid(-1, where + ": " + (limit - pos) + " bytes after the last timestamp delta");
        }
    }

    private static InvalidEventBatchException invalid(int index, String message) {
        return new InvalidEventBatchException(DeadLetterReason.INVALID_CONTENT, index, message);
    }
}
