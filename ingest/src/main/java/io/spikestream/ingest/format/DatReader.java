package io.spikestream.ingest.format;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Decoder of Prophesee / Chronocam {@code .dat} recordings: a {@code %} header, then two bytes (event type, event
 * size), then 8-byte little-endian records:
 *
 * <pre>
 *   uint32 timestamp (us)
 *   uint32 bits 13..0 x, bits 27..14 y, bits 31..28 polarity (0 = OFF, 1 = ON)
 * </pre>
 *
 * Only 2-D contrast-detection events are decoded (type 0 {@code Event2d} or 12 {@code EventCD}, size 8); a
 * polarity field above 1 is corrupt. A 32-bit timestamp that falls by more than 2^31 us is taken as a wrap.
 * Geometry: {@code % Width}/{@code % Height} (or {@code % geometry}); without them the ATIS sensor these files
 * come from, 304x240. Not threadsafe.
 */
final class DatReader extends StreamReader {

    static final SensorGeometry DEFAULT_GEOMETRY = new SensorGeometry(304, 240);
    static final int RECORD_BYTES = 8;
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long WRAP = 1L << 32;

    private final int width;
    private final int height;
    private long lastUs;

    DatReader(ByteSource src, HeaderLines header, DecodeOptions options) throws IOException {
        super(src, PropheseeHeader.geometry(header, options, DEFAULT_GEOMETRY), options);
        this.width = geometry.width();
        this.height = geometry.height();
        long at = src.offset();
        if (src.ensure(2)) {
            int type = src.buf[src.pos] & 0xFF;
            int size = src.buf[src.pos + 1] & 0xFF;
            if ((type != 0 && type != 12) || size != RECORD_BYTES) {
                throw error(at, "unsupported DAT event type " + type + " of size " + size
                    + " (only 2-D CD events: type 0 or 12, size 8)");
            }
            src.pos += 2;
        } else if (src.available() > 0) {
            throw error(at, "truncated event type/size bytes");
        }
    }

    static DatReader open(ByteSource src, DecodeOptions options) throws IOException {
        return new DatReader(src, PropheseeHeader.read(src), options);
    }

    @Override
    public EventFormat format() {
        return EventFormat.DAT;
    }

    @Override
    public int read(EventBatch batch) throws IOException {
        batch.clear();
        final int[] xs = batch.x;
        final int[] ys = batch.y;
        final byte[] ps = batch.polarity;
        final long[] ts = batch.timestampUs;
        final int cap = batch.capacity();
        final int w = width;
        final int h = height;
        int n = 0;
        while (n < cap) {
            if (!src.ensure(RECORD_BYTES)) {
                if (src.available() > 0) {
                    throw error(src.offset(), "truncated record: " + src.available() + " of 8 bytes");
                }
                break;
            }
            final byte[] b = src.buf;
            int p = src.pos;
            final int end = p + Math.min((src.limit - p) / RECORD_BYTES, cap - n) * RECORD_BYTES;
            long last = lastUs;
            while (p < end) {
                long t32 = (int) INT_LE.get(b, p) & 0xFFFF_FFFFL;
                int word = (int) INT_LE.get(b, p + 4);
                int x = word & 0x3FFF;
                int y = (word >>> 14) & 0x3FFF;
                int pol = word >>> 28;
                long t = (last & -WRAP) | t32;
                if (t < last - (WRAP >>> 1)) {
                    t += WRAP;
                }
                if (x < w && y < h && pol <= 1) {
                    xs[n] = x;
                    ys[n] = y;
                    ps[n] = (byte) pol;
                    ts[n] = t;
                    n++;
                    last = t;
                } else {
                    src.pos = p;
                    lastUs = last;
                    if (pol > 1) {
                        throw error(src.offset(), "polarity field " + pol + " (expected 0 or 1)");
                    }
                    outside(src.offset(), x, y);
                }
                p += RECORD_BYTES;
            }
            lastUs = last;
            src.pos = p;
        }
        batch.size = n;
        return n == 0 ? -1 : n;
    }
}
