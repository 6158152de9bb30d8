package io.spikestream.tests;

import io.spikestream.app.durable.CheckpointStore;
import io.spikestream.app.durable.DurabilityPolicy;
import io.spikestream.app.pipeline.LearnerPipeline;
import io.spikestream.app.pipeline.StreamDecoders;
import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.SourceOptions;
import io.spikestream.ingest.kafka.Topics;
import io.spikestream.ingest.replay.ReplaySummary;
import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code learn --until-end} with nothing left to read (issue 12): an earlier {@code learn} stopped by a signal
 * checkpointed its model with open windows (events waiting for their label's end; a clean shutdown checkpoints, it does
 * not finish) and committed everything. A later {@code learn --until-end} reads nothing, so no record restores the
 * model; it must still restore it from the store, finish its windows and checkpoint it, ending exactly where one
 * {@code learn --until-end} over the same records ends.
 */
class UntilEndTest {

    static final List<String> SETTINGS = List.of("network.n_rec=20");

    @Test
    void untilEndWithNothingLeftToReadFinishesTheWindowsAnEarlierRunLeftOpen(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); KafkaEndpoint endpoint = KafkaEndpoint.of(kafka)) {
            String topic = "open-windows";
            TopicPartition tp = new TopicPartition(topic, 0);
            Topics.ensure(endpoint, List.of(new Topics.Spec(topic, 1, Map.of())));
            ReplaySummary r = DurableStreams.replay(endpoint, topic, "cam", 0, 2, 400);
            long end = r.batches() + r.labels();

            // the earlier run: learn as a service, stopped cleanly (shutdown checkpoint and commits, no finish)
            Path store = dir.resolve("store");
            Settings s = StreamLearner.resolveTimeMode(Settings.load(List.of(), SETTINGS), "continuous");
            DurabilityPolicy policy = DurabilityPolicy.from(s);
            LearnerPipeline service = LearnerPipeline.durable(endpoint, SourceOptions.of("g-open", topic), id -> {
                try {
                    return new StreamLearner(s, p -> { });
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, CheckpointStore.open(store, policy.keep(), InstantSource.system()), policy, InstantSource.system(),
                StreamDecoders.forLearner(s));
            try {
                service.start();
                service.awaitPositions(Map.of(tp, end), Duration.ofSeconds(120));
            } finally {
                service.close();
            }
            assertEquals(end, QuietSensorTest.committed(endpoint, "g-open", tp), "everything committed: nothing left to read");
            Map<String, byte[]> stopped = DurableStreams.learnedState(DurableStreams.newest(store, "cam"));

            Cli.Run again = learn(kafka, topic, "g-open", store);
            assertEquals(0, again.rc(), again.toString());
            assertTrue(again.out().contains("learned records=0 "), again.toString());
            assertTrue(again.out().contains("models_restored=1 "), "the model came back from the store: " + again);

            Path referenceStore = dir.resolve("reference");
            Cli.Run reference = learn(kafka, topic, "g-reference", referenceStore);
            assertEquals(0, reference.rc(), reference.toString());
            assertTrue(reference.out().contains("learned records=" + end + " "), reference.toString());
            Map<String, byte[]> expected = DurableStreams.learnedState(DurableStreams.newest(referenceStore, "cam"));
            assertFalse(sameState(expected, stopped), "the stopped run's checkpoint must hold unfinished windows, or this "
                + "test proves nothing");
            DurableStreams.assertSameLearnedState(expected,
                DurableStreams.learnedState(DurableStreams.newest(store, "cam")), "after --until-end with nothing to read");
        }
    }

    private static Cli.Run learn(EmbeddedKafka kafka, String topic, String group, Path store) {
        List<String> args = new java.util.ArrayList<>(List.of("learn", "--bootstrap-servers", kafka.bootstrapServers(),
            "--topic", topic, "--group", group, "--checkpoint-dir", store.toString(), "--until-end"));
        for (String set : SETTINGS) {
            args.add("--set");
            args.add(set);
        }
        return Cli.run(args.toArray(new String[0]));
    }

    private static boolean sameState(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (String k : a.keySet()) {
            if (!Arrays.equals(a.get(k), b.get(k))) {
                return false;
            }
        }
        return true;
    }
}
