package io.spikestream.ingest.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimeWindowsTest {

    private static final Path FILE = SharedData.data("nmnist/Test/0/00004.bin");

    @Test
    void windowsPartitionTheRecordingInOrder() throws IOException {
        Decoded all = Decoded.drain(EventFiles.open(FILE));
        for (int cap : new int[] {1, 100, 5000}) {
            Decoded joined = new Decoded();
            long windowUs = 10_000;
            List<Long> starts = new ArrayList<>();
            try (TimeWindows w = new TimeWindows(EventFiles.open(FILE), windowUs, 777)) {
                EventBatch b = new EventBatch(cap);
                long lastStart = Long.MIN_VALUE;
                boolean lastComplete = true;
                int n;
                while ((n = w.next(b)) > 0) {
                    assertEquals(n, b.size);
                    if (w.windowStartUs() != lastStart) {
                        assertTrue(lastComplete, "a window ends before the next one starts");
                        assertTrue(w.windowStartUs() > lastStart);
                        assertEquals(0, (w.windowStartUs() - all.t[0]) % windowUs, "aligned to the first event");
                        starts.add(w.windowStartUs());
                        lastStart = w.windowStartUs();
                    }
                    for (int i = 0; i < n; i++) {
                        assertTrue(b.timestampUs[i] >= w.windowStartUs() && b.timestampUs[i] < w.windowEndUs());
                    }
                    lastComplete = w.windowComplete();
                    joined.append(b);
                }
                assertEquals(-1, w.next(b));
            }
            joined.assertSameEvents(all);
            long span = all.t[all.size - 1] - all.t[0];
            assertEquals(span / windowUs + 1, starts.size(), "N-MNIST has events in every 10 ms window");
        }
    }

    @Test
    void emptyWindowsAreSkippedAndAlignmentHolds() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long[] times = {100, 150, 199, 200, 950, 951, 5_000};
        for (long t : times) {
            NmnistBinReaderTest.record(out, 1, 1, 1, t);
        }
        List<long[]> windows = new ArrayList<>();
        try (TimeWindows w = new TimeWindows(EventFiles.open(out.toByteArray(), "g.bin", DecodeOptions.DEFAULT), 100)
            .alignTo(0)) {
            EventBatch b = new EventBatch(2);
            while (w.next(b) > 0) {
                windows.add(new long[] {w.windowStartUs(), b.size, w.windowComplete() ? 1 : 0});
            }
        }
        // [100,200): 100 150 | 199 (split over two calls); [200,300): 200; [900,1000): 950 951; [5000,5100): 5000
        long[][] expected = {{100, 2, 0}, {100, 1, 1}, {200, 1, 1}, {900, 2, 1}, {5000, 1, 1}};
        assertEquals(expected.length, windows.size());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(List.of(expected[i][0], expected[i][1], expected[i][2]),
                List.of(windows.get(i)[0], windows.get(i)[1], windows.get(i)[2]), "window call " + i);
        }
    }

    @Test
    void emptyRecordingHasNoWindowsAndBadWidthIsRejected() throws IOException {
        try (TimeWindows w = new TimeWindows(EventFiles.open(new byte[0], "e.bin", DecodeOptions.DEFAULT), 10)) {
            assertEquals(-1, w.next(new EventBatch(4)));
            assertFalse(w.windowComplete());
        }
        assertThrows(IllegalArgumentException.class,
            () -> new TimeWindows(EventFiles.open(new byte[0], "e.bin", DecodeOptions.DEFAULT), 0));
    }
}
