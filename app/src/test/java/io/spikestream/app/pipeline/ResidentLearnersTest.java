package io.spikestream.app.pipeline;

import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The learners of {@code run} without checkpoints, bounded by wall-clock idleness ({@code models.idle_release_ms}):
 * 10,000 sensor ids, one record each, a record every 200 ms of a hand-moved clock and a one-minute bound. The learners
 * resident never exceed the ids seen within the bound (plus one scan period), every released one is told to the
 * listeners before it is closed, and a sensor that comes back starts afresh and is counted.
 */
class ResidentLearnersTest {

    static final class ManualClock implements InstantSource {
        long millis = 1_767_225_600_000L;

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }
    }

    @Test
    void tenThousandSensorIdsLeaveMemoryOnceIdle() throws Exception {
        Settings s = StreamLearner.resolveTimeMode(Settings.load(List.of(), List.of("sensor.width=4", "sensor.height=4",
            "network.n_rec=4")), "continuous");
        ManualClock clock = new ManualClock();
        ResidentLearners learners = new ResidentLearners();
        long bound = 60_000;
        learners.releaseIdleAfter(bound, clock);
        List<String> released = new ArrayList<>();
        learners.addReleaseListener((id, l) -> {
            released.add(id);
            assertEquals(1, l.counters().eventsIn, "told while still open, with its state");
        });
        int sensors = 10_000;
        int mostResident = 0;
        for (int i = 0; i < sensors; i++) {
            StreamLearner l = learners.get("sensor-" + i, id -> learner(s));
            l.onEvents(new int[] {1}, new int[] {2}, new byte[] {1}, new long[] {1000}, 1);
            mostResident = Math.max(mostResident, learners.view().size());
            clock.millis += 200;
        }
        // at most a minute's ids (300 at one per 200 ms) plus a quarter of the bound between scans
        long perBound = bound / 200;
        assertTrue(mostResident <= perBound + perBound / 4 + 1, "most resident " + mostResident);
        assertTrue(learners.idleReleased() >= sensors - mostResident, "released " + learners.idleReleased());

        clock.millis += bound; // every sensor silent for the bound: the timer's scan releases the rest
        learners.releaseIdle();
        assertEquals(0, learners.view().size());
        assertEquals(sensors, learners.idleReleased());
        assertEquals(sensors, released.size());
        assertEquals(0, learners.returned());

        StreamLearner back = learners.get("sensor-42", id -> learner(s));
        assertEquals(0, back.counters().eventsIn, "a sensor that comes back starts afresh");
        assertEquals(1, learners.returned(), "and is counted");
        assertNull(learners.resident("sensor-43"));
        assertNotSame(back, learners.get("sensor-43", id -> learner(s)));
        assertEquals(2, learners.returned());
        for (StreamLearner l : learners.view().values()) {
            l.close();
        }
    }

    @Test
    void zeroKeepsLearnersForever() throws Exception {
        Settings s = StreamLearner.resolveTimeMode(Settings.load(List.of(), List.of("sensor.width=4", "sensor.height=4",
            "network.n_rec=4")), "continuous");
        ManualClock clock = new ManualClock();
        ResidentLearners learners = new ResidentLearners();
        learners.releaseIdleAfter(0, clock);
        learners.get("a", id -> learner(s));
        clock.millis += 365L * 24 * 3_600_000;
        assertEquals(0, learners.releaseIdle());
        assertEquals(1, learners.view().size());
        learners.view().values().forEach(StreamLearner::close);
    }

    private static StreamLearner learner(Settings s) {
        try {
            return new StreamLearner(s, p -> { });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
