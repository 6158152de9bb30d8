package io.spikestream.ingest.bridge;

import io.spikestream.ingest.format.EventBatch;
import io.spikestream.ingest.format.SensorGeometry;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
