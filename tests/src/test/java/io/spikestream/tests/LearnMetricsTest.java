package io.spikestream.tests;

import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.Topics;
import io.spikestream.ingest.replay.ReplaySummary;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code learn}'s /metrics (issue 12 item 3), scraped while a slow learner (the default 150-neuron network, small
 * batches, a few records per poll) works through a stream with two undecodable records in it: the consumer's lag is
 * seen above 0 and then back at 0, the bad records are counted as dead-lettered and malformed, the events learned and
 * the checkpoints written are counted, the checkpoint age and the age of the oldest un-checkpointed change are
 * exported (the latter within checkpoint.max_dirty_ms once the stream is read), and no checkpoint or record failed.
 */
class LearnMetricsTest {

    @Test
    void learnServesMetricsThatTellWhatHappened(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); KafkaEndpoint endpoint = KafkaEndpoint.of(kafka)) {
            String topic = "metrics-events";
            Topics.ensure(endpoint, List.of(new Topics.Spec(topic, 1, Map.of())));
            ReplaySummary first = DurableStreams.replay(endpoint, topic, "cam", 0, 2, 100);
            try (var producer = new KafkaProducer<String, byte[]>(ClientConfigs.producer(endpoint, "bad"))) {
                producer.send(new ProducerRecord<>(topic, "cam", "garbage".getBytes())).get();
                producer.send(new ProducerRecord<>(topic, "cam", new byte[] {(byte) 0xC3, 1, 0, 0, 0, 0, 0, 0, 0, 0})).get();
            }
            ReplaySummary second = DurableStreams.replay(endpoint, topic, "cam", 2, 2, 100);
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            List<String> settings = new ArrayList<>(List.of("output.metrics_port=" + port, "checkpoint.max_dirty_ms=500",
                "checkpoint.interval_stream_ms=300", "checkpoint.interval_events=0",
                "pipeline.max_poll_records=5")); // a few records per poll: the consumer's position follows the slow learner
            Path log = dir.resolve("learn.log");
            Process p = CheckpointCrashTest.child(kafka.bootstrapServers(), topic, "g-metrics", dir.resolve("store"), log,
                "metrics", false, settings);
            CheckpointCrashTest.lines(p); // drained; the progress lines are not needed
            HttpClient http = HttpClient.newHttpClient();
            String[] text = {""};
            double[] maxLag = {0};
            long events = first.events() + second.events();
            try {
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> {
                    try {
                        text[0] = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    } catch (java.io.IOException notYet) {
                        assertTrue(p.isAlive(), () -> CheckpointCrashTest.tail(log));
                        return false;
                    }
                    maxLag[0] = Math.max(maxLag[0], value(text[0], "spikestream_consumer_lag_records"));
                    return value(text[0], "spikestream_events_total") == events
                        && value(text[0], "spikestream_consumer_lag_records") == 0
                        && value(text[0], "spikestream_checkpoint_dirty_age_seconds") == 0;
                });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("expected " + events + " events; last scrape:\n" + text[0] + "\nlog:\n"
                    + CheckpointCrashTest.tail(log), e);
            } finally {
                assertTrue(p.toHandle().destroy());
                assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            }
            String t = text[0];
            assertTrue(maxLag[0] > 0, "the slow learner's lag was never seen above 0: " + t);
            assertEquals(2.0, value(t, "spikestream_events_dropped_total{reason=\"dead_lettered\"}"), t);
            assertEquals(2.0, value(t, "spikestream_events_dropped_total{reason=\"malformed\"}"), t);
            assertTrue(value(t, "spikestream_checkpoints_total") >= 2, t);
            double age = value(t, "spikestream_checkpoint_age_seconds");
            assertTrue(age >= 0 && age < 120, "checkpoint age " + age);
            assertEquals(0.0, value(t, "spikestream_checkpoint_failures_total"), t);
            assertEquals(0.0, value(t, "spikestream_processing_errors_total"), t);
            assertEquals(0.0, value(t, "spikestream_deadletter_failures_total"), t);
            assertEquals(1.0, value(t, "spikestream_kafka_reachable"), t);
        }
    }

    /** The value of the series {@code name} (with its labels, if any) in a Prometheus scrape; NaN if absent. */
    static double value(String scrape, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
}
