package io.spikestream.ingest.format;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Decoder of Prophesee EVT 2.0 {@code .raw} recordings: a {@code %} header, then little-endian 32-bit words whose
 * top four bits give the type:
 *
 * <pre>
 *   0x0 CD_OFF, 0x1 CD_ON   bits 27..22 timestamp bits 5..0, bits 21..11 x, bits 10..0 y: one event
 *   0x8 EVT_TIME_HIGH       bits 27..0 timestamp bits 33..6
 *   0xA EXT_TRIGGER, 0xE OTHERS, 0xF CONTINUED: skipped
 * </pre>
 *
 * Timestamps are absolute microseconds; a TIME_HIGH that falls by more than half its 34-bit range is taken as a
 * wrap and extends time past 2^34 us. Any other word type is a {@link DecodeException}. Not threadsafe.
 */
final class Evt2Reader extends StreamReader {

    static final SensorGeometry DEFAULT_GEOMETRY = new SensorGeometry(640, 480);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long TIME_HIGH_SPAN = 1L << 34;

    private final int width;
    private final int height;
    /** Timestamp bits 63..6 (with wraps), from the last TIME_HIGH. */
    private long timeHigh;

    Evt2Reader(ByteSource src, HeaderLines header, DecodeOptions options) throws DecodeException {
        super(src, PropheseeHeader.geometry(header, options, DEFAULT_GEOMETRY), options);
        this.width = geometry.width();
        this.height = geometry.height();
    }

    static Evt2Reader open(ByteSource src, DecodeOptions options) throws IOException {
        return new Evt2Reader(src, PropheseeHeader.read(src), options);
    }

    @Override
    public EventFormat format() {
        return EventFormat.EVT2;
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
            if (!src.ensure(4)) {
                if (src.available() > 0) {
                    throw error(src.offset(), "truncated word: " + src.available() + " of 4 bytes");
                }
                break;
            }
            final byte[] b = src.buf;
            int p = src.pos;
            final int end = p + ((src.limit - p) & ~3);
            long high = timeHigh;
            while (p < end && n < cap) {
                int word = (int) INT_LE.get(b, p);
                int type = word >>> 28;
                if (type <= 1) {
                    int x = (word >>> 11) & 0x7FF;
                    int y = word & 0x7FF;
                    if (x < w && y < h) {
                        xs[n] = x;
                        ys[n] = y;
                        ps[n] = (byte) type;
                        ts[n] = high | ((word >>> 22) & 0x3F);
                        n++;
                    } else {
                        src.pos = p;
                        outside(src.offset(), x, y);
                    }
                } else if (type == 0x8) {
                    long next = (high & -TIME_HIGH_SPAN) | ((long) (word & 0x0FFFFFFF) << 6);
                    if (next < high - (TIME_HIGH_SPAN >>> 1)) {
                        next += TIME_HIGH_SPAN;
                    }
                    high = next;
                } else if (type != 0xA && type != 0xE && type != 0xF) {
                    timeHigh = high;
                    src.pos = p;
                    throw error(src.offset(), "unknown EVT 2.0 word type 0x" + Integer.toHexString(type));
                }
                p += 4;
            }
            timeHigh = high;
            src.pos = p;
        }
        batch.size = n;
        return n == 0 ? -1 : n;
    }
}
