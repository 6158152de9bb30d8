package io.spikestream.ingest.format;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Test helper: writes AEDAT 2.0 and 3.1 recordings from the documented layouts (jAER, cAER), with the events the
 * decoders must skip (special, APS, IMU, external input, invalidated, frame/IMU packets) mixed in.
 */
final class AedatFiles {

    private AedatFiles() {
    }

    /** Events in image coordinates (origin top left), as the decoders report them. */
    record Events(int[] x, int[] y, byte[] p, long[] t) {
        int size() {
            return x.length;
        }

        static Events random(long seed, int n, int width, int height, long startUs, long maxStepUs) {
            SplittableRandom rnd = new SplittableRandom(seed);
            Events e = new Events(new int[n], new int[n], new byte[n], new long[n]);
            long t = startUs;
            for (int i = 0; i < n; i++) {
                t += rnd.nextLong(maxStepUs + 1);
                e.x[i] = rnd.nextInt(width);
                e.y[i] = rnd.nextInt(height);
                e.p[i] = (byte) rnd.nextInt(2);
                e.t[i] = t;
            }
            e.x[0] = width - 1; // corners exercise every bit of the coordinate fields
            e.y[0] = height - 1;
            e.x[n - 1] = 0;
            e.y[n - 1] = 0;
            return e;
        }

        void assertDecodedAs(Decoded d) {
            Decoded expected = new Decoded();
            EventBatch b = new EventBatch(size());
            for (int i = 0; i < size(); i++) {
                b.add(x[i], y[i], p[i], t[i]);
            }
            expected.append(b);
            d.assertSameEvents(expected);
        }
    }

    static ByteArrayOutputStream aedat2Header(String chipClass) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ascii(out, "#!AER-DAT2.0\r\n");
        ascii(out, "# This is a raw AE data file - do not edit\r\n");
        ascii(out, "# Data format is int32 address, int32 timestamp (8 bytes total), repeated for each event\r\n");
        ascii(out, "# Timestamps tick: 1 us\r\n");
        if (chipClass != null) {
            ascii(out, "# AEChip: " + chipClass + "\r\n");
        }
        ascii(out, "# End Of ASCII Header\r\n");
        return out;
    }

    /** DVS128: x = 127 - column, y = 127 - row, bit 0 = 1 for OFF; a special event (bit 15) every 7th record. */
    static byte[] aedat2Dvs128(Events e, String chipClass, long seed) {
        ByteArrayOutputStream out = aedat2Header(chipClass);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < e.size(); i++) {
            if (i % 7 == 3) {
                record(out, 0x8000 | rnd.nextInt(0x8000), e.t[i]);
            }
            int col = 127 - e.x[i];
            int row = 127 - e.y[i];
            record(out, row << 8 | col << 1 | (1 - e.p[i]), e.t[i]);
        }
        return out.toByteArray();
    }

    /**
     * DAVIS: column bits 21..12, row bits 30..22 with row = height - 1 - y, polarity bit 11; between events APS
     * samples (bit 31), IMU samples (bit 31, bits 11..10 = 3) and external input events (bit 10).
     */
    static byte[] aedat2Davis(Events e, String chipClass, int height, long seed) {
        ByteArrayOutputStream out = aedat2Header(chipClass);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < e.size(); i++) {
            switch (i % 11) {
                case 2 -> record(out, 0x8000_0000 | rnd.nextInt() & 0x7FFF_F3FF, e.t[i]);        // APS sample
                case 5 -> record(out, 0x8000_0C00 | rnd.nextInt() & 0x7FFF_F3FF, e.t[i]);        // IMU
                case 8 -> record(out, 0x0000_0400 | rnd.nextInt() & 0x7FFF_FBFF, e.t[i]);        // external input
                default -> {
                }
            }
            int row = height - 1 - e.y[i];
            record(out, row << 22 | e.x[i] << 12 | e.p[i] << 11, e.t[i]);
        }
        return out.toByteArray();
    }

    static void record(ByteArrayOutputStream out, int address, long t) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN);
        b.putInt(address).putInt((int) t); // jAER keeps the low 32 bits; readers unwrap
        out.writeBytes(b.array());
    }

    static ByteArrayOutputStream aedat31Header(String source) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ascii(out, "#!AER-DAT3.1\r\n");
        ascii(out, "#Format: RAW\r\n");
        if (source != null) {
            ascii(out, "#Source 1: " + source + "\r\n");
        }
        ascii(out, "#Start-Time: 2017-05-09 14:03:24 (TZ+0200)\r\n");
        ascii(out, "#!END-HEADER\r\n");
        return out;
    }

    static void packetHeader(ByteArrayOutputStream out, int type, int size, int tsOffset, int tsOverflow,
        int capacity, int number, int valid) {
        ByteBuffer b = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) type).putShort((short) 1).putInt(size).putInt(tsOffset).putInt(tsOverflow)
            .putInt(capacity).putInt(number).putInt(valid);
        out.writeBytes(b.array());
    }

    static void polarityEvent(ByteArrayOutputStream out, boolean valid, int x, int y, int p, int t31) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(x << 17 | y << 2 | p << 1 | (valid ? 1 : 0)).putInt(t31);
        out.writeBytes(b.array());
    }

    /**
     * A cAER recording of {@code e}: polarity packets of up to 500 events (every 13th followed by an invalidated
     * copy), each preceded by a special-event packet and followed by a frame and an IMU6 packet to skip; every third
     * polarity packet declares spare capacity. Timestamps above 2^31 use eventTSOverflow.
     */
    static byte[] aedat31(Events e, String source) {
        ByteArrayOutputStream out = aedat31Header(source);
        int i = 0;
        int packet = 0;
        while (i < e.size()) {
            long overflow = e.t[i] >>> 31;
            int j = i;
            int invalid = 0;
            while (j < e.size() && j - i < 500 && e.t[j] >>> 31 == overflow) {
                if (j % 13 == 0) {
                    invalid++;
                }
                j++;
            }
            packetHeader(out, 0, 8, 4, (int) overflow, 2, 2, 2); // two special events
            out.writeBytes(new byte[16]);
            int number = j - i + invalid;
            int spare = packet % 3 == 0 ? 5 : 0;
            packetHeader(out, 1, 8, 4, (int) overflow, number + spare, number, j - i);
            for (int k = i; k < j; k++) {
                int t31 = (int) (e.t[k] & 0x7FFF_FFFFL);
                polarityEvent(out, true, e.x[k], e.y[k], e.p[k], t31);
                if (k % 13 == 0) {
                    polarityEvent(out, false, (e.x[k] + 1) % 128, e.y[k], 1 - e.p[k], t31);
                }
            }
            out.writeBytes(new byte[spare * 8]);
            packetHeader(out, 2, 64, 12, (int) overflow, 3, 3, 3); // frames: opaque 64-byte events
            out.writeBytes(new byte[3 * 64]);
            packetHeader(out, 3, 36, 4, (int) overflow, 1, 1, 1);  // IMU6
            out.writeBytes(new byte[36]);
            i = j;
            packet++;
        }
        return out.toByteArray();
    }

    static void ascii(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
    }
}
