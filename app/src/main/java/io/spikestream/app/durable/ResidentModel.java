package io.spikestream.app.durable;

import io.spikestream.learner.StreamLearner;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A model resident in {@link ModelRegistry}: its learner, the next offset per partition it consumes, the records
 * applied since its last durable checkpoint (acknowledged only once one holds them), its memory weight for the
 * resident bound, and the clocks of the registry's wall-clock duties (dirty since, last used). Owned by the
 * registry's thread; {@code dirtySinceMillis} is read by metrics threads.
 */
final class ResidentModel {

    /** A record applied and not yet durable: acknowledged to its source once a checkpoint holds it. */
    record Pending(TopicPartition tp, long offset, ModelRegistry.Ack ack) {
    }

    final String id;
    final StreamLearner learner;
    final Map<TopicPartition, Long> next = new HashMap<>();
    final List<Pending> pending = new ArrayList<>();
    /** Memory weight for the resident bound: network state plus the events held (re-weighed as they grow). */
    long weightKiB;
    long version;
    long eventsSince;
    long lastCheckpointStreamUs = Long.MIN_VALUE;
    /** Wall-clock millis at which the model first changed after its last checkpoint; MIN_VALUE while clean. */
    volatile long dirtySinceMillis = Long.MIN_VALUE;
    /** Wall-clock millis of its latest record (or of its load): what {@code models.idle_release_ms} measures. */
    long lastUsedMillis;
    boolean changedWithoutInput;
    boolean closed;

    ResidentModel(String id, StreamLearner learner) {
        this.id = id;
        this.learner = learner;
        this.weightKiB = measureKiB(learner);
    }

    static long measureKiB(StreamLearner learner) {
        return Math.max(1, (learner.network().checkpointBytes() + learner.heldBytes()) >> 10);
    }

    boolean dirty() {
        return !pending.isEmpty() || changedWithoutInput;
    }
}
