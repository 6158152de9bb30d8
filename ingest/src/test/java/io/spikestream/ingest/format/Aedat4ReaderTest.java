package io.spikestream.ingest.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class Aedat4ReaderTest {

    static final Path SAMPLE = SharedData.data("formats/aedat4/sample.aedat4");
    /** Offset of the sample's first packet: version line (14) + IOHeader size prefix (4) + IOHeader (2316). */
    static final int SAMPLE_FIRST_PACKET = 2334;

    @Test
    void realDvxplorerRecording() throws IOException {
        Decoded d = Decoded.drain(EventFiles.open(SAMPLE));
        assertEquals(EventFormat.AEDAT4, d.format);
        assertEquals(new SensorGeometry(320, 240), d.geometry, "sizeX/sizeY of the EVTS stream");
        assertEquals(111_954, d.size);
        assertTrue(d.monotone());
        for (int i = 0; i < d.size; i++) {
            assertTrue(d.geometry.contains(d.x[i], d.y[i]), "event " + i);
        }
        assertEquals(55_023, d.on());
        // microseconds since the Unix epoch (2020-11-16), about 590 ms of recording
        assertEquals(1_605_537_493_718_345L, d.t[0]);
        assertEquals(1_605_537_494_308_262L, d.t[d.size - 1]);
        try (EventReader r = EventFiles.open(SAMPLE)) {
            Decoded.drain(r, 77).assertSameEvents(d);
        }
        Decoded.drain(EventFiles.open(Files.readAllBytes(SAMPLE), "mem.aedat4", DecodeOptions.DEFAULT))
            .assertSameEvents(d);
    }

    @ParameterizedTest
    @EnumSource(Aedat4Files.Codec.class)
    void roundTripEveryCompression(Aedat4Files.Codec codec) throws IOException {
        // 4500 events x 16 bytes = 72 kB per packet: more than one linked 64 kB LZ4 block (commons-compress
        // compresses random events slowly, hence the modest size)
        AedatFiles.Events e = AedatFiles.Events.random(31, 9_876, 346, 260, 1_700_000_000_000_000L, 40);
        byte[] bytes = Aedat4Files.write(e, 346, 260, codec, 4500);
        Decoded d = Decoded.drain(EventFiles.open(bytes, "w.aedat4", DecodeOptions.DEFAULT));
        assertEquals(new SensorGeometry(346, 260), d.geometry);
        e.assertDecodedAs(d);
        try (EventReader r = EventFiles.open(bytes, "w.aedat4", DecodeOptions.DEFAULT)) {
            Decoded.drain(r, 999).assertSameEvents(d);
        }
    }

    @Test
    void truncatedAndOversizedPacketsAreErrorsWithoutAllocation() throws IOException {
        byte[] sample = Files.readAllBytes(SAMPLE);
        // truncated inside the first packet: its header's length runs past the end
        PropheseeReadersTest.assertDecodeError(Arrays.copyOf(sample, SAMPLE_FIRST_PACKET + 100), "t.aedat4",
            SAMPLE_FIRST_PACKET);
        // truncated inside the first packet header
        PropheseeReadersTest.assertDecodeError(Arrays.copyOf(sample, SAMPLE_FIRST_PACKET + 5), "t.aedat4",
            SAMPLE_FIRST_PACKET);
        // a 2 GB size field: an error before any buffer is sized from it
        byte[] huge = sample.clone();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putInt(SAMPLE_FIRST_PACKET + 4, Integer.MAX_VALUE);
        assertTrue(PropheseeReadersTest.assertDecodeError(huge, "h.aedat4", SAMPLE_FIRST_PACKET).getMessage()
            .contains("past the end"));
        // a packet larger than the configured cap
        DecodeOptions small = DecodeOptions.DEFAULT.withMaxPacketBytes(4096);
        DecodeException capped = org.junit.jupiter.api.Assertions.assertThrows(DecodeException.class,
            () -> Decoded.drain(EventFiles.open(sample, "c.aedat4", small)));
        assertEquals(SAMPLE_FIRST_PACKET, capped.offset());
        assertTrue(capped.getMessage().contains("limit"), capped.getMessage());
        // the IOHeader's own size prefix
        byte[] badHeader = sample.clone();
        ByteBuffer.wrap(badHeader).order(ByteOrder.LITTLE_ENDIAN).putInt(14, 1 << 30);
        PropheseeReadersTest.assertDecodeError(badHeader, "b.aedat4", 14);
    }

    @Test
    void corruptCompressedDataAndFlatbuffersAreDecodeErrors() throws IOException {
        byte[] sample = Files.readAllBytes(SAMPLE);
        byte[] lz4 = sample.clone();
        lz4[SAMPLE_FIRST_PACKET + 8] ^= 0x55; // LZ4 frame magic
        assertTrue(PropheseeReadersTest.assertDecodeError(lz4, "z.aedat4", SAMPLE_FIRST_PACKET).getMessage()
            .contains("corrupt compressed packet"));

        AedatFiles.Events e = AedatFiles.Events.random(41, 300, 64, 48, 0, 10);
        int first = Aedat4Files.headerBytes(Aedat4Files.Codec.NONE, 64, 48);
        byte[] plain = Aedat4Files.write(e, 64, 48, Aedat4Files.Codec.NONE, 100);
        int events = first + 8 + 200 + 8; // after the 200-byte frame packet: the event packet's data
        byte[] badRoot = plain.clone();
        ByteBuffer.wrap(badRoot).order(ByteOrder.LITTLE_ENDIAN).putInt(events + 4, 0x7FFF_0000);
        PropheseeReadersTest.assertDecodeError(badRoot, "r.aedat4", first + 8 + 200);
        byte[] badLength = plain.clone();
        ByteBuffer bl = ByteBuffer.wrap(badLength).order(ByteOrder.LITTLE_ENDIAN);
        int root = events + 4 + bl.getInt(events + 4);
        int vtable = root - bl.getInt(root);
        int vector = root + bl.getShort(vtable + 4);
        vector += bl.getInt(vector);
        assertEquals(100, bl.getInt(vector), "the elements vector length");
        bl.putInt(vector, 1 << 28);
        assertTrue(PropheseeReadersTest.assertDecodeError(badLength, "v.aedat4", first + 8 + 200).getMessage()
            .contains("leaves"));

        byte[] zstd = Aedat4Files.write(e, 64, 48, Aedat4Files.Codec.ZSTD, 100);
        int zfirst = Aedat4Files.headerBytes(Aedat4Files.Codec.ZSTD, 64, 48);
        int eventPacket = zfirst + 8 + ByteBuffer.wrap(zstd).order(ByteOrder.LITTLE_ENDIAN).getInt(zfirst + 4);
        zstd[eventPacket + 8 + 6] ^= 0x7F; // inside the Zstd frame header
        PropheseeReadersTest.assertDecodeError(zstd, "s.aedat4", eventPacket);
        // cut at a packet boundary before the data table: the end of the file is the error
        int cut = eventPacket + 8 + ByteBuffer.wrap(zstd).order(ByteOrder.LITTLE_ENDIAN).getInt(eventPacket + 4);
        byte[] shortFile = Arrays.copyOf(Aedat4Files.write(e, 64, 48, Aedat4Files.Codec.ZSTD, 100), cut);
        assertTrue(PropheseeReadersTest.assertDecodeError(shortFile, "s.aedat4", cut).getMessage()
            .contains("before its data table"));

        byte[] noVersion = sample.clone();
        noVersion[9] = '5';
        PropheseeReadersTest.assertDecodeError(noVersion, "x.aedat4", 0);
    }

    @Test
    void outOfGeometryEventNamesItsPacket() throws IOException {
        AedatFiles.Events e = AedatFiles.Events.random(43, 300, 64, 48, 0, 10);
        e.x()[150] = 64;
        byte[] bytes = Aedat4Files.write(e, 64, 48, Aedat4Files.Codec.LZ4, 100);
        int first = Aedat4Files.headerBytes(Aedat4Files.Codec.LZ4, 64, 48);
        DecodeException err = org.junit.jupiter.api.Assertions.assertThrows(DecodeException.class,
            () -> Decoded.drain(EventFiles.open(bytes, "g.aedat4", DecodeOptions.DEFAULT)));
        assertTrue(err.offset() > first, "names the second event packet, past the first");
        assertTrue(err.getMessage().contains("(64, "), err.getMessage());
        Decoded lenient = Decoded.drain(EventFiles.open(bytes, "g.aedat4", DecodeOptions.DEFAULT.withLenient(true)));
        assertEquals(1, lenient.skipped);
        assertEquals(299, lenient.size);
    }
}
