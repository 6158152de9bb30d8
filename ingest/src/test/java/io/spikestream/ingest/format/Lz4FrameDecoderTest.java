package io.spikestream.ingest.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.Arrays;
import org.apache.commons.compress.compressors.lz4.FramedLZ4CompressorInputStream;
import org.junit.jupiter.api.Test;

class Lz4FrameDecoderTest {

    @Test
    void everyPacketOfTheRealSampleTakesTheFastPathAndMatchesCommonsCompress() throws IOException {
        byte[] file = Files.readAllBytes(Aedat4ReaderTest.SAMPLE);
        ByteBuffer bb = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        Lz4FrameDecoder lz4 = new Lz4FrameDecoder();
        int packets = 0;
        for (int p = Aedat4ReaderTest.SAMPLE_FIRST_PACKET; p < 945_243; p += 8 + bb.getInt(p + 4)) {
            int size = bb.getInt(p + 4);
            byte[] frame = Arrays.copyOfRange(file, p + 8, p + 8 + size);
            int n = lz4.decompress(frame, size, 1 << 24);
            assertTrue(n > 0, "packet at " + p);
            byte[] reference;
            try (FramedLZ4CompressorInputStream in = new FramedLZ4CompressorInputStream(new ByteArrayInputStream(frame))) {
                reference = in.readAllBytes();
            }
            assertArrayEquals(reference, Arrays.copyOf(lz4.buffer(), n), "packet at " + p);
            packets++;
        }
        assertEquals(118, packets, "events, IMU and trigger packets");
    }

    @Test
    void linkedBlocksThatReferBackFallBackAndCorruptionIsNeverDecoded() {
        AedatFiles.Events e = AedatFiles.Events.random(61, 5_000, 346, 260, 0, 3);
        byte[] raw = Aedat4Files.eventPacket(e, 0, 5_000); // 80 kB: two linked 64 kB blocks
        byte[] frame = Aedat4Files.compress(Aedat4Files.Codec.LZ4, raw);
        Lz4FrameDecoder lz4 = new Lz4FrameDecoder();
        int n = lz4.decompress(frame, frame.length, 1 << 24);
        if (n >= 0) {
            assertArrayEquals(raw, Arrays.copyOf(lz4.buffer(), n), "a frame whose blocks happen not to refer back");
        } else {
            assertEquals(Lz4FrameDecoder.UNSUPPORTED, n);
        }
        for (int i = 4; i < frame.length; i += 97) {
            byte[] bad = frame.clone();
            bad[i] ^= 0x20;
            int m = lz4.decompress(bad, bad.length, 1 << 24);
            assertTrue(m == Lz4FrameDecoder.UNSUPPORTED || Arrays.equals(raw, Arrays.copyOf(lz4.buffer(), m)),
                "flip at " + i + " must be caught by the checksums or leave the data intact");
        }
        assertEquals(Lz4FrameDecoder.UNSUPPORTED, lz4.decompress(frame, 1 << 10, 1 << 24), "truncated frame");
        assertEquals(Lz4FrameDecoder.UNSUPPORTED, lz4.decompress(frame, frame.length, 1 << 10), "over the cap");
    }
}
