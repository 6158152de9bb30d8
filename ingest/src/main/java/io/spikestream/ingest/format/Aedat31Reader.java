package io.spikestream.ingest.format;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decoder of cAER AEDAT 3.1 recordings: {@code #} header lines from {@code #!AER-DAT3.1} to {@code #!END-HEADER},
 * then event packets, each a 28-byte little-endian header followed by {@code eventCapacity * eventSize} bytes:
 *
 * <pre>
 *   int16 eventType   int16 eventSource   int32 eventSize   int32 eventTSOffset   int32 eventTSOverflow
 *   int32 eventCapacity   int32 eventNumber   int32 eventValid
 * </pre>
 *
 * Only polarity packets (type 1, 8-byte events) are decoded; every other type (special, frame, IMU...) is skipped
 * by its declared length. A polarity event is {@code uint32 data, int32 timestamp}: data bit 0 valid, bit 1
 * polarity (1 = ON), bits 16..2 y, bits 31..17 x; its time is {@code eventTSOverflow << 31 | timestamp}.
 * Events whose valid bit is clear were invalidated by cAER filters and are left out (not counted as skipped).
 * Geometry from the {@code #Source N: NAME} line (DVS128, DAVIS346/240/128/640, DVXplorer, DVXplorer Lite), else
 * {@link DecodeOptions#fallbackGeometry()} or 128x128. Packets are streamed, never buffered whole, so a packet length
 * costs no memory; lengths are validated against the header fields. Not threadsafe.
 */
final class Aedat31Reader extends StreamReader {

    static final int PACKET_HEADER_BYTES = 28;
    static final int POLARITY_TYPE = 1;
    static final int POLARITY_EVENT_BYTES = 8;
    static final SensorGeometry DEFAULT_GEOMETRY = new SensorGeometry(128, 128);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT_LE =
        MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final Pattern SOURCE = Pattern.compile("^#-?Source\\s*\\d+\\s*:\\s*(.+)$", Pattern.CASE_INSENSITIVE);

    private final int width;
    private final int height;
    /** Polarity events (valid or not) still to read in the current packet, and their timestamp high bits. */
    private int eventsLeft;
    /** Bytes after those events up to the end of the packet (capacity beyond eventNumber). */
    private long tailBytes;
    private long overflowUs;

    private Aedat31Reader(ByteSource src, SensorGeometry geometry, DecodeOptions options) {
        super(src, geometry, options);
        this.width = geometry.width();
        this.height = geometry.height();
    }

    static Aedat31Reader open(ByteSource src, DecodeOptions options) throws IOException {
        HeaderLines header = HeaderLines.read(src, (byte) '#', "#!END-HEADER");
        if (header.lines().isEmpty() || !header.lines().getFirst().startsWith("#!AER-DAT3.")) {
            throw new DecodeException(src.name, 0, "missing '#!AER-DAT3.1' version line");
        }
        if (!header.lines().getLast().trim().equalsIgnoreCase("#!END-HEADER")) {
            throw new DecodeException(src.name, header.dataOffset(), "header ends without '#!END-HEADER'");
        }
        SensorGeometry geometry = null;
        for (String line : header.lines()) {
            Matcher m = SOURCE.matcher(line.trim());
            if (m.matches()) {
                geometry = fromSource(m.group(1));
                break;
            }
        }
        return new Aedat31Reader(src, geometry != null ? geometry : options.geometryOr(DEFAULT_GEOMETRY), options);
    }

    private static SensorGeometry fromSource(String name) {
        String s = name.toUpperCase(Locale.ROOT).replace(' ', '_');
        if (s.contains("DVXPLORER_LITE") || s.contains("DVXPLORERLITE")) {
            return new SensorGeometry(320, 240);
        }
        if (s.contains("DVXPLORER")) {
            return new SensorGeometry(640, 480);
        }
        if (s.contains("DAVIS346")) {
            return new SensorGeometry(346, 260);
        }
        if (s.contains("DAVIS240")) {
            return new SensorGeometry(240, 180);
        }
        if (s.contains("DAVIS640")) {
            return new SensorGeometry(640, 480);
        }
        if (s.contains("DVS128") || s.contains("DAVIS128")) {
            return new SensorGeometry(128, 128);
        }
        return null;
    }

    @Override
    public EventFormat format() {
        return EventFormat.AEDAT31;
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
            if (eventsLeft == 0) {
                if (tailBytes > 0) {
                    skipExactly(tailBytes, "packet");
                    tailBytes = 0;
                }
                if (!nextPolarityPacket()) {
                    break;
                }
                continue;
            }
            if (!src.ensure(POLARITY_EVENT_BYTES)) {
                throw error(src.offset(), "truncated packet: " + eventsLeft + " polarity events missing");
            }
            final byte[] b = src.buf;
            final int start = src.pos;
            final int count = Math.min(Math.min((src.limit - start) / POLARITY_EVENT_BYTES, eventsLeft), cap - n);
            final int end = start + count * POLARITY_EVENT_BYTES;
            final long overflow = overflowUs;
            int p = start;
            boolean interrupted = false;
            while (p < end) {
                int data = (int) INT_LE.get(b, p);
                int t = (int) INT_LE.get(b, p + 4);
                p += POLARITY_EVENT_BYTES;
                if ((data & 1) == 0) {
                    continue; // invalidated by a cAER filter
                }
                int x = data >>> 17;
                int y = (data >>> 2) & 0x7FFF;
                if (x >= w || y >= h || t < 0) {
                    long bad = src.offsetOf(p - POLARITY_EVENT_BYTES);
                    src.pos = p;
                    eventsLeft -= (p - start) / POLARITY_EVENT_BYTES;
                    if (t < 0) {
                        throw error(bad, "negative timestamp " + t);
                    }
                    outside(bad, x, y);
                    interrupted = true;
                    break;
                }
                xs[n] = x;
                ys[n] = y;
                ps[n] = (byte) ((data >>> 1) & 1);
                ts[n] = overflow | t;
                n++;
            }
            if (!interrupted) {
                eventsLeft -= count;
                src.pos = p;
            }
        }
        batch.size = n;
        return n == 0 ? -1 : n;
    }

    /**
     * Reads packet headers, skipping non-polarity packets, until a polarity packet with events starts. Returns false
     * at a clean end of the recording (between packets).
     */
    private boolean nextPolarityPacket() throws IOException {
        while (true) {
            long at = src.offset();
            if (!src.ensure(PACKET_HEADER_BYTES)) {
                if (src.available() > 0) {
                    throw error(at, "truncated packet header: " + src.available() + " of 28 bytes");
                }
                return false;
            }
            byte[] b = src.buf;
            int p = src.pos;
            int type = (short) SHORT_LE.get(b, p);
            int size = (int) INT_LE.get(b, p + 4);
            int tsOffset = (int) INT_LE.get(b, p + 8);
            int tsOverflow = (int) INT_LE.get(b, p + 12);
            int capacity = (int) INT_LE.get(b, p + 16);
            int number = (int) INT_LE.get(b, p + 20);
            int valid = (int) INT_LE.get(b, p + 24);
            if (type < 0 || size <= 0 || capacity < 0 || number < 0 || number > capacity || valid < 0
                || valid > number || tsOffset < 0 || tsOffset > size - 4 || tsOverflow < 0) {
                throw error(at, "corrupt packet header (type " + type + ", size " + size + ", tsOffset " + tsOffset
                    + ", tsOverflow " + tsOverflow + ", capacity " + capacity + ", number " + number + ", valid "
                    + valid + ")");
            }
            long bytes = (long) size * capacity;
            long remaining = src.remaining();
            if (remaining >= 0 && bytes > remaining - PACKET_HEADER_BYTES) {
                throw error(at, "packet of " + bytes + " bytes runs past the end of the file ("
                    + (remaining - PACKET_HEADER_BYTES) + " left)");
            }
            src.pos += PACKET_HEADER_BYTES;
            if (type != POLARITY_TYPE) {
                skipExactly(bytes, "packet of type " + type);
                continue;
            }
            if (size != POLARITY_EVENT_BYTES || tsOffset != 4) {
                throw error(at, "polarity packet with event size " + size + " and tsOffset " + tsOffset
                    + " (expected 8 and 4)");
            }
            overflowUs = (long) tsOverflow << 31;
            eventsLeft = number;
            tailBytes = (long) (capacity - number) * POLARITY_EVENT_BYTES;
            if (number > 0) {
                return true;
            }
        }
    }

    private void skipExactly(long bytes, String what) throws IOException {
        long at = src.offset();
        if (src.skip(bytes) != bytes) {
            throw error(at, "truncated " + what + ": " + bytes + " bytes expected");
        }
    }
}
