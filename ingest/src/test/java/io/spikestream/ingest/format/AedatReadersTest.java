package io.spikestream.ingest.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** AEDAT 2.0 (real header-only DAVIS346 file, written DVS128/DAVIS files) and AEDAT 3.1 (written files). */
class AedatReadersTest {

    static final Path DAVIS_HEADER_ONLY = SharedData.data("formats/aedat2/davis346_header_only.aedat");
    static final String DVS128_CHIP = "ch.unizh.ini.jaer.chip.retina.DVS128";
    static final String DAVIS346_CHIP = "eu.seebetter.ini.chips.davis.Davis346red";
    static final long WRAP32 = 1L << 32;

    @Test
    void realHeaderOnlyDavis346FileIsValidAndEmpty() throws IOException {
        try (EventReader r = EventFiles.open(DAVIS_HEADER_ONLY)) {
            assertEquals(EventFormat.AEDAT2, r.format());
            assertEquals(new SensorGeometry(346, 260), r.geometry());
            EventBatch b = new EventBatch(16);
            assertEquals(-1, r.read(b));
            assertEquals(0, b.size);
        }
    }

    @Test
    void dvs128RoundTripWithSpecialEventsAndTimestampWrap() throws IOException {
        AedatFiles.Events e = AedatFiles.Events.random(1, 20_000, 128, 128, WRAP32 - 3_000_000, 400);
        assertTrue(e.t()[e.size() - 1] > WRAP32, "the recording crosses the 32-bit wrap");
        byte[] bytes = AedatFiles.aedat2Dvs128(e, DVS128_CHIP, 2);
        Decoded d = Decoded.drain(EventFiles.open(bytes, "dvs128.aedat", DecodeOptions.DEFAULT));
        assertEquals(EventFormat.AEDAT2, d.format);
        assertEquals(new SensorGeometry(128, 128), d.geometry);
        // the recording starts above 2^31 us: written times are the low 32 bits, so decoding starts from 0 + low bits
        long firstWritten = e.t()[0] & (WRAP32 - 1);
        assertEquals(firstWritten, d.t[0]);
        shift(e, firstWritten - e.t()[0]).assertDecodedAs(d);

        Decoded noChip = Decoded.drain(EventFiles.open(AedatFiles.aedat2Dvs128(e, null, 2), "old.aedat",
            DecodeOptions.DEFAULT));
        noChip.assertSameEvents(d);
        try (EventReader r = EventFiles.open(bytes, "dvs128.aedat", DecodeOptions.DEFAULT)) {
            Decoded.drain(r, 3).assertSameEvents(d);
        }
    }

    @Test
    void dvs128AddressBitsFollowJaer() throws IOException {
        ByteArrayOutputStream out = AedatFiles.aedat2Header("ch.unizh.ini.jaer.chip.retina.Tmpdiff128");
        AedatFiles.record(out, 0x0000, 10);           // column 0, row 0, bit 0 = 0 → ON, at (127, 127)
        AedatFiles.record(out, 0x7FFF, 20);           // column 127, row 127, OFF, at (0, 0)
        AedatFiles.record(out, 5 << 8 | 9 << 1 | 1, 30);
        Decoded d = Decoded.drain(EventFiles.open(out.toByteArray(), "bits.aedat", DecodeOptions.DEFAULT));
        assertEquals("[127, 0, 118]", Arrays.toString(Arrays.copyOf(d.x, 3)));
        assertEquals("[127, 0, 122]", Arrays.toString(Arrays.copyOf(d.y, 3)));
        assertEquals("[1, 0, 0]", Arrays.toString(Arrays.copyOf(d.p, 3)));
        assertEquals("[10, 20, 30]", Arrays.toString(Arrays.copyOf(d.t, 3)));
    }

    @Test
    void davis346RoundTripSkippingApsImuAndExternalEvents() throws IOException {
        AedatFiles.Events e = AedatFiles.Events.random(3, 30_000, 346, 260, 1_000, 50);
        byte[] bytes = AedatFiles.aedat2Davis(e, DAVIS346_CHIP, 260, 4);
        Decoded d = Decoded.drain(EventFiles.open(bytes, "davis.aedat", DecodeOptions.DEFAULT));
        assertEquals(new SensorGeometry(346, 260), d.geometry);
        e.assertDecodedAs(d);
        try (EventReader r = EventFiles.open(bytes, "davis.aedat", DecodeOptions.DEFAULT)) {
            Decoded.drain(r, 10).assertSameEvents(d);
        }
        AedatFiles.Events small = AedatFiles.Events.random(5, 500, 240, 180, 0, 1000);
        Decoded d240 = Decoded.drain(EventFiles.open(
            AedatFiles.aedat2Davis(small, "eu.seebetter.ini.chips.davis.DAVIS240C", 180, 6), "240.aedat",
            DecodeOptions.DEFAULT));
        assertEquals(new SensorGeometry(240, 180), d240.geometry);
        small.assertDecodedAs(d240);
    }

    @Test
    void aedat2ErrorsNameFileAndOffset() throws IOException {
        AedatFiles.Events e = AedatFiles.Events.random(7, 100, 346, 260, 0, 10);
        byte[] bytes = AedatFiles.aedat2Davis(e, DAVIS346_CHIP, 260, 8);
        int headerEnd = AedatFiles.aedat2Header(DAVIS346_CHIP).size();
        PropheseeReadersTest.assertDecodeError(Arrays.copyOf(bytes, bytes.length - 3), "t.aedat", bytes.length - 8);
        // a DVS event in column 400 of a 346-wide sensor: the first DVS record from record 10 on
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int rec = headerEnd + 8 * 10;
        while ((b.getInt(rec) & 0x8000_0400) != 0) {
            rec += 8;
        }
        int a = b.getInt(rec);
        b.putInt(rec, (a & ~(0x3FF << 12)) | 400 << 12);
        PropheseeReadersTest.assertDecodeError(bytes, "o.aedat", rec);
        Decoded lenient = Decoded.drain(EventFiles.open(bytes, "o.aedat", DecodeOptions.DEFAULT.withLenient(true)));
        assertEquals(1, lenient.skipped);
        assertEquals(99, lenient.size);

        ByteArrayOutputStream cochlea = AedatFiles.aedat2Header("ch.unizh.ini.jaer.chip.cochlea.CochleaAMS1c");
        DecodeException chip = PropheseeReadersTest.assertDecodeError(cochlea.toByteArray(), "c.aedat",
            AedatFiles.aedat2Header(null).size() - "# End Of ASCII Header\r\n".length());
        assertTrue(chip.getMessage().contains("CochleaAMS1c"));
    }

    @Test
    void aedat31RoundTripSkipsOtherPacketsAndInvalidEventsAndUsesOverflow() throws IOException {
        AedatFiles.Events e = AedatFiles.Events.random(11, 12_000, 128, 128, (1L << 31) - 1_000_000, 300);
        assertTrue(e.t()[e.size() - 1] >= 1L << 31, "crosses eventTSOverflow");
        byte[] bytes = AedatFiles.aedat31(e, "DVS128");
        assertEquals(EventFormat.AEDAT31, EventFiles.detect(bytes, bytes.length, "g.aedat"));
        Decoded d = Decoded.drain(EventFiles.open(bytes, "g.aedat", DecodeOptions.DEFAULT));
        assertEquals(EventFormat.AEDAT31, d.format);
        assertEquals(new SensorGeometry(128, 128), d.geometry);
        e.assertDecodedAs(d);
        assertTrue(d.monotone());
        for (int cap : new int[] {1, 499, 501}) {
            try (EventReader r = EventFiles.open(bytes, "g.aedat", DecodeOptions.DEFAULT)) {
                Decoded.drain(r, cap).assertSameEvents(d);
            }
        }
        AedatFiles.Events davis = AedatFiles.Events.random(12, 900, 346, 260, 0, 100);
        Decoded dd = Decoded.drain(EventFiles.open(AedatFiles.aedat31(davis, "DAVIS346B"), "d.aedat",
            DecodeOptions.DEFAULT));
        assertEquals(new SensorGeometry(346, 260), dd.geometry);
        davis.assertDecodedAs(dd);
    }

    @Test
    void aedat31ErrorsNameFileAndOffset() throws IOException {
        int header = AedatFiles.aedat31Header("DVS128").size();
        AedatFiles.Events e = AedatFiles.Events.random(13, 50, 128, 128, 0, 100);
        byte[] bytes = AedatFiles.aedat31(e, "DVS128");
        int polarityPacket = header + 28 + 16;
        int firstEvent = polarityPacket + 28;

        // eventNumber > eventCapacity
        byte[] corrupt = bytes.clone();
        ByteBuffer.wrap(corrupt).order(ByteOrder.LITTLE_ENDIAN).putInt(polarityPacket + 20, 1 << 20);
        assertTrue(PropheseeReadersTest.assertDecodeError(corrupt, "c.aedat", polarityPacket).getMessage()
            .contains("corrupt packet header"));
        // a 2 GB packet length is an error, not an allocation
        byte[] huge = bytes.clone();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putInt(header + 16, Integer.MAX_VALUE)
            .putInt(header + 20, 2).putInt(header + 24, 2);
        assertTrue(PropheseeReadersTest.assertDecodeError(huge, "h.aedat", header).getMessage()
            .contains("past the end"));
        // truncated inside the polarity packet's events (the header's length no longer fits: its offset is named),
        // and inside a packet header
        PropheseeReadersTest.assertDecodeError(Arrays.copyOf(bytes, firstEvent + 8 * 3 + 5), "t.aedat",
            polarityPacket);
        PropheseeReadersTest.assertDecodeError(Arrays.copyOf(bytes, header + 10), "t.aedat", header);
        // x = 200 on a DVS128 (the first event is valid: 0 % 13 == 0 writes the valid copy first)
        byte[] outside = bytes.clone();
        ByteBuffer ob = ByteBuffer.wrap(outside).order(ByteOrder.LITTLE_ENDIAN);
        ob.putInt(firstEvent, (ob.getInt(firstEvent) & 0x1FFFF) | 200 << 17);
        PropheseeReadersTest.assertDecodeError(outside, "o.aedat", firstEvent);
        Decoded lenient = Decoded.drain(EventFiles.open(outside, "o.aedat", DecodeOptions.DEFAULT.withLenient(true)));
        assertEquals(1, lenient.skipped);
        assertEquals(49, lenient.size);
        // header without its end line
        byte[] noEnd = "#!AER-DAT3.1\r\n#Source 1: DVS128\r\n".getBytes(StandardCharsets.ISO_8859_1);
        PropheseeReadersTest.assertDecodeError(noEnd, "n.aedat", noEnd.length);
    }

    @Test
    void fileAndMemoryAgree() throws IOException {
        AedatFiles.Events e = AedatFiles.Events.random(21, 40_000, 128, 128, 0, 30);
        byte[] bytes = AedatFiles.aedat31(e, "DVS128");
        Path tmp = Files.createTempFile("rec", ".aedat");
        try {
            Files.write(tmp, bytes);
            Decoded.drain(EventFiles.open(tmp)).assertSameEvents(
                Decoded.drain(EventFiles.open(bytes, "m.aedat", DecodeOptions.DEFAULT)));
        } finally {
            Files.delete(tmp);
        }
    }

    private static AedatFiles.Events shift(AedatFiles.Events e, long delta) {
        long[] t = e.t().clone();
        for (int i = 0; i < t.length; i++) {
            t[i] += delta;
        }
        return new AedatFiles.Events(e.x(), e.y(), e.p(), t);
    }
}
