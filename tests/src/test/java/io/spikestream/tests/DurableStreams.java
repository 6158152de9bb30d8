package io.spikestream.tests;

import io.spikestream.app.durable.CheckpointStore;
import io.spikestream.app.durable.ModelCheckpoint;
import io.spikestream.app.learn.NmnistSamples;
import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.replay.ReplayClock;
import io.spikestream.ingest.replay.ReplayItem;
import io.spikestream.ingest.replay.ReplayOptions;
import io.spikestream.ingest.replay.ReplayPlan;
import io.spikestream.ingest.replay.ReplayProgress;
import io.spikestream.ingest.replay.ReplaySummary;
import io.spikestream.ingest.replay.Replayer;
import io.spikestream.network.checkpoint.CheckpointReader;
import org.apache.kafka.clients.producer.KafkaProducer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shared helpers of the durability tests: replaying N-MNIST as a sensor, comparing learned state. */
final class DurableStreams {

    private DurableStreams() {
    }

    /** {@code n} training samples (every 7th, from {@code first}) replayed as sensor {@code sensor}, labels in the topic. */
    static ReplaySummary replay(KafkaEndpoint endpoint, String topic, String sensor, int first, int n, int batchEvents)
        throws Exception {
        List<NmnistSamples.Sample> all = NmnistSamples.list(Path.of("..", "data", "nmnist", "Train"));
        List<ReplayItem> items = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            NmnistSamples.Sample s = all.get((first + k) * 7 % all.size());
            items.add(new ReplayItem(s.file(), s.id(), Integer.toString(s.label()), s.label()));
        }
        ReplayOptions options = new ReplayOptions(topic, topic, sensor, 0, batchEvents, 0, 0);
        try (var producer = new KafkaProducer<String, byte[]>(ClientConfigs.producer(endpoint, "durable-test-" + sensor))) {
            ReplaySummary summary = new Replayer(producer, options, ReplayClock.SYSTEM, ReplayProgress.NONE)
                .replay(ReplayPlan.ofItems(items));
            assertTrue(summary.failures().isEmpty(), summary.failures().toString());
            return summary;
        }
    }

    /** The learned state of a checkpoint: every section but the model's identity and offsets, by name. */
    static Map<String, byte[]> learnedState(Path file) throws Exception {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (CheckpointReader r = CheckpointReader.open(file)) {
            for (String name : r.sectionNames()) {
                if (!name.equals(ModelCheckpoint.MODEL) && !name.equals(ModelCheckpoint.OFFSETS)) {
                    out.put(name, r.section(name).body().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                }
            }
        }
        return out;
    }

    /** The newest checkpoint of a model in a store. */
    static Path newest(Path dir, String model) throws Exception {
        List<CheckpointStore.Entry> v = CheckpointStore.existing(dir).versions(model);
        assertTrue(!v.isEmpty(), "no checkpoint of " + model + " in " + dir);
        return v.get(0).file();
    }

    /** Section-by-section equality, naming the first section that differs. */
    static void assertSameLearnedState(Map<String, byte[]> expected, Map<String, byte[]> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what + ": sections");
        for (String name : expected.keySet()) {
            assertTrue(java.util.Arrays.equals(expected.get(name), actual.get(name)), what + ": section '" + name + "' differs");
        }
    }
}
