package io.spikestream.tests;

import io.spikestream.app.learn.NmnistExperiment;
import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;
import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Stream time, not wall time, drives the learner: N-MNIST samples replayed through a real (embedded) Kafka broker
 * and consumed by the reactive source give bit-for-bit the predictions of the same stream read straight from
 * the files.
 */
class KafkaLearnerDeterminismTest {

    static Path subset(Path dir, String split, int perClass) throws Exception {
        Path src = Path.of("..", "data", "nmnist", split);
        Path dst = dir.resolve(split);
        for (int c = 0; c < 10; c++) {
            Files.createDirectories(dst.resolve(Integer.toString(c)));
            try (Stream<Path> s = Files.list(src.resolve(Integer.toString(c)))) {
                for (Path f : s.sorted().limit(perClass).toList()) {
                    Files.copy(f, dst.resolve(Integer.toString(c)).resolve(f.getFileName()));
                }
            }
        }
        return dst;
    }

    @Test
    void kafkaPathReproducesTheDirectStream(@TempDir Path dir) throws Exception {
        Path train = subset(dir, "Train", 4);
        Path test = subset(dir, "Test", 1);
        Settings s = Settings.load(List.of("classpath:demo.json"), List.of("network.n_rec=60"));
        NmnistExperiment exp = new NmnistExperiment(s, train, List.of(test), 1, 3);
        NmnistExperiment.Result direct = exp.runDirect(null);
        NmnistExperiment.Result viaKafka;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); KafkaEndpoint endpoint = KafkaEndpoint.of(kafka)) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", endpoint.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("learner-events", 2, (short) 1))).all().get();
            }
            viaKafka = exp.runKafka(endpoint, "learner-events", null);
        }
        assertEquals(40 + 10, direct.predictions().size());
        assertEquals(direct.predictions().size(), viaKafka.predictions().size());
        for (int i = 0; i < direct.predictions().size(); i++) {
            StreamLearner.Prediction a = direct.predictions().get(i);
            StreamLearner.Prediction b = viaKafka.predictions().get(i);
            assertEquals(a.sampleId(), b.sampleId());
            assertEquals(a.predicted(), b.predicted());
            assertArrayEquals(a.scores(), b.scores(), "scores of " + a.sampleId() + " must be bit-identical");
        }
        assertEquals(direct.events(), viaKafka.events());
        assertEquals(direct.simSteps(), viaKafka.simSteps());
        assertEquals(Topics.EVENTS, "spikestream.events", "the standard topic stays what the docs say");
        assertEquals(Arrays.asList(10L, 40L), List.of(direct.count("test"), direct.count("train/")));
    }
}
