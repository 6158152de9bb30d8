package io.spikestream.tests;

import io.spikestream.app.pipeline.LearnerOutputs;
import io.spikestream.app.pipeline.LearnerPipeline;
import io.spikestream.app.pipeline.StreamDecoders;
import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.SourceOptions;
import io.spikestream.ingest.kafka.Topics;
import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;
import io.spikestream.schemas.DvsEventBatch;
import io.spikestream.schemas.EventBatchLayout;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bounded per-sensor state (issue 12 item 4): 10,000 distinct sensor ids, one record each, through the pipeline of
 * {@code run} without a checkpoint directory, wired as {@code run} wires it (outputs attached and detached). With
 * {@code models.max_models=100} at most 100 learners stay in memory and in the outputs, and the heap after GC grows by
 * less than {@link #HEAP_BOUND_BYTES} over the test's start, however many sensors came by; the events of the released
 * learners stay in the totals.
 */
class BoundedStateTest {

    static final int SENSORS = 10_000;
    static final int MAX_MODELS = 100;
    /** The stated bound: 100 tiny learners, the source's buffers, the metrics; far below 10,000 learners. */
    static final long HEAP_BOUND_BYTES = 64L << 20;

    @Test
    void tenThousandSensorIdsKeepAtMostMaxModelsInMemory() throws Exception {
        Settings s = StreamLearner.resolveTimeMode(Settings.load(List.of(), List.of("sensor.width=4", "sensor.height=4",
            "network.n_rec=4", "models.max_models=" + MAX_MODELS)), "continuous");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); KafkaEndpoint endpoint = KafkaEndpoint.of(kafka)) {
            String topic = "many-sensors";
            TopicPartition tp = new TopicPartition(topic, 0);
            Topics.ensure(endpoint, List.of(new Topics.Spec(topic, 1, Map.of())));
            try (var producer = new KafkaProducer<String, byte[]>(ClientConfigs.producer(endpoint, "many"))) {
                for (int i = 0; i < SENSORS; i++) {
                    String id = "sensor-" + i;
                    DvsEventBatch b = EventBatchLayout.pack(new EventBatchLayout.Header(id, 4, 4, 0, 0, null, 0),
                        new int[] {1}, new int[] {2}, new byte[] {1}, new long[] {1000}, 0, 1);
                    producer.send(new ProducerRecord<>(topic, id, SpikestreamSchemas.codec(DvsEventBatch.class).encode(b)));
                }
                producer.flush();
            }
            long before = heapAfterGc();
            LearnerOutputs outputs = new LearnerOutputs(10, 100, "127.0.0.1", -1, null, 0, false);
            LearnerPipeline pipeline = new LearnerPipeline(endpoint, SourceOptions.of("g-many", topic), sensor -> {
                StreamLearner[] self = new StreamLearner[1];
                try {
                    self[0] = new StreamLearner(s, outputs.listener(sensor, self));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                outputs.attach(sensor, self[0]);
                return self[0];
            }, StreamDecoders.forLearner(s));
            pipeline.addReleaseListener((sensor, learner) -> outputs.detach(sensor, learner, false));
            pipeline.boundModels(MAX_MODELS);
            try {
                pipeline.start();
                await().atMost(Duration.ofSeconds(300)).until(() -> QuietSensorTest.committed(endpoint, "g-many", tp) == SENSORS);
                int[] held = pipeline.onLearnerThread(() -> new int[] {pipeline.learners().size(), outputs.attached()});
                assertEquals(MAX_MODELS, held[0], "learners in memory");
                assertEquals(MAX_MODELS, held[1], "learners the outputs hold");
                assertEquals(SENSORS - MAX_MODELS, pipeline.modelsForgotten());
                long grown = heapAfterGc() - before;
                System.out.printf("BoundedStateTest: %d sensor ids, %d learners held, heap after GC grew by %.1f MiB%n",
                    SENSORS, held[0], grown / 1048576.0);
                assertTrue(grown < HEAP_BOUND_BYTES, "heap after GC grew by " + grown + " bytes");
                assertEquals(SENSORS, (long) pipeline.onLearnerThread(() -> outputs.summary().events()),
                    "released learners' events stay counted");
            } finally {
                pipeline.close();
                outputs.close();
            }
        }
    }

    static long heapAfterGc() {
        var memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) { // a few collections: finalisation of closed arenas may free more
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
