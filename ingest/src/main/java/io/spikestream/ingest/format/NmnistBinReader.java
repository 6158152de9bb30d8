package io.spikestream.ingest.format;

import java.io.IOException;

/**
 * Decoder of N-MNIST / N-Caltech101 {@code .bin} recordings (Orchard et al. 2015). No header; 5 bytes per record:
 *
 * <pre>
 *   byte 0      x (0..33)
 *   byte 1      y (0..33), or 240 for a timestamp-overflow marker
 *   byte 2      bit 7 polarity (1 = ON), bits 6..0 timestamp bits 22..16
 *   byte 3, 4   timestamp bits 15..8, 7..0 (microseconds)
 * </pre>
 *
 * A marker record (y = 240) is not an event: it adds 2^13 us to every later timestamp, as Orchard's MATLAB reader
 * and tonic do. The sensor window is fixed at 34x34 unless {@link DecodeOptions#fallbackGeometry()} says
 * otherwise. Not threadsafe.
 */
final class NmnistBinReader extends StreamReader {

    static final int RECORD_BYTES = 5;
    static final int OVERFLOW_MARKER_Y = 240;
    static final long OVERFLOW_STEP_US = 1L << 13;
    static final SensorGeometry GEOMETRY = new SensorGeometry(34, 34);

    private final int width;
    private final int height;
    private long overflowUs;

    NmnistBinReader(ByteSource src, DecodeOptions options) {
        super(src, options.geometryOr(GEOMETRY), options);
        this.width = geometry.width();
        this.height = geometry.height();
    }

    @Override
    public EventFormat format() {
        return EventFormat.NMNIST_BIN;
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
                    throw error(src.offset(), "truncated record: " + src.available() + " of 5 bytes");
                }
                break;
            }
            final byte[] b = src.buf;
            int p = src.pos;
            final int end = p + Math.min((src.limit - p) / RECORD_BYTES, cap - n) * RECORD_BYTES;
            long overflow = overflowUs;
            while (p < end) {
                int x = b[p] & 0xFF;
                int y = b[p + 1] & 0xFF;
                int b2 = b[p + 2] & 0xFF;
                if (x < w && y < h) {
                    xs[n] = x;
                    ys[n] = y;
                    ps[n] = (byte) (b2 >>> 7);
                    ts[n] = overflow + (((b2 & 0x7F) << 16) | ((b[p + 3] & 0xFF) << 8) | (b[p + 4] & 0xFF));
                    n++;
                } else if (y == OVERFLOW_MARKER_Y) {
                    overflow += OVERFLOW_STEP_US;
                } else {
                    src.pos = p;
                    overflowUs = overflow;
                    outside(src.offset(), x, y);
                }
                p += RECORD_BYTES;
            }
            overflowUs = overflow;
            src.pos = p;
        }
        batch.size = n;
        return n == 0 ? -1 : n;
    }
}
