package io.spikestream.ingest.format;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Decoder of Prophesee EVT 3.0 {@code .raw} recordings: a {@code %} header, then little-endian 16-bit words whose
 * top four bits give the type. The stream is stateful:
 *
 * <pre>
 *   0x0 ADDR_Y        bits 10..0 y
 *   0x2 ADDR_X        bit 11 polarity, bits 10..0 x: one event at (x, y)
 *   0x3 VECT_BASE_X   bit 11 polarity, bits 10..0 base x
 *   0x4 VECT_12       bits 11..0 mask: one event at base x + i per set bit i; base x += 12
 *   0x5 VECT_8        bits 7..0 mask: likewise; base x += 8
 *   0x6 TIME_LOW      bits 11..0 timestamp bits 11..0
 *   0x8 TIME_HIGH     bits 11..0 timestamp bits 23..12
 *   0x7 CONTINUED_4, 0xA EXT_TRIGGER, 0xE OTHERS, 0xF CONTINUED_12: skipped
 * </pre>
 *
 * The 24-bit time counter wraps every 16.7 s: a TIME_HIGH that falls by more than half its range counts a wrap
 * (smaller steps back are jitter, as Metavision treats them), so timestamps stay monotone across wraps. A vector
 * word whose events do not all fit in the caller's batch is finished at the next {@link #read}. Any other word type
 * is a {@link DecodeException}. Not threadsafe.
 */
final class Evt3Reader extends StreamReader {

    static final SensorGeometry DEFAULT_GEOMETRY = new SensorGeometry(1280, 720);
    private static final VarHandle SHORT_LE =
        MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long WRAP = 1L << 24;

    private final int width;
    private final int height;

    private int y;
    private int baseX;
    private int vectorPolarity;
    /** Timestamp without TIME_LOW: wraps * 2^24 + TIME_HIGH << 12. */
    private long timeBase;
    private int timeHigh;
    private int timeLow;
    /** Events of a vector word left over when the batch filled: the remaining mask bits and their base x. */
    private int pendingMask;
    private int pendingBase;
    private long pendingOffset;

    Evt3Reader(ByteSource src, HeaderLines header, DecodeOptions options) throws DecodeException {
        super(src, PropheseeHeader.geometry(header, options, DEFAULT_GEOMETRY), options);
        this.width = geometry.width();
        this.height = geometry.height();
    }

    static Evt3Reader open(ByteSource src, DecodeOptions options) throws IOException {
        return new Evt3Reader(src, PropheseeHeader.read(src), options);
    }

    @Override
    public EventFormat format() {
        return EventFormat.EVT3;
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
        if (pendingMask != 0) {
            n = drainPending(batch, 0);
        }
        while (n < cap) {
            if (!src.ensure(2)) {
                if (src.available() > 0) {
                    throw error(src.offset(), "truncated word: 1 of 2 bytes");
                }
                break;
            }
            final byte[] b = src.buf;
            int p = src.pos;
            final int end = p + ((src.limit - p) & ~1);
            int ey = y;
            int bx = baseX;
            int vp = vectorPolarity;
            long t = timeBase | timeLow;
            while (p < end && n < cap) {
                int word = (short) SHORT_LE.get(b, p) & 0xFFFF;
                switch (word >>> 12) {
                    case 0x0 -> ey = word & 0x7FF;
                    case 0x2 -> {
                        int x = word & 0x7FF;
                        if (x < w && ey < h) {
                            xs[n] = x;
                            ys[n] = ey;
                            ps[n] = (byte) ((word >>> 11) & 1);
                            ts[n] = t;
                            n++;
                        } else {
                            src.pos = p;
                            outside(src.offset(), x, ey);
                        }
                    }
                    case 0x3 -> {
                        bx = word & 0x7FF;
                        vp = (word >>> 11) & 1;
                    }
                    case 0x4, 0x5 -> {
                        int mask = (word >>> 12) == 0x4 ? word & 0xFFF : word & 0xFF;
                        if (ey >= h || bx + 32 - Integer.numberOfLeadingZeros(mask) > w) {
                            src.pos = p;
                            mask = dropOutside(mask, bx, ey);
                        }
                        while (mask != 0 && n < cap) {
                            xs[n] = bx + Integer.numberOfTrailingZeros(mask);
                            ys[n] = ey;
                            ps[n] = (byte) vp;
                            ts[n] = t;
                            n++;
                            mask &= mask - 1;
                        }
                        if (mask != 0) {
                            pendingMask = mask;
                            pendingBase = bx;
                        }
                        bx += (word >>> 12) == 0x4 ? 12 : 8;
                    }
                    case 0x6 -> t = (t & ~0xFFFL) | (word & 0xFFF);
                    case 0x8 -> t = timeHigh(word & 0xFFF) | (t & 0xFFF);
                    case 0x7, 0xA, 0xE, 0xF -> {
                    }
                    default -> {
                        src.pos = p;
                        save(ey, bx, vp, t);
                        throw error(src.offset(), "unknown EVT 3.0 word type 0x" + Integer.toHexString(word >>> 12));
                    }
                }
                p += 2;
            }
            save(ey, bx, vp, t);
            src.pos = p;
        }
        batch.size = n;
        return n == 0 ? -1 : n;
    }

    private void save(int ey, int bx, int vp, long t) {
        y = ey;
        baseX = bx;
        vectorPolarity = vp;
        timeBase = t & ~0xFFFL;
        timeLow = (int) (t & 0xFFF);
    }

    /** Timestamp bits above TIME_LOW for a new TIME_HIGH value, counting a wrap when it falls by over half range. */
    private long timeHigh(int high) {
        long wraps = timeBase & -WRAP;
        if (high < timeHigh && timeHigh - high > 0x800) {
            wraps += WRAP;
        }
        timeHigh = high;
        timeBase = wraps | ((long) high << 12);
        return timeBase;
    }

    /** Removes mask bits outside the sensor (lenient) or throws (strict); off the hot path. */
    private int dropOutside(int mask, int bx, int ey) throws DecodeException {
        int kept = 0;
        for (int m = mask; m != 0; m &= m - 1) {
            int bit = Integer.numberOfTrailingZeros(m);
            int x = bx + bit;
            if (x < width && ey < height) {
                kept |= 1 << bit;
            } else {
                outside(src.offset(), x, ey);
            }
        }
        return kept;
    }

    private int drainPending(EventBatch batch, int n) {
        int mask = pendingMask;
        long t = timeBase | timeLow;
        while (mask != 0 && n < batch.capacity()) {
            batch.x[n] = pendingBase + Integer.numberOfTrailingZeros(mask);
            batch.y[n] = y;
            batch.polarity[n] = (byte) vectorPolarity;
            batch.timestampUs[n] = t;
            n++;
            mask &= mask - 1;
        }
        pendingMask = mask;
        return n;
    }
}
