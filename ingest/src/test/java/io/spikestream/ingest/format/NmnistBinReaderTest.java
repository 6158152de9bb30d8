package io.spikestream.ingest.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class NmnistBinReaderTest {

    private static final Path NMNIST = SharedData.data("nmnist");

    /** One row of labels.csv: path, split, label, source, sha1, bytes, events, first_t_us, last_t_us. */
    record Row(String path, long bytes, int events, long firstUs, long lastUs) {
    }

    static List<Row> rows() throws IOException {
        return Files.readAllLines(NMNIST.resolve("labels.csv")).stream().skip(1).map(l -> l.split(","))
            .map(f -> new Row(f[0], Long.parseLong(f[5]), Integer.parseInt(f[6]), Long.parseLong(f[7]),
                Long.parseLong(f[8])))
            .toList();
    }

    @Test
    void everyRealFileMatchesLabelsCsv() throws IOException {
        List<Row> rows = rows();
        assertEquals(741, rows.size(), "labels.csv rows");
        long total = 0;
        for (Row r : rows) {
            Path file = NMNIST.resolve(r.path());
            assertEquals(EventFormat.NMNIST_BIN, EventFiles.detect(file), r.path());
            Decoded d = Decoded.drain(EventFiles.open(file));
            assertEquals(r.events(), d.size, r.path() + " events");
            assertEquals(r.firstUs(), d.t[0], r.path() + " first timestamp");
            assertEquals(r.lastUs(), d.t[d.size - 1], r.path() + " last timestamp");
            assertTrue(d.monotone(), r.path() + " time must not decrease");
            assertEquals(new SensorGeometry(34, 34), d.geometry);
            for (int i = 0; i < d.size; i++) {
                assertTrue(d.x[i] >= 0 && d.x[i] <= 33 && d.y[i] >= 0 && d.y[i] <= 33, r.path() + " event " + i);
                assertTrue(d.p[i] == 0 || d.p[i] == 1);
            }
            long on = d.on();
            assertTrue(on > 0 && on < d.size, r.path() + " has both polarities");
            total += d.size;
        }
        assertTrue(total > 2_000_000, "total events " + total);
    }

    @Test
    void unlabelledTonicSampleDecodes() throws IOException {
        Decoded d = Decoded.drain(EventFiles.open(NMNIST.resolve("unlabelled/tonic_sample_nmnist.bin")));
        assertEquals(4325, d.size);
        assertTrue(d.monotone());
        assertTrue(d.t[d.size - 1] - d.t[0] > 300_000 && d.t[d.size - 1] - d.t[0] < 320_000);
    }

    @Test
    void everyBatchSizeGivesTheSameEventsAsOneBigBatch() throws IOException {
        Path file = NMNIST.resolve(rows().getFirst().path());
        Decoded big = Decoded.drain(EventFiles.open(file), 1 << 16);
        assertEquals(1, big.batches);
        for (int cap : new int[] {1, 2, 3, 5, 7, 64, 1000, 4096}) {
            try (EventReader r = EventFiles.open(file)) {
                Decoded small = Decoded.drain(r, cap);
                small.assertSameEvents(big);
                assertEquals((big.size + cap - 1) / cap, small.batches, "batches at capacity " + cap);
            }
        }
        // the in-memory path decodes the same bytes to the same events
        Decoded mem = Decoded.drain(EventFiles.open(Files.readAllBytes(file), "mem.bin", DecodeOptions.DEFAULT));
        mem.assertSameEvents(big);
    }

    @Test
    void streamingAcrossReadWindowBoundaries() throws IOException {
        // 30,000 records = 150,000 bytes: the 64 KiB window splits records at 65536 and 131072 (not multiples of 5)
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < 30_000; i++) {
            record(out, i % 34, (i / 34) % 34, i & 1, i * 3L);
        }
        Path tmp = Files.createTempFile("window", ".bin");
        try {
            Files.write(tmp, out.toByteArray());
            Decoded d = Decoded.drain(EventFiles.open(tmp));
            assertEquals(30_000, d.size);
            for (int i = 0; i < d.size; i++) {
                assertEquals(i % 34, d.x[i]);
                assertEquals((i / 34) % 34, d.y[i]);
                assertEquals(i & 1, d.p[i]);
                assertEquals(i * 3L, d.t[i]);
            }
        } finally {
            Files.delete(tmp);
        }
    }

    @Test
    void overflowMarkerAddsTwoToTheThirteenthToLaterTimestamps() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        record(out, 1, 2, 1, 8_000_000);
        record(out, 0, 240, 0, 0); // marker
        record(out, 3, 4, 0, 5);
        record(out, 0, 240, 0, 0); // marker
        record(out, 0, 240, 0, 0); // marker
        record(out, 33, 33, 1, 7);
        Decoded d = Decoded.drain(EventFiles.open(out.toByteArray(), "o.bin", DecodeOptions.DEFAULT));
        assertEquals(3, d.size);
        assertEquals(8_000_000L, d.t[0]);
        assertEquals(5 + 8192L, d.t[1]);
        assertEquals(7 + 3 * 8192L, d.t[2]);
        assertEquals(List.of(1, 3, 33), Arrays.stream(d.x, 0, 3).boxed().toList());
        assertEquals(List.of(2, 4, 33), Arrays.stream(d.y, 0, 3).boxed().toList());
        assertEquals(List.of((byte) 1, (byte) 0, (byte) 1), List.of(d.p[0], d.p[1], d.p[2]));
    }

    @Test
    void maximalTwentyThreeBitTimestamp() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        record(out, 0, 0, 1, (1 << 23) - 1);
        Decoded d = Decoded.drain(EventFiles.open(out.toByteArray(), "m.bin", DecodeOptions.DEFAULT));
        assertEquals((1 << 23) - 1, d.t[0]);
        assertEquals(1, d.p[0]);
    }

    @Test
    void truncatedRealFileNamesTheOffsetOfThePartialRecord() throws IOException {
        byte[] bytes = Files.readAllBytes(NMNIST.resolve(rows().getFirst().path()));
        for (int cut : new int[] {1, 2, 3, 4}) {
            int len = bytes.length - 5 + cut;
            byte[] truncated = Arrays.copyOf(bytes, len);
            DecodeException e = assertThrows(DecodeException.class,
                () -> Decoded.drain(EventFiles.open(truncated, "t.bin", DecodeOptions.DEFAULT)));
            assertEquals(bytes.length - 5, e.offset(), "cut " + cut);
            assertEquals("t.bin", e.source());
        }
    }

    @Test
    void outOfGeometryEventIsAnErrorByDefaultAndCountedWhenLenient() throws IOException {
        byte[] bytes = Files.readAllBytes(NMNIST.resolve(rows().getFirst().path()));
        int bad = 1234;
        bytes[bad * 5] = 34; // x = 34 on a 34x34 sensor
        byte[] corrupt = bytes;
        DecodeException e = assertThrows(DecodeException.class,
            () -> Decoded.drain(EventFiles.open(corrupt, "c.bin", DecodeOptions.DEFAULT)));
        assertEquals(bad * 5L, e.offset());
        assertTrue(e.getMessage().contains("(34, "), e.getMessage());

        Decoded lenient = Decoded.drain(EventFiles.open(corrupt, "c.bin", DecodeOptions.DEFAULT.withLenient(true)));
        assertEquals(1, lenient.skipped);
        assertEquals(rows().getFirst().events() - 1, lenient.size);
    }

    static void record(ByteArrayOutputStream out, int x, int y, int p, long t) {
        out.write(x);
        out.write(y);
        out.write((p << 7) | (int) ((t >>> 16) & 0x7F));
        out.write((int) (t >>> 8) & 0xFF);
        out.write((int) t & 0xFF);
    }
}
