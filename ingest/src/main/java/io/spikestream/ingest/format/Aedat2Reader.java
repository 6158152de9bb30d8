package io.spikestream.ingest.format;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.Optional;

/**
 * Decoder of jAER AEDAT 2.0 {@code .aedat} recordings: {@code #} header lines (the first is {@code #!AER-DAT2.0}),
 * then 8-byte big-endian records {@code int32 address, int32 timestamp (us)}. The address layout depends on the
 * chip named in the {@code # AEChip:} header line:
 *
 * <pre>
 *   DVS128 / Tmpdiff128 (also when no chip is named), 128x128:
 *     bit 15 special event (skipped), bits 14..8 y, bits 7..1 x, bit 0 polarity (1 = OFF)
 *   DAVIS (Davis346 346x260, Davis240 240x180, Davis128 128x128, Davis640 640x480):
 *     bit 31 APS sample or IMU record (skipped), bits 30..22 y, bits 21..12 x, bit 11 polarity (1 = ON),
 *     bit 10 external input event (skipped)
 * </pre>
 *
 * jAER puts the origin at the bottom left and shows DVS128 columns mirrored; this decoder reports what jAER shows
 * with the origin moved to the top left, like every other decoder here: DVS128 {@code x = 127 - column,
 * y = 127 - row}; DAVIS {@code x = column, y = height - 1 - row}. The 32-bit timestamp is read unsigned and a
 * fall of more than 2^31 us is taken as a wrap. Not threadsafe.
 */
final class Aedat2Reader extends StreamReader {

    static final int RECORD_BYTES = 8;
    static final SensorGeometry DVS128 = new SensorGeometry(128, 128);
    private static final VarHandle INT_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final long WRAP = 1L << 32;

    /** Address layouts of jAER chips. */
    enum Layout { DVS128, DAVIS }

    private final Layout layout;
    private final int width;
    private final int height;
    private long lastUs;

    private Aedat2Reader(ByteSource src, Layout layout, SensorGeometry geometry, DecodeOptions options) {
        super(src, geometry, options);
        this.layout = layout;
        this.width = geometry.width();
        this.height = geometry.height();
    }

    static Aedat2Reader open(ByteSource src, DecodeOptions options) throws IOException {
        HeaderLines header = HeaderLines.read(src, (byte) '#', null);
        Optional<String> chip = header.value("AEChip");
        if (chip.isEmpty()) {
            return new Aedat2Reader(src, Layout.DVS128, DVS128, options);
        }
        String name = chip.get().toLowerCase(Locale.ROOT);
        String simple = name.substring(name.lastIndexOf('.') + 1);
        if (simple.contains("dvs128") || simple.contains("tmpdiff128")) {
            return new Aedat2Reader(src, Layout.DVS128, DVS128, options);
        }
        if (simple.contains("davis")) {
            SensorGeometry g;
            if (simple.contains("346")) {
                g = new SensorGeometry(346, 260);
            } else if (simple.contains("240")) {
                g = new SensorGeometry(240, 180);
            } else if (simple.contains("640")) {
                g = new SensorGeometry(640, 480);
            } else if (simple.contains("128")) {
                g = new SensorGeometry(128, 128);
            } else {
                g = options.geometryOr(new SensorGeometry(346, 260));
            }
            return new Aedat2Reader(src, Layout.DAVIS, g, options);
        }
        throw header.error("AEChip", "unsupported jAER chip '" + chip.get() + "' (DVS128 and DAVIS layouts only)");
    }

    @Override
    public EventFormat format() {
        return EventFormat.AEDAT2;
    }

    Layout layout() {
        return layout;
    }

    @Override
    public int read(EventBatch batch) throws IOException {
        batch.clear();
        final int[] xs = batch.x;
        final int[] ys = batch.y;
        final byte[] ps = batch.polarity;
        final long[] ts = batch.timestampUs;
        final int cap = batch.capacity();
        final boolean davis = layout == Layout.DAVIS;
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
                int a = (int) INT_BE.get(b, p);
                long t = (last & -WRAP) | ((int) INT_BE.get(b, p + 4) & 0xFFFF_FFFFL);
                if (t < last - (WRAP >>> 1)) {
                    t += WRAP;
                }
                p += RECORD_BYTES;
                int x;
                int y;
                int pol;
                if (davis) {
                    if ((a & 0x8000_0400) != 0) {
                        continue; // APS sample, IMU record or external input event
                    }
                    int col = (a >>> 12) & 0x3FF;
                    int row = (a >>> 22) & 0x1FF;
                    if (col >= w || row >= h) {
                        src.pos = p - RECORD_BYTES;
                        outside(src.offset(), col, row);
                        continue;
                    }
                    x = col;
                    y = h - 1 - row;
                    pol = (a >>> 11) & 1;
                } else {
                    if ((a & 0x8000) != 0) {
                        continue; // special event
                    }
                    x = 127 - ((a >>> 1) & 0x7F);
                    y = 127 - ((a >>> 8) & 0x7F);
                    pol = 1 - (a & 1);
                }
                xs[n] = x;
                ys[n] = y;
                ps[n] = (byte) pol;
                ts[n] = t;
                n++;
                last = t;
            }
            lastUs = last;
            src.pos = p;
        }
        batch.size = n;
        return n == 0 ? -1 : n;
    }
}
