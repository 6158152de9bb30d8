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

/** EVT 2.0, EVT 3.0 and DAT on the real Prophesee recordings in ../shared, plus hand-written streams. */
class PropheseeReadersTest {

    static final Path EVT2 = SharedData.data("formats/evt2/evt2_sample.raw");
    static final Path EVT3 = SharedData.data("formats/evt3/evt3_sample.raw");
    static final Path DAT = SharedData.data("formats/dat/sample_ncars.dat");
    static final int EVT2_DATA = 164;
    static final int EVT3_DATA = 166;
    static final int DAT_DATA = 91;

    @Test
    void evt2RealFile() throws IOException {
        Decoded d = Decoded.drain(EventFiles.open(EVT2));
        assertEquals(EventFormat.EVT2, d.format);
        assertEquals(new SensorGeometry(640, 480), d.geometry, "hal_plugin_gen3_fx3 is a 640x480 Gen3 sensor");
        assertEquals(539_481, d.size);
        assertEquals(367_855, d.on());
        assertEquals(1_317_888L, d.t[0]);
        assertEquals(1_367_888L, d.t[d.size - 1]);
        assertTrue(d.monotone());
        assertInside(d);
    }

    @Test
    void evt3RealFile() throws IOException {
        Decoded d = Decoded.drain(EventFiles.open(EVT3));
        assertEquals(EventFormat.EVT3, d.format);
        assertEquals(new SensorGeometry(1280, 720), d.geometry, "hal_plugin_gen41_evk3 is a 1280x720 Gen4.1 sensor");
        assertEquals(219_596, d.size);
        assertEquals(115_532, d.on());
        assertEquals(11_718_656L, d.t[0]);
        assertEquals(11_727_457L, d.t[d.size - 1]);
        assertTrue(d.monotone());
        assertInside(d);
        int maxX = Arrays.stream(d.x, 0, d.size).max().orElseThrow();
        int maxY = Arrays.stream(d.y, 0, d.size).max().orElseThrow();
        assertEquals(1279, maxX);
        assertEquals(719, maxY);
    }

    @Test
    void datRealFile() throws IOException {
        Decoded d = Decoded.drain(EventFiles.open(DAT));
        assertEquals(EventFormat.DAT, d.format);
        assertEquals(new SensorGeometry(304, 240), d.geometry, "no Width/Height lines: the ATIS default");
        assertEquals(2_009, d.size);
        assertEquals(1_350, d.on());
        assertEquals(0L, d.t[0]);
        assertEquals(99_952L, d.t[d.size - 1]);
        assertTrue(d.monotone());
        assertEquals(77, Arrays.stream(d.x, 0, d.size).max().orElseThrow());
        assertEquals(41, Arrays.stream(d.y, 0, d.size).max().orElseThrow());
        Decoded wide = Decoded.drain(EventFiles.open(DAT, DecodeOptions.DEFAULT.withFallbackGeometry(
            new SensorGeometry(78, 42))));
        assertEquals(new SensorGeometry(78, 42), wide.geometry);
        wide.assertSameEvents(d);
    }

    @Test
    void evt3VectorsSplitAcrossAnyBatchSize() throws IOException {
        Decoded big = Decoded.drain(EventFiles.open(EVT3));
        for (int cap : new int[] {1, 5, 11, 12, 13, 333}) {
            try (EventReader r = EventFiles.open(EVT3)) {
                Decoded.drain(r, cap).assertSameEvents(big);
            }
        }
        for (Path p : new Path[] {EVT2, DAT}) {
            Decoded all = Decoded.drain(EventFiles.open(p));
            try (EventReader r = EventFiles.open(p)) {
                Decoded.drain(r, 7).assertSameEvents(all);
            }
        }
    }

    @Test
    void inMemoryEqualsStreamingFromDisk() throws IOException {
        for (Path p : new Path[] {EVT2, EVT3, DAT}) {
            Decoded file = Decoded.drain(EventFiles.open(p));
            Decoded mem = Decoded.drain(EventFiles.open(Files.readAllBytes(p), p.toString(), DecodeOptions.DEFAULT));
            mem.assertSameEvents(file);
        }
    }

    @Test
    void truncatedRecordsNameTheirOffset() throws IOException {
        byte[] evt2 = Files.readAllBytes(EVT2);
        for (int cut = 1; cut <= 3; cut++) {
            int len = EVT2_DATA + 4 * 1000 + cut;
            assertDecodeError(Arrays.copyOf(evt2, len), "evt2.raw", EVT2_DATA + 4 * 1000L);
        }
        byte[] evt3 = Files.readAllBytes(EVT3);
        assertDecodeError(Arrays.copyOf(evt3, EVT3_DATA + 2 * 5000 + 1), "evt3.raw", EVT3_DATA + 2 * 5000L);
        byte[] dat = Files.readAllBytes(DAT);
        for (int cut = 1; cut <= 7; cut++) {
            assertDecodeError(Arrays.copyOf(dat, DAT_DATA + 2 + 8 * 100 + cut), "n.dat", DAT_DATA + 2 + 8 * 100L);
        }
        assertDecodeError(Arrays.copyOf(dat, DAT_DATA + 1), "n.dat", DAT_DATA);
        // a header line cut before its newline: the error names the line's start
        assertDecodeError(Arrays.copyOf(evt3, 50), "evt3.raw", 37);
    }

    @Test
    void truncationAtAWordBoundaryIsAValidShorterRecording() throws IOException {
        byte[] evt3 = Files.readAllBytes(EVT3);
        Decoded d = Decoded.drain(EventFiles.open(Arrays.copyOf(evt3, EVT3_DATA + 2 * 5000), "e.raw",
            DecodeOptions.DEFAULT));
        assertTrue(d.size > 0 && d.size < 219_596);
    }

    @Test
    void outOfGeometryEventsInRealFiles() throws IOException {
        // EVT 2.0: x = 700 in a CD word on a 640-wide sensor
        byte[] evt2 = Files.readAllBytes(EVT2);
        int word = firstWordOfType(evt2, EVT2_DATA, 4, 1, 100);
        ByteBuffer b2 = ByteBuffer.wrap(evt2).order(ByteOrder.LITTLE_ENDIAN);
        b2.putInt(word, (b2.getInt(word) & ~(0x7FF << 11)) | (700 << 11));
        DecodeException e = assertDecodeError(evt2, "evt2.raw", word);
        assertTrue(e.getMessage().contains("(700, "), e.getMessage());
        Decoded lenient = Decoded.drain(EventFiles.open(evt2, "evt2.raw", DecodeOptions.DEFAULT.withLenient(true)));
        assertEquals(1, lenient.skipped);
        assertEquals(539_480, lenient.size);

        // EVT 3.0: y = 1000 in an ADDR_Y word; the next event-emitting word is the one that fails
        byte[] evt3 = Files.readAllBytes(EVT3);
        ByteBuffer b3 = ByteBuffer.wrap(evt3).order(ByteOrder.LITTLE_ENDIAN);
        int addrY = firstWordOfType(evt3, EVT3_DATA, 2, 0x0, 500);
        b3.putShort(addrY, (short) 1000);
        int emitter = addrY + 2;
        while (!emits(b3.getShort(emitter) & 0xFFFF)) {
            emitter += 2;
        }
        assertDecodeError(evt3, "evt3.raw", emitter);

        // DAT: polarity field 5, then x beyond the sensor
        byte[] dat = Files.readAllBytes(DAT);
        ByteBuffer bd = ByteBuffer.wrap(dat).order(ByteOrder.LITTLE_ENDIAN);
        int rec = DAT_DATA + 2 + 8 * 321;
        int saved = bd.getInt(rec + 4);
        bd.putInt(rec + 4, (saved & 0x0FFF_FFFF) | (5 << 28));
        assertTrue(assertDecodeError(dat, "n.dat", rec).getMessage().contains("polarity"));
        bd.putInt(rec + 4, (saved & ~0x3FFF) | 304);
        assertDecodeError(dat, "n.dat", rec);
    }

    @Test
    void unknownWordTypesAreErrors() throws IOException {
        byte[] evt2 = Files.readAllBytes(EVT2);
        int w2 = EVT2_DATA + 4 * 777;
        evt2[w2 + 3] = (byte) ((evt2[w2 + 3] & 0x0F) | 0x30);
        assertTrue(assertDecodeError(evt2, "evt2.raw", w2).getMessage().contains("type 0x3"));
        byte[] evt3 = Files.readAllBytes(EVT3);
        int w3 = EVT3_DATA + 2 * 777;
        evt3[w3 + 1] = (byte) ((evt3[w3 + 1] & 0x0F) | 0x90);
        assertTrue(assertDecodeError(evt3, "evt3.raw", w3).getMessage().contains("type 0x9"));
        byte[] dat = Files.readAllBytes(DAT);
        dat[DAT_DATA] = 7;
        assertDecodeError(dat, "n.dat", DAT_DATA);
    }

    @Test
    void evt3TimeWrapsAt24BitsAndToleratesJitter() throws IOException {
        Evt3Stream s = new Evt3Stream("% evt 3.0\n% geometry 64x32\n");
        s.word(0x8, 0xFFF).word(0x6, 0xFFE).word(0x0, 3).word(0x2, 5 | 1 << 11); // t = 2^24 - 2
        s.word(0x8, 0x000).word(0x6, 0x005).word(0x2, 6);                      // wrapped: 2^24 + 5
        s.word(0x8, 0x001).word(0x6, 0x010).word(0x2, 7);                      // 2^24 + 4096 + 16
        s.word(0x8, 0x000).word(0x6, 0x020).word(0x2, 8);                      // jitter back by one HIGH: no wrap
        Decoded d = Decoded.drain(EventFiles.open(s.bytes(), "w.raw", DecodeOptions.DEFAULT));
        assertEquals(new SensorGeometry(64, 32), d.geometry);
        assertEquals(4, d.size);
        long wrap = 1L << 24;
        assertEquals(wrap - 2, d.t[0]);
        assertEquals(wrap + 5, d.t[1]);
        assertEquals(wrap + 4096 + 16, d.t[2]);
        assertEquals(wrap + 32, d.t[3]);
        assertEquals(1, d.p[0]);
        assertEquals(0, d.p[1]);
        assertEquals(3, d.y[3]);
    }

    @Test
    void evt3VectorsAndLenientSkipping() throws IOException {
        Evt3Stream s = new Evt3Stream("% evt 3.0\n% format EVT3;height=8;width=20\n");
        s.word(0x8, 1).word(0x6, 2).word(0x0, 7);
        s.word(0x3, 2 | 1 << 11);       // base x 2, ON
        s.word(0x4, 0b1000_0000_0101);  // x 2, 4, 13; base -> 14
        s.word(0x5, 0b1100_0001);       // x 14, 20, 21 (20 and 21 are outside a 20-wide sensor)
        s.word(0x4, 0);                 // empty vector; base -> 34
        byte[] bytes = s.bytes();
        DecodeException e = assertThrows(DecodeException.class,
            () -> Decoded.drain(EventFiles.open(bytes, "v.raw", DecodeOptions.DEFAULT)));
        assertEquals(s.offsetOfWord(5), e.offset(), "the VECT_8 word");
        Decoded d = Decoded.drain(EventFiles.open(bytes, "v.raw", DecodeOptions.DEFAULT.withLenient(true)));
        assertEquals(new SensorGeometry(20, 8), d.geometry);
        assertEquals(2, d.skipped);
        assertEquals(4, d.size);
        assertEquals("[2, 4, 13, 14]", Arrays.toString(Arrays.copyOf(d.x, 4)));
        for (int i = 0; i < 4; i++) {
            assertEquals(7, d.y[i]);
            assertEquals(1, d.p[i]);
            assertEquals((1 << 12) | 2, d.t[i]);
        }
    }

    @Test
    void headerGeometryLinesAndBadGeometry() throws IOException {
        byte[] dat = (("% Data file containing CD events\n% Version 2\n% Width 640\n% Height 480\n"))
            .getBytes(StandardCharsets.ISO_8859_1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(dat);
        out.write(12);
        out.write(8);
        ByteBuffer rec = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        rec.putInt(0, 42).putInt(4, 639 | 479 << 14 | 1 << 28);
        out.writeBytes(rec.array());
        Decoded d = Decoded.drain(EventFiles.open(out.toByteArray(), "w.dat", DecodeOptions.DEFAULT));
        assertEquals(new SensorGeometry(640, 480), d.geometry);
        assertEquals(1, d.size);
        assertEquals(639, d.x[0]);
        assertEquals(479, d.y[0]);
        assertEquals(42, d.t[0]);

        byte[] bad = "% evt 3.0\n% geometry 0x720\n".getBytes(StandardCharsets.ISO_8859_1);
        assertDecodeError(bad, "bad.raw", 10);
    }

    static DecodeException assertDecodeError(byte[] bytes, String name, long offset) {
        DecodeException e = assertThrows(DecodeException.class,
            () -> Decoded.drain(EventFiles.open(bytes, name, DecodeOptions.DEFAULT)));
        assertEquals(offset, e.offset(), e.getMessage());
        assertEquals(name, e.source());
        return e;
    }

    private static boolean emits(int word) {
        int type = word >>> 12;
        return type == 0x2 || (type == 0x4 && (word & 0xFFF) != 0) || (type == 0x5 && (word & 0xFF) != 0);
    }

    private static int firstWordOfType(byte[] b, int from, int size, int type, int skip) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int seen = 0;
        for (int p = from; p + size <= b.length; p += size) {
            int t = size == 4 ? buf.getInt(p) >>> 28 : (buf.getShort(p) & 0xFFFF) >>> 12;
            if (t == type && seen++ >= skip) {
                return p;
            }
        }
        throw new AssertionError("no word of type " + type);
    }

    private static void assertInside(Decoded d) {
        for (int i = 0; i < d.size; i++) {
            assertTrue(d.geometry.contains(d.x[i], d.y[i]), "event " + i);
        }
    }

    /** Builds an EVT 3.0 stream word by word. */
    static final class Evt3Stream {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final int headerBytes;

        Evt3Stream(String header) {
            out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
            headerBytes = out.size();
        }

        Evt3Stream word(int type, int payload) {
            int w = type << 12 | payload;
            out.write(w & 0xFF);
            out.write(w >>> 8);
            return this;
        }

        long offsetOfWord(int index) {
            return headerBytes + 2L * index;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
