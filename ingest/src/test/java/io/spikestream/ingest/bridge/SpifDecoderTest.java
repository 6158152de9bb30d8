package io.spikestream.ingest.bridge;

import io.spikestream.ingest.format.EventBatch;
import io.spikestream.ingest.format.SensorGeometry;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpifDecoderTest {

    /** Little-endian datagram from 32-bit words. */
    static byte[] datagram(int... words) {
        ByteBuffer b = ByteBuffer.allocate(words.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int w : words) {
            b.putInt(w);
        }
        return b.array();
    }

    @Test
    void wordLayoutMatchesTheSpifTable() {
        int w = SpifLayout.word(300, 17, 1, false);
        assertEquals(0x812C_8011, w, "bit 31 no-ts, x=300 in 30..16, polarity bit 15, y=17");
        assertEquals(300, SpifLayout.x(w));
        assertEquals(17, SpifLayout.y(w));
        assertEquals(1, SpifLayout.polarity(w));
        assertEquals(false, SpifLayout.hasTimestamp(w));
        assertEquals(true, SpifLayout.hasTimestamp(SpifLayout.word(1, 2, 0, true)));
        // As AEStream writes it on a little-endian host: the low byte (y) first.
        assertArrayEquals(new byte[] {0x11, (byte) 0x80, 0x2C, (byte) 0x81}, datagram(w));
    }

    @Test
    void decodesUntimedAndTimedEventsAndCountsBadOnes() {
        BridgeStats stats = new BridgeStats();
        SpifDecoder decoder = new SpifDecoder(new SensorGeometry(640, 480), stats);
        EventBatch batch = new EventBatch(64);
        long arrival = 1_700_000_000_000_000L;

        byte[] mixed = datagram(
            SpifLayout.word(1, 2, 1, false),
            SpifLayout.word(3, 4, 0, true), 5_000,
            SpifLayout.word(639, 479, 1, true), 5_250,
            SpifLayout.word(640, 0, 0, false), // x outside 640
            SpifLayout.word(7, 8, 1, true)); // announces a timestamp that is missing
        assertEquals(3, decoder.decode(mixed, mixed.length, arrival, batch));
        assertEquals(3, batch.size);
        assertArrayEquals(new int[] {1, 3, 639}, Arrays.copyOf(batch.x, 3));
        assertArrayEquals(new int[] {2, 4, 479}, Arrays.copyOf(batch.y, 3));
        assertArrayEquals(new byte[] {1, 0, 1}, Arrays.copyOf(batch.polarity, 3));
        // Untimed: arrival. Timed: device time shifted so the first timed event lands on its arrival.
        assertArrayEquals(new long[] {arrival, arrival, arrival + 250}, Arrays.copyOf(batch.timestampUs, 3));
        assertEquals(1, stats.outOfGeometryEvents());
        assertEquals(1, stats.truncatedEvents());

        assertEquals(0, decoder.decode(new byte[7], 7, arrival, batch));
        assertEquals(0, decoder.decode(new byte[0], 0, arrival, batch));
        assertEquals(2, stats.malformedDatagrams());
        assertEquals(3, stats.datagrams());
        assertEquals(3, stats.events());
    }

    @Test
    void deviceClockWrapIsUnwrapped() {
        SpifDecoder decoder = new SpifDecoder(new SensorGeometry(34, 34), new BridgeStats());
        EventBatch batch = new EventBatch(8);
        long arrival = 1_000_000L;
        byte[] before = datagram(SpifLayout.word(0, 0, 0, true), 0xFFFF_FF00);
        byte[] after = datagram(SpifLayout.word(0, 0, 0, true), 0x0000_0100);
        decoder.decode(before, before.length, arrival, batch);
        decoder.decode(after, after.length, arrival + 999_999, batch);
        assertEquals(arrival, batch.timestampUs[0]);
        assertEquals(arrival + 0x200, batch.timestampUs[1], "512 us later across the 2^32 wrap, not 71 minutes back");
    }

    /**
     * A device counter reset (camera restart) is not a wrap: the time line continues where it was instead of leaping
     * 21 minutes ahead (a reset from 3e9 misread as a wrap) or a second back (a reset from 1e6), counted once each.
     */
    @Test
    void deviceCounterResetIsRealignedNotUnwrapped() {
        BridgeStats stats = new BridgeStats();
        SpifDecoder decoder = new SpifDecoder(new SensorGeometry(34, 34), stats);
        EventBatch batch = new EventBatch(16);
        long arrival = 5_000_000L;
        byte[] a = datagram(SpifLayout.word(0, 0, 0, true), (int) 3_000_000_000L, SpifLayout.word(1, 0, 0, true),
            (int) 3_000_000_400L);
        byte[] afterReset = datagram(SpifLayout.word(2, 0, 0, true), 1_000, SpifLayout.word(3, 0, 0, true), 1_250);
        byte[] later = datagram(SpifLayout.word(4, 0, 0, true), 1_001_000);
        byte[] secondReset = datagram(SpifLayout.word(5, 0, 0, true), 10);
        decoder.decode(a, a.length, arrival, batch);
        decoder.decode(afterReset, afterReset.length, arrival + 10_000, batch);
        decoder.decode(later, later.length, arrival + 1_010_000, batch);
        decoder.decode(secondReset, secondReset.length, arrival + 1_020_000, batch);
        long[] t = Arrays.copyOf(batch.timestampUs, 6);
        assertEquals(arrival, t[0]);
        assertEquals(arrival + 400, t[1]);
        assertEquals(arrival + 10_000, t[2], "continues at its arrival, not 21 minutes ahead");
        assertEquals(arrival + 10_250, t[3], "device spacing kept after the reset");
        assertEquals(arrival + 1_010_000, t[4]);
        assertEquals(arrival + 1_020_000, t[5], "a reset to a small count: continues, not a second back");
        assertEquals(2, stats.clockRealigns());
        for (int i = 1; i < t.length; i++) {
            assertTrue(t[i] >= t[i - 1], "the time line never goes back: " + Arrays.toString(t));
        }
    }
}
