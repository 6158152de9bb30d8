package io.spikestream.sinks.metrics;

import io.spikestream.sinks.Horizon;
import io.spikestream.sinks.Phase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Values set through the plain Java API come out of GET /metrics over HTTP, under the documented names. */
class LearnerMetricsTest {

    private LearnerMetrics metrics;
    private MetricsEndpoint endpoint;
    private HttpClient http;

    @BeforeEach
    void start() throws Exception {
        metrics = new LearnerMetrics(3, 2);
        endpoint = MetricsEndpoint.start(metrics.registry(), "127.0.0.1", 0);
        http = HttpClient.newHttpClient();
    }

    @AfterEach
    void stop() {
        endpoint.close();
        http.close();
    }

    private HttpResponse<String> get(String path, String accept) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + endpoint.port() + path)).GET();
        if (accept != null) {
            request.header("Accept", accept);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The sample lines of an exposition, sorted, without comments. */
    private static List<String> samples(String body) {
        return body.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).sorted().collect(Collectors.toList());
    }

    @Test
    void scrapeServesEverySeriesWithTheValuesSet() throws Exception {
        metrics.addEvents(1_000);
        metrics.addEvents(234);
        metrics.addSpikes(77);
        metrics.addSynapticEvents(7_700);
        metrics.addDropped(DropReason.BLOCKED, 12);
        metrics.addDropped(DropReason.OUT_OF_GEOMETRY, 1);
        metrics.addDropped(DropReason.UNLABELLED, 30);
        metrics.addDropped(DropReason.LATE_LABEL, 2);
        metrics.addDropped(DropReason.DEAD_LETTERED, 4);
        metrics.addDropped(DropReason.MALFORMED, 3);
        metrics.addDropped(DropReason.LATE, 5);
        metrics.addDropped(DropReason.CLOCK_JUMP, 6);
        metrics.addDropped(DropReason.LABEL_REJECTED, 7);
        // continuous time: two labelled training ticks (one right), one unlabelled tick
        metrics.recordTick(Phase.TRAIN, 1, 1);
        metrics.recordTick(Phase.TRAIN, 1, 0);
        metrics.recordTick(Phase.TEST, -1, 3);
        // Rolling window of 2. Train: right (loss 1), wrong (loss 3), right (loss 0.5); test: wrong (loss 2).
        metrics.recordWindow(Phase.TRAIN, 0, 0, 1.0);
        metrics.recordWindow(Phase.TRAIN, 1, 2, 3.0);
        metrics.recordWindow(Phase.TRAIN, 2, 2, 0.5);
        metrics.recordWindow(Phase.TEST, 1, 0, 2.0);
        metrics.consumerLag(42);
        metrics.addDeadLetterFailure();
        metrics.kafkaReachable(true);
        metrics.streamTimeUs(2_250_000);
        metrics.realtimeFactor(125.5);
        metrics.weights("input_to_recurrent").set(0.25, 0.5, -1.5, 2.0, 0.75);

        HttpResponse<String> response = get("/metrics", null);

        assertEquals(200, response.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8",
            response.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(List.of(
            "spikestream_accuracy{phase=\"test\",window=\"cumulative\"} 0.0",
            "spikestream_accuracy{phase=\"test\",window=\"rolling\"} 0.0",
            "spikestream_accuracy{phase=\"train\",window=\"cumulative\"} 0.6666666666666666",
            "spikestream_accuracy{phase=\"train\",window=\"rolling\"} 0.5",
            "spikestream_consumer_lag_records 42.0",
            "spikestream_deadletter_failures_total 1.0",
            "spikestream_events_dropped_total{reason=\"blocked\"} 12.0",
            "spikestream_events_dropped_total{reason=\"clock_jump\"} 6.0",
            "spikestream_events_dropped_total{reason=\"dead_lettered\"} 4.0",
            "spikestream_events_dropped_total{reason=\"label_rejected\"} 7.0",
            "spikestream_events_dropped_total{reason=\"late\"} 5.0",
            "spikestream_events_dropped_total{reason=\"late_label\"} 2.0",
            "spikestream_events_dropped_total{reason=\"malformed\"} 3.0",
            "spikestream_events_dropped_total{reason=\"out_of_geometry\"} 1.0",
            "spikestream_events_dropped_total{reason=\"unlabelled\"} 30.0",
            "spikestream_events_total 1234.0",
            "spikestream_interval_first_correct_seconds{phase=\"test\"} NaN",
            "spikestream_interval_first_correct_seconds{phase=\"train\"} NaN",
            "spikestream_interval_majority_accuracy{phase=\"test\"} NaN",
            "spikestream_interval_majority_accuracy{phase=\"train\"} NaN",
            "spikestream_kafka_reachable 1.0",
            // Loss over both phases: cumulative (1 + 3 + 0.5 + 2) / 4; rolling: the last two windows (0.5, 2).
            "spikestream_loss{window=\"cumulative\"} 1.625",
            "spikestream_loss{window=\"rolling\"} 1.25",
            "spikestream_predictions_total{correct=\"false\"} 2.0",
            "spikestream_predictions_total{correct=\"true\"} 2.0",
            "spikestream_realtime_factor 125.5",
            "spikestream_spikes_total 77.0",
            "spikestream_stream_time_seconds 2.25",
            "spikestream_synaptic_events_total 7700.0",
            "spikestream_tick_accuracy{phase=\"test\"} NaN",
            "spikestream_tick_accuracy{phase=\"train\"} 0.5",
            "spikestream_ticks_total{labelled=\"false\"} 1.0",
            "spikestream_ticks_total{labelled=\"true\"} 2.0",
            "spikestream_weight{projection=\"input_to_recurrent\",stat=\"abs_mean\"} 0.75",
            "spikestream_weight{projection=\"input_to_recurrent\",stat=\"max\"} 2.0",
            "spikestream_weight{projection=\"input_to_recurrent\",stat=\"mean\"} 0.25",
            "spikestream_weight{projection=\"input_to_recurrent\",stat=\"min\"} -1.5",
            "spikestream_weight{projection=\"input_to_recurrent\",stat=\"std\"} 0.5",
            "spikestream_windows_total{phase=\"test\"} 1.0",
            "spikestream_windows_total{phase=\"train\"} 3.0"), samples(response.body()));
        assertTrue(response.body().contains("# TYPE spikestream_events_total counter\n"));
        assertTrue(response.body().contains("# TYPE spikestream_accuracy gauge\n"));
    }

    @Test
    void beforeAnyWindowAccuracyAndLossAreNaNAndCountersZero() throws Exception {
        List<String> lines = samples(get("/metrics", null).body());
        assertTrue(lines.contains("spikestream_accuracy{phase=\"train\",window=\"rolling\"} NaN"), lines.toString());
        assertTrue(lines.contains("spikestream_loss{window=\"cumulative\"} NaN"));
        assertTrue(lines.contains("spikestream_events_total 0.0"));
        assertTrue(lines.contains("spikestream_realtime_factor NaN"));
        // No projection registered yet: no weight series.
        assertTrue(lines.stream().noneMatch(l -> l.startsWith(MetricNames.WEIGHT)));
    }

    @Test
    void everyDocumentedNameIsServed() throws Exception {
        metrics.weights("rec");
        String body = get("/metrics", null).body();
        for (var field : MetricNames.class.getFields()) {
            String name = (String) field.get(null);
            assertTrue(body.contains("\n" + name + " ") || body.contains("\n" + name + "{"), name);
        }
    }

    @Test
    void weightStatisticsAreComputedInOnePass() {
        WeightGauges gauges = metrics.weights("rec");
        gauges.summarise(new float[] {9f, -1f, 1f, -3f, 3f, 9f}, 1, 5);
        String scrape = metrics.scrape();
        // -1, 1, -3, 3: mean 0, population std sqrt(5), min -3, max 3, mean |w| 2.
        assertTrue(scrape.contains("spikestream_weight{projection=\"rec\",stat=\"mean\"} 0.0\n"), scrape);
        assertTrue(scrape.contains("spikestream_weight{projection=\"rec\",stat=\"std\"} " + Math.sqrt(5) + "\n"));
        assertTrue(scrape.contains("spikestream_weight{projection=\"rec\",stat=\"min\"} -3.0\n"));
        assertTrue(scrape.contains("spikestream_weight{projection=\"rec\",stat=\"max\"} 3.0\n"));
        assertTrue(scrape.contains("spikestream_weight{projection=\"rec\",stat=\"abs_mean\"} 2.0\n"));
        gauges.summarise(new double[] {0.5, 0.5}, 0, 2);
        assertTrue(metrics.scrape().contains("spikestream_weight{projection=\"rec\",stat=\"std\"} 0.0\n"));
        gauges.summarise(new double[0], 0, 0);
        assertTrue(metrics.scrape().contains("spikestream_weight{projection=\"rec\",stat=\"mean\"} NaN\n"));
        assertEquals(gauges, metrics.weights("rec"));
    }

    @Test
    void badWindowIsRejectedAndCountsNothing() {
        assertThrows(IllegalArgumentException.class, () -> metrics.recordWindow(Phase.TRAIN, 3, 0, 0.1));
        assertThrows(IllegalArgumentException.class, () -> metrics.addEvents(-1));
        assertEquals(0, metrics.stats().windows());
        String scrape = metrics.scrape();
        assertTrue(scrape.contains("spikestream_windows_total{phase=\"train\"} 0.0\n"));
        assertTrue(scrape.contains("spikestream_predictions_total{correct=\"false\"} 0.0\n"));
        assertTrue(Double.isNaN(metrics.stats().accuracy(Phase.TRAIN, Horizon.CUMULATIVE)));
    }

    @Test
    void hotPathCallsAllocateNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        WeightGauges gauges = metrics.weights("rec");
        float[] weights = new float[64];
        Runnable calls = () -> {
            for (int i = 0; i < 20_000; i++) {
                metrics.addEvents(3);
                metrics.addSpikes(1);
                metrics.addSynapticEvents(100);
                metrics.addDropped(DropReason.BLOCKED, 1);
                metrics.consumerLag(i);
                metrics.streamTimeUs(i);
                metrics.realtimeFactor(i);
                gauges.summarise(weights, 0, weights.length);
                metrics.recordWindow(Phase.TRAIN, i % 3, (i / 3) % 3, 0.5);
            }
        };
        calls.run(); // links call sites, lets the JIT compile and fills the learning curve to its bound
        long before = threads.getCurrentThreadAllocatedBytes();
        calls.run();
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // 180 000 calls; anything per call would be megabytes. A few hundred bytes of slack for the JVM itself.
        assertTrue(allocated < 4096, "allocated " + allocated + " bytes");
    }
}
