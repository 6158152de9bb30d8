package io.spikestream.network.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The file format: round trip of every kind of value, and every kind of damage detected and named. */
class CheckpointFileTest {

    private static final double[] D = {1.5, -0.0, Double.NaN, Double.MIN_VALUE, 1e300};

    private static CheckpointWriter sample(MemorySegment off) {
        return new CheckpointWriter("shape line 1\nshape line 2")
            .section("scalars", out -> {
                out.putInt(-7);
                out.putLong(Long.MIN_VALUE);
                out.putDouble(Math.PI);
                out.putBoolean(true);
                out.putString("größe");
            })
            .section("arrays", out -> {
                out.putDoubles(D);
                out.putInts(new int[] {1, 2, 3});
                out.putLongs(new long[] {Long.MAX_VALUE});
                out.putBooleans(new boolean[] {true, false, true});
                out.putShorts(new short[] {-1, 2});
                out.putSegment(off);
                out.putSegment(null);
            })
            .section("empty", out -> { });
    }

    private static MemorySegment offHeap(Arena arena) {
        MemorySegment s = arena.allocate(ValueLayout.JAVA_DOUBLE, 1000);
        for (int i = 0; i < 1000; i++) {
            s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, i * 0.25);
        }
        return s;
    }

    @Test
    void roundTripOfEveryKindOfValue(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("x.ckpt");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment off = offHeap(arena);
            long bytes = sample(off).writeAtomically(file);
            assertEquals(Files.size(file), bytes);
            assertEquals(sample(off).sizeBytes(), bytes);
            try (CheckpointReader r = CheckpointReader.open(file)) {
                assertEquals("shape line 1\nshape line 2", r.shape());
                assertEquals(List.of("scalars", "arrays", "empty"), r.sectionNames());
                StateReader s = r.section("scalars");
                assertEquals(-7, s.getInt());
                assertEquals(Long.MIN_VALUE, s.getLong());
                assertEquals(Math.PI, s.getDouble());
                assertTrue(s.getBoolean());
                assertEquals("größe", s.getString());
                s.expectEnd();
                StateReader a = r.section("arrays");
                double[] d = new double[D.length];
                a.readDoubles(d, "d");
                for (int i = 0; i < D.length; i++) {
                    assertEquals(Double.doubleToRawLongBits(D[i]), Double.doubleToRawLongBits(d[i]));
                }
                assertArrayEquals(new int[] {1, 2, 3}, a.getInts("i"));
                assertArrayEquals(new long[] {Long.MAX_VALUE}, a.getLongs("l"));
                assertArrayEquals(new boolean[] {true, false, true}, a.getBooleans("b"));
                assertArrayEquals(new short[] {-1, 2}, a.getShorts("s"));
                MemorySegment back = arena.allocate(ValueLayout.JAVA_DOUBLE, 1000);
                a.readSegment(back, "segment");
                assertEquals(-1, back.mismatch(off));
                a.readSegment(null, "absent segment");
                a.expectEnd();
                r.section("empty").expectEnd();
                CheckpointException missing = assertThrows(CheckpointException.class, () -> r.section("nope"));
                assertEquals(CheckpointException.Kind.MISSING_SECTION, missing.kind());
            }
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
            }
        }
    }

    @Test
    void aWrongSizedArrayIsAShapeErrorNamingTheField(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("x.ckpt");
        try (Arena arena = Arena.ofConfined()) {
            sample(offHeap(arena)).writeAtomically(file);
        }
        try (CheckpointReader r = CheckpointReader.open(file)) {
            StateReader a = r.section("arrays");
            CheckpointException e = assertThrows(CheckpointException.class, () -> a.readDoubles(new double[4], "V_m"));
            assertEquals(CheckpointException.Kind.INCOMPATIBLE_SHAPE, e.kind());
            assertTrue(e.getMessage().contains("'arrays'") && e.getMessage().contains("V_m")
                && e.getMessage().contains("5 values in the checkpoint but 4"), e.getMessage());
        }
    }

    private static byte[] valid() {
        try (Arena arena = Arena.ofConfined()) {
            return sample(offHeap(arena)).toBytes();
        }
    }

    private static CheckpointException.Kind damage(Path dir, byte[] bytes) throws Exception {
        Path f = dir.resolve("damaged-" + System.identityHashCode(bytes) + ".ckpt");
        Files.write(f, bytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointReader.open(f).close());
        assertTrue(e.getMessage().startsWith(f.toString()), "the message names the file: " + e.getMessage());
        return e.kind();
    }

    @Test
    void everyFlippedByteIsDetected(@TempDir Path dir) throws Exception {
        byte[] ok = valid();
        // every byte of the file is covered by a checksum, a structural check or the trailer
        for (int i = 0; i < ok.length; i += 7) {
            byte[] bad = ok.clone();
            bad[i] ^= 0x10;
            CheckpointException.Kind k = damage(dir, bad);
            assertTrue(k.damaged() || k == CheckpointException.Kind.VERSION || k == CheckpointException.Kind.BYTE_ORDER,
                "byte " + i + ": " + k);
        }
    }

    @Test
    void aDamagedBodyNamesItsSection(@TempDir Path dir) throws Exception {
        byte[] bad = valid();
        int at = indexOf(bad, "arrays".getBytes()) + 40;
        bad[at] ^= 1;
        Path f = dir.resolve("body.ckpt");
        Files.write(f, bad);
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointReader.open(f));
        assertEquals(CheckpointException.Kind.CORRUPT, e.kind());
        assertTrue(e.getMessage().contains("section 'arrays' checksum mismatch"), e.getMessage());
    }

    @Test
    void everyTruncationIsDetected(@TempDir Path dir) throws Exception {
        byte[] ok = valid();
        for (int len = 0; len < ok.length; len += 13) {
            byte[] cut = java.util.Arrays.copyOf(ok, len);
            CheckpointException.Kind k = damage(dir, cut);
            assertTrue(k.damaged(), "cut at " + len + ": " + k);
        }
        assertEquals(CheckpointException.Kind.TRUNCATED, damage(dir, java.util.Arrays.copyOf(ok, ok.length - 1)));
        assertEquals(CheckpointException.Kind.TRUNCATED, damage(dir, java.util.Arrays.copyOf(ok, ok.length / 2)));
    }

    @Test
    void otherVersionAndByteOrderAreRefusedAsSuch(@TempDir Path dir) throws Exception {
        byte[] v2 = valid();
        MemorySegment s = MemorySegment.ofArray(v2);
        s.set(CheckpointFormat.INT, CheckpointFormat.VERSION_OFFSET, 2);
        s.set(CheckpointFormat.INT, CheckpointFormat.HEADER_CRC_OFFSET, CheckpointWriter.headerCrc(s));
        Path f = dir.resolve("v2.ckpt");
        Files.write(f, v2);
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointReader.open(f));
        assertEquals(CheckpointException.Kind.VERSION, e.kind());
        assertTrue(e.getMessage().contains("version 2") && e.getMessage().contains("reads version 1"), e.getMessage());

        byte[] swapped = valid();
        MemorySegment t = MemorySegment.ofArray(swapped);
        t.set(CheckpointFormat.INT, CheckpointFormat.BYTE_ORDER_OFFSET, Integer.reverseBytes(CheckpointFormat.BYTE_ORDER_MARK));
        assertEquals(CheckpointException.Kind.BYTE_ORDER, damage(dir, swapped));
    }

    @Test
    void shapeDifferenceNamesTheFirstDifferingLine() {
        CheckpointException e = assertThrows(CheckpointException.class,
            () -> CheckpointReader.compareShapes("f", "a\nb n=3\nc", "a\nb n=4\nc"));
        assertEquals(CheckpointException.Kind.INCOMPATIBLE_SHAPE, e.kind());
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("b n=3") && e.getMessage().contains("b n=4"),
            e.getMessage());
        // a key added after the last one of a JSON block: the comma it adds to the line before is not the difference
        CheckpointException added = assertThrows(CheckpointException.class,
            () -> CheckpointReader.compareShapes("f", "{\n  \"a\" : 1,\n  \"b\" : true\n}", "{\n  \"a\" : 1\n}"));
        assertTrue(added.getMessage().contains("line 3") && added.getMessage().contains("\"b\" : true")
            && added.getMessage().contains("this network: }"), added.getMessage());
    }

    @Test
    void replacingAFileIsAtomic(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("x.ckpt");
        new CheckpointWriter("one").section("a", out -> out.putInt(1)).writeAtomically(file);
        new CheckpointWriter("two").section("a", out -> out.putInt(2)).writeAtomically(file);
        try (CheckpointReader r = CheckpointReader.open(file)) {
            assertEquals("two", r.shape());
            assertEquals(2, r.section("a").getInt());
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
