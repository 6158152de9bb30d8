package io.spikestream.sinks.live;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LiveViewTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private LiveState state() {
        return new LiveState(4, 3, 2, 50_000, Duration.ofMillis(100), nanos::get);
    }

    @Test
    void theImageHoldsTheNewestEventsOfTheFrameSpanWithTheirPolarity() {
        LiveState s = state();
        // (0,0) ON at 0 us, (1,0) OFF at 100 000 us, (3,2) ON at 140 000 us, (9,9) outside the sensor
        s.events("cam", new int[] {0, 1, 3, 9}, new int[] {0, 0, 2, 9}, new byte[] {1, 0, 1, 1},
            new long[] {0, 100_000, 140_000, 150_000}, 4);
        assertTrue(s.publishIfDue(id -> null, 7, 1.5));
        LiveSnapshot.Sensor c = s.latest().sensors().getFirst();
        // the frame covers [140 000 - 50 000, 140 000]: the event at 0 us has faded out
        assertEquals("0100" + "0000" + "0002", c.image());
        assertEquals(140_000, c.streamUs(), "events outside the sensor are left out");
        assertEquals(4, c.events());
        assertEquals(7, s.latest().consumerLag());
        assertFalse(s.publishIfDue(id -> null, 0, 0), "rate bounded: not again within the interval");
    }

    @Test
    void rollingAccuracyAndLossCountScoredSpansOnly() {
        LiveState s = state();
        s.prediction("cam", "tick", 10_000, 3, 3, new double[] {0, 1, 2, 5}, Double.NaN, false, true);
        s.prediction("cam", "window", 20_000, 3, 1, new double[] {0, 4, 2, 3}, 2.0, true, true);
        s.prediction("cam", "window", 30_000, 2, 2, new double[] {0, 1, 6, 3}, 1.0, true, true);
        s.prediction("cam", "window", 40_000, 0, 0, new double[] {9, 1, 2, 3}, 0.5, true, false);
        s.publishIfDue(id -> new LiveSnapshot.Raster(0, 10, 5, new long[] {1, 2}, new int[] {4, 0}), Double.NaN, Double.NaN);
        LiveSnapshot.Sensor c = s.latest().sensors().getFirst();
        assertEquals(1.0, c.accuracy(), "the last 2 scored: both right");
        assertEquals(0.75, c.loss());
        assertEquals(3, c.scored());
        assertEquals(4, c.predictions());
        assertEquals(0, c.predicted());
        assertFalse(c.learning());
        String json = LiveJson.of(s.latest());
        assertTrue(json.contains("\"consumerLag\":null"), json);
        assertTrue(json.contains("\"raster\":{\"fromStep\":0,\"toStep\":10,\"neurons\":5,\"steps\":[1,2],\"neuron\":[4,0]}"), json);
        assertTrue(json.contains("\"scores\":[9,1,2,3]"), json);
    }

    @Test
    void largeSensorsAreBinnedAndSensorsBeyondTheBoundAreCounted() {
        LiveState s = new LiveState(640, 480, 10, 50_000, Duration.ZERO, nanos::get);
        for (int i = 0; i < LiveState.MAX_SENSORS + 3; i++) {
            s.events("cam" + i, new int[] {639}, new int[] {479}, new byte[] {1}, new long[] {5}, 1);
        }
        s.publishIfDue(id -> null, 0, 0);
        LiveSnapshot snap = s.latest();
        assertEquals(LiveState.MAX_SENSORS, snap.sensors().size());
        assertEquals(3, snap.sensorsNotShown());
        LiveSnapshot.Sensor c = snap.sensors().getFirst();
        assertEquals(5, c.binning());
        assertEquals(128, c.width());
        assertEquals(96, c.height());
        assertEquals('2', c.image().charAt(95 * 128 + 127));
    }

    @Test
    void servesThePageItsAssetsAndAStreamOfSnapshots() throws Exception {
        LiveState s = state();
        try (LiveView view = LiveView.start(s, "127.0.0.1", 0, Duration.ofMillis(20), 2);
             HttpClient http = HttpClient.newHttpClient()) {
            assertEquals(URI.create("http://127.0.0.1:" + view.port() + "/"), view.uri());
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(view.uri()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<script src=\"live.js\">"), page.body());
            HttpResponse<String> js = http.send(HttpRequest.newBuilder(view.uri().resolve("live.js")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertTrue(js.body().contains("new EventSource('events')"));
            assertFalse(js.body().contains("http"), "nothing fetched from elsewhere");
            assertEquals(404, http.send(HttpRequest.newBuilder(view.uri().resolve("nope")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());

            HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(view.uri().resolve("events")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
            assertEquals("text/event-stream; charset=utf-8", stream.headers().firstValue("Content-Type").orElseThrow());
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                s.events("cam", new int[] {1}, new int[] {1}, new byte[] {1}, new long[] {1000}, 1);
                s.publishIfDue(id -> null, 0, 1);
                String line;
                do {
                    line = r.readLine();
                } while (line != null && !line.contains("\"id\":\"cam\""));
                assertTrue(line != null && line.startsWith("data: {"), "an event with the sensor's panel");
                assertEquals(1, view.clients());
                // a second and a third browser: the third is over the bound of 2
                HttpResponse<InputStream> second = http.send(HttpRequest.newBuilder(view.uri().resolve("events")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
                assertEquals(200, second.statusCode());
                await().atMost(Duration.ofSeconds(10)).until(() -> view.clients() == 2);
                HttpResponse<String> third = http.send(HttpRequest.newBuilder(view.uri().resolve("events")).build(),
                    HttpResponse.BodyHandlers.ofString());
                assertEquals(503, third.statusCode());
                second.body().close();
            }
            // browsers that went away free their slots at the next write
            nanos.addAndGet(1_000_000_000L);
            s.events("cam", new int[] {2}, new int[] {1}, new byte[] {0}, new long[] {2000}, 1);
            s.publishIfDue(id -> null, 0, 1);
            await().atMost(Duration.ofSeconds(15)).until(() -> view.clients() == 0);
            HttpResponse<String> snap = http.send(HttpRequest.newBuilder(view.uri().resolve("snapshot.json")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertTrue(snap.body().contains("\"image\":\"000002100000\""), snap.body());
        }
    }
}
