package io.spikestream.schemas;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventBatchLayoutTest {

    private static final EventBatchLayout.Header HEADER =
        new EventBatchLayout.Header("cam", 640, 480, 0, 0, null, -1);

    @Test
    void packsTheDocumentedLayoutByteForByte() {
        DvsEventBatch b = EventBatchLayout.pack(HEADER, new int[] {9, 0x1234, 3}, new int[] {1, 2, 479},
            new byte[] {1, 0, 1}, new long[] {1_000, 1_063, 1_000}, 0, 3);
        assertEquals(3, b.getCount());
        assertEquals(1_000, b.getFirstTimestampUs());
        assertArrayEquals(new byte[] {9, 0, 0x34, 0x12, 3, 0}, bytes(b.getX()));
        assertArrayEquals(new byte[] {1, 0, 2, 0, (byte) 0xDF, 1}, bytes(b.getY()));
        assertArrayEquals(new byte[] {0b101}, bytes(b.getPolarity()));
        // +63 -> zigzag 126 (one byte), -63 -> zigzag 125 (one byte)
        assertArrayEquals(new byte[] {126, 125}, bytes(b.getTimestampDeltas()));
    }

    @Test
    void roundTripsRandomBatchesIncludingLargeAndNegativeDeltas() throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        for (int round = 0; round < 200; round++) {
            int n = random.nextInt(3_000);
            int[] x = new int[n];
            int[] y = new int[n];
            byte[] p = new byte[n];
            long[] t = new long[n];
            long now = random.nextLong(-1L << 40, 1L << 40);
            for (int i = 0; i < n; i++) {
                x[i] = random.nextInt(640);
                y[i] = random.nextInt(480);
                p[i] = (byte) random.nextInt(2);
                now += random.nextInt(10) == 0 ? random.nextLong(-1L << 35, 1L << 35) : random.nextInt(-5, 200);
                t[i] = now;
            }
            DvsEventBatch b = EventBatchLayout.pack(HEADER, x, y, p, t, 0, n);
            int[] x2 = new int[n];
            int[] y2 = new int[n];
            byte[] p2 = new byte[n];
            long[] t2 = new long[n];
            assertEquals(n, EventBatchLayout.unpack(b, x2, y2, p2, t2));
            assertArrayEquals(x, x2);
            assertArrayEquals(y, y2);
            assertArrayEquals(p, p2);
            assertArrayEquals(t, t2);
        }
    }

    @Test
    void extremeTimestampsSurvive() throws Exception {
        long[] t = {Long.MIN_VALUE + 1, 0, Long.MAX_VALUE, Long.MAX_VALUE};
        DvsEventBatch b = EventBatchLayout.pack(HEADER, new int[4], new int[4], new byte[4], t, 0, 4);
        long[] back = new long[4];
        EventBatchLayout.unpack(b, new int[4], new int[4], new byte[4], back);
        assertArrayEquals(t, back);
    }

    @Test
    void nMnistLikeEventsCostAboutFiveBytes() {
        int n = 4_000;
        int[] x = new int[n];
        int[] y = new int[n];
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            x[i] = i % 34;
            y[i] = (i * 7) % 34;
            t[i] = 300L + i * 75L; // 4000 events over 300 ms
        }
        DvsEventBatch b = EventBatchLayout.pack(HEADER, x, y, new byte[n], t, 0, n);
        int bytes = b.getX().remaining() + b.getY().remaining() + b.getPolarity().remaining()
            + b.getTimestampDeltas().remaining();
        assertEquals(4 * n + n / 8 + 2 * (n - 1), bytes, "75 us deltas need two varint bytes");
    }

    @Test
    void eventOutsideGeometryIsNamed() {
        DvsEventBatch b = EventBatchLayout.pack(new EventBatchLayout.Header("cam-7", 34, 34, 5, 0, null, -1),
            new int[] {1, 2, 34}, new int[] {0, 0, 0}, new byte[3], new long[3], 0, 3);
        InvalidEventBatchException e = assertThrows(InvalidEventBatchException.class,
            () -> EventBatchLayout.unpack(b, new int[3], new int[3], new byte[3], new long[3]));
        assertEquals(DeadLetterReason.OUT_OF_GEOMETRY, e.reason());
        assertEquals(2, e.eventIndex());
        assertEquals("batch 5 of sensor cam-7: event 2 at (34, 0) lies outside the declared 34x34 sensor",
            e.getMessage());
    }

    @Test
    void inconsistentArraysAreInvalidContent() {
        DvsEventBatch b = EventBatchLayout.pack(HEADER, new int[] {1, 2}, new int[] {1, 2}, new byte[2],
            new long[] {1, 2}, 0, 2);
        b.setCount(3);
        InvalidEventBatchException e = assertThrows(InvalidEventBatchException.class,
            () -> EventBatchLayout.unpack(b, new int[3], new int[3], new byte[3], new long[3]));
        assertEquals(DeadLetterReason.INVALID_CONTENT, e.reason());

        DvsEventBatch c = EventBatchLayout.pack(HEADER, new int[] {1, 2}, new int[] {1, 2}, new byte[2],
            new long[] {1, 2}, 0, 2);
        c.setTimestampDeltas(ByteBuffer.wrap(new byte[] {(byte) 0x80}));
        InvalidEventBatchException d = assertThrows(InvalidEventBatchException.class,
            () -> EventBatchLayout.unpack(c, new int[2], new int[2], new byte[2], new long[2]));
        assertTrue(d.getMessage().contains("timestamp deltas end before event 1"), d.getMessage());
    }

    @Test
    void coordinatesBeyondSixteenBitsAreRejectedWhenPacking() {
        assertThrows(IllegalArgumentException.class, () -> EventBatchLayout.pack(HEADER, new int[] {70_000},
            new int[] {0}, new byte[1], new long[1], 0, 1));
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
