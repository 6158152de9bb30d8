package io.spikestream.ingest.replay;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ReplayPacerTest {

    @Test
    void waitsForTheRecordedGapsFromTheFirstEvent() throws Exception {
        FakeReplayClock clock = new FakeReplayClock();
        ReplayPacer pacer = ReplayPacer.atRate(clock, 1.0);
        pacer.awaitStreamTime(5_000); // anchors the schedule, no wait
        pacer.awaitStreamTime(6_000);
        pacer.awaitStreamTime(6_500);
        pacer.awaitStreamTime(8_000);
        assertEquals(List.of(1_000_000L, 500_000L, 1_500_000L), clock.sleeps);
    }

    @Test
    void rateScaleDividesTheWaits() throws Exception {
        FakeReplayClock clock = new FakeReplayClock();
        ReplayPacer pacer = ReplayPacer.atRate(clock, 4.0);
        pacer.awaitStreamTime(0);
        pacer.awaitStreamTime(1_000);
        pacer.awaitStreamTime(3_000);
        assertEquals(List.of(250_000L, 500_000L), clock.sleeps);
        assertEquals(750_000L, pacer.sleptNanos());
    }

    @Test
    void beingLateDoesNotShiftTheSchedule() throws Exception {
        FakeReplayClock clock = new FakeReplayClock();
        ReplayPacer pacer = ReplayPacer.atRate(clock, 1.0);
        pacer.awaitStreamTime(0);
        clock.now += 3_000_000L; // the broker was slow for 3 ms
        pacer.awaitStreamTime(1_000); // due 2 ms ago: no wait
        pacer.awaitStreamTime(2_000); // still late
        pacer.awaitStreamTime(4_000); // due 1 ms from now
        assertEquals(List.of(1_000_000L), clock.sleeps);
    }

    @Test
    void asFastAsPossibleNeverWaitsAndBadRatesAreRefused() throws Exception {
        ReplayPacer pacer = ReplayPacer.asFastAsPossible();
        pacer.awaitStreamTime(0);
        pacer.awaitStreamTime(Long.MAX_VALUE / 2);
        assertEquals(0, pacer.sleptNanos());
        assertThrows(IllegalArgumentException.class, () -> ReplayPacer.atRate(new FakeReplayClock(), 0));
        assertThrows(IllegalArgumentException.class, () -> ReplayPacer.atRate(new FakeReplayClock(), Double.NaN));
    }
}
