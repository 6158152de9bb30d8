package io.spikestream.tests;

import io.spikestream.app.learn.NmnistExperiment;
import io.spikestream.learner.Settings;
import io.spikestream.app.pipeline.LearnerOutputs;
import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.schemas.Prediction;
import io.spikestream.schemas.SingleObjectCodec;
import io.spikestream.schemas.SpikestreamSchemas;
import io.spikestream.sinks.kafka.PredictionPublisher;
import io.spikestream.sinks.metrics.MetricNames;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The product end to end on a real (embedded) broker: N-MNIST samples replayed into Kafka, learned online by the
 * reactive pipeline, predictions published to the predictions topic, metrics served over HTTP, plots written.
 */
class EndToEndLearningTest {

    @Test
    void replayLearnPredictAndServeMetrics(@TempDir Path dir) throws Exception {
        Path train = KafkaLearnerDeterminismTest.subset(dir, "Train", 25);
        Path test = Path.of("..", "data", "nmnist", "Test");
        Settings s = Settings.load(List.of("classpath:demo.json"), List.of("network.n_rec=150"));
        NmnistExperiment exp = new NmnistExperiment(s, train, List.of(test), 1, 1);
        int windows = exp.trainWindows() + exp.testWindows();
        String topic = "e2e-events";
        String predictions = "e2e-predictions";
        String metricsText;
        NmnistExperiment.Result result;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); KafkaEndpoint endpoint = KafkaEndpoint.of(kafka)) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", endpoint.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1), new NewTopic(predictions, 2, (short) 1))).all().get();
            }
            PredictionPublisher publisher = PredictionPublisher.create(
                PredictionPublisher.Config.of(endpoint.bootstrapServers(), "e2e").withTopic(predictions));
            try (LearnerOutputs out = new LearnerOutputs(10, 50, "127.0.0.1", 0, publisher, windows, false)) {
                result = exp.runKafka(endpoint, topic, out, l -> {
                    try {
                        out.writePlots(dir.resolve("plots"), "e2e");
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                publisher.flush();
                out.sync();
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(out.endpoint().uri()).GET()
                    .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                metricsText = r.body();
            }
            // one prediction record per labelled window, each sample once, scored on the topic alone
            Map<String, Prediction> bySample = new HashMap<>();
            SingleObjectCodec<Prediction> codec = SpikestreamSchemas.codec(Prediction.class);
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", endpoint.bootstrapServers(),
                "group.id", "e2e-check", "auto.offset.reset", "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
                c.subscribe(List.of(predictions));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (bySample.size() < windows && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, byte[]> rec : c.poll(Duration.ofMillis(200))) {
                        Prediction p = codec.decode(rec.value());
                        Prediction before = bySample.put(p.getSampleId().toString(), p);
                        assertEquals(null, before, "duplicate prediction for " + p.getSampleId());
                        assertEquals("nmnist", rec.key());
                    }
                }
            }
            assertEquals(windows, bySample.size(), "one prediction record per labelled window");
            long testCorrect = bySample.values().stream().filter(p -> p.getSampleId().toString().startsWith("test")
                && p.getLabel() != null && p.getLabel() == p.getPredictedClass()).count();
            assertEquals(Math.round(result.accuracy("test") * exp.testWindows()), testCorrect,
                "the topic alone gives the run's test accuracy");
        }
        // learning: far above chance (10 %) after one pass over 250 samples
        assertTrue(result.accuracy("test") > 0.35, "test accuracy " + result.accuracy("test"));
        assertTrue(result.accuracy("train/") > 0.25, "prequential training accuracy " + result.accuracy("train/"));
        for (String name : List.of(MetricNames.EVENTS, MetricNames.SPIKES, MetricNames.SYNAPTIC_EVENTS,
            MetricNames.EVENTS_DROPPED, MetricNames.WINDOWS, MetricNames.PREDICTIONS, MetricNames.ACCURACY, MetricNames.LOSS,
            MetricNames.CONSUMER_LAG, MetricNames.STREAM_TIME, MetricNames.REALTIME_FACTOR)) {
            assertTrue(metricsText.contains(name), "metrics endpoint serves " + name);
        }
        double eventsServed = metricsText.lines().filter(l -> l.startsWith(MetricNames.EVENTS + " ")
            || l.startsWith(MetricNames.EVENTS + "{")).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
            .findFirst().orElse(-1);
        assertEquals((double) result.events(), eventsServed, "events counter equals the events streamed");
        assertTrue(Files.size(dir.resolve("plots").resolve("learning-curve.png")) > 1000);
        assertTrue(Files.exists(dir.resolve("plots").resolve("index.html")));
    }
}
