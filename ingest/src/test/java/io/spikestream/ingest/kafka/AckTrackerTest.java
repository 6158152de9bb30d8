package io.spikestream.ingest.kafka;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AckTrackerTest {

    @Test
    void commitsThePrefixAcrossOffsetGaps() {
        AckTracker t = new AckTracker();
        t.polled(3);
        t.polled(7); // 4..6 compacted away
        t.polled(8);
        assertEquals(-1, t.committable());
        t.acknowledge(7);
        assertEquals(-1, t.committable(), "3 is still open");
        t.acknowledge(3);
        assertEquals(8, t.committable(), "3 and 7 done: resume at 8");
        t.acknowledge(5); // never polled (already committed or compacted): ignored
        assertEquals(8, t.committable());
        t.acknowledge(8);
        assertEquals(9, t.committable());
        assertEquals(0, t.outstanding());
        t.acknowledge(8); // twice is harmless
        assertEquals(9, t.committable());
    }

    @Test
    void growsPastItsInitialRingAndAcceptsAcknowledgementsInAnyOrder() {
        AckTracker t = new AckTracker();
        int n = 1_000;
        for (int i = 0; i < n; i++) {
            t.polled(100 + 2L * i);
        }
        for (int i = n - 1; i >= 1; i--) {
            t.acknowledge(100 + 2L * i);
        }
        assertEquals(-1, t.committable(), "the first record holds everything back");
        assertEquals(n, t.outstanding());
        t.acknowledge(100);
        assertEquals(100 + 2L * (n - 1) + 1, t.committable());
        assertEquals(0, t.outstanding());
        // The ring wraps: keep polling and acknowledging in steady state.
        for (int i = 0; i < 5_000; i++) {
            t.polled(10_000 + i);
            if (i >= 3) {
                t.acknowledge(10_000 + i - 3);
            }
        }
        assertEquals(10_000 + 4_997, t.committable());
        assertEquals(3, t.outstanding());
    }
}
