package io.spikestream.tests;

import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.schemas.DvsEventBatch;
import io.spikestream.schemas.EventBatchLayout;
import io.spikestream.schemas.SpikestreamSchemas;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code run}'s /metrics after bad records: the source's rejections are counted as dead-lettered (and the undecodable
 * ones as malformed), the consumer's lag is fed, dead-letter and publish failures are exported.
 */
class RunMetricsTest {

    @Test
    void rejectedRecordsAndTheConsumerLagReachTheMetricsEndpoint(@TempDir Path dir) throws Exception {
        Path samples = KafkaLearnerDeterminismTest.subset(dir, "Test", 1);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); KafkaEndpoint endpoint = KafkaEndpoint.of(kafka)) {
            String bs = kafka.bootstrapServers();
            assertEquals(0, io.spikestream.app.Main.execute("replay", "--bootstrap-servers", bs, "--as-fast-as-possible",
                "--no-progress", "--labels-topic", "spikestream.events", "--sensor-id", "camA", samples.toString()));
            DvsEventBatch misKeyed = EventBatchLayout.pack(new EventBatchLayout.Header("camA", 34, 34, 99, 0, null, 0),
                new int[] {1}, new int[] {1}, new byte[1], new long[] {1}, 0, 1);
            try (var producer = new KafkaProducer<String, byte[]>(ClientConfigs.producer(endpoint, "poison"))) {
                producer.send(new ProducerRecord<>("spikestream.events", "camA", "garbage".getBytes())).get();
                producer.send(new ProducerRecord<>("spikestream.events", "camA", new byte[] {(byte) 0xC3, 1, 0, 0, 0, 0, 0, 0, 0, 0})).get();
                producer.send(new ProducerRecord<>("spikestream.events", "camB",
                    SpikestreamSchemas.codec(DvsEventBatch.class).encode(misKeyed))).get();
            }
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            ExecutorService exec = Executors.newSingleThreadExecutor();
            RunDeploymentTest.RunStopper stopper = new RunDeploymentTest.RunStopper();
            Future<Integer> run = exec.submit(() -> stopper.run(bs, "--set", "network.n_rec=40", "--set",
                "output.metrics_port=" + port, "--set", "pipeline.group_id=metrics-run"));
            HttpClient http = HttpClient.newHttpClient();
            String[] text = {""};
            try {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> {
                    try {
                        text[0] = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    } catch (java.io.IOException notYet) {
                        return false;
                    }
                    return text[0].contains("spikestream_events_dropped_total{reason=\"dead_lettered\"} 3.0");
                });
            } finally {
                stopper.stop();
                assertEquals(0, run.get());
                exec.shutdown();
            }
            String t = text[0];
            assertTrue(t.contains("spikestream_events_dropped_total{reason=\"malformed\"} 2.0"), t); // the mis-keyed one decodes
            assertTrue(t.contains("spikestream_deadletter_failures_total 0.0"), t);
            assertTrue(t.contains("spikestream_predictions_publish_failures_total 0.0"), t);
            assertTrue(t.contains("spikestream_consumer_lag_records 0.0"), "caught up: " + t);
        }
    }
}
