package io.spikestream.app.durable;

import io.spikestream.ingest.kafka.PartitionHook;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.spikestream.network.checkpoint.CheckpointFormat;
import io.spikestream.network.checkpoint.CheckpointReader;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where the consumer resumes newly assigned partitions: where the checkpoints say (the largest floor recorded, or
 * earlier where a model had to fall back to an older checkpoint), checked against what the broker says.
 *
 * <ul>
 *   <li>A checkpoint of another network shape (settings changed, another store): error naming the file and the first
 *       line of the shape that differs.</li>
 *   <li>No checkpoint covers a partition, but the consumer group committed offsets on it beyond the log start: the
 *       learned state for those records is missing (wrong or deleted checkpoint directory). Error, never a silent
 *       fresh start; the way out is to restore the directory, or to learn afresh under a new consumer group.</li>
 *   <li>The checkpoints need records the log no longer holds (deleted by retention): error by default; with
 *       {@code checkpoint.on_retention_gap = skip} the partition resumes at the log start and the number of lost
 *       records is logged and counted.</li>
 *   <li>Otherwise: seek to the checkpoints' offset; with no checkpoint and no commits, the partition starts at the
 *       earliest retained record and its models are created from the template (a first start, logged).</li>
 * </ul>
 *
 * Runs on the consumer thread (inside the rebalance); revocations wait, up to the policy's barrier, for the
 * learner thread to checkpoint the partitions' models.
 */
public final class RecoveryHook implements PartitionHook {

    private static final Logger LOG = LoggerFactory.getLogger(RecoveryHook.class);

    private final CheckpointStore store;
    private final String groupId;
    private final DurabilityPolicy policy;
    private final ConcurrentMap<String, Long> plannedVersions;
    private final String expectedShape;
    private final AtomicLong lostToRetention = new AtomicLong();

    /**
     * @param expectedShape the checkpoint shape of the pipeline's model template; every checkpoint recovery relies
     *                      on must have it (null: not checked here, only when a model is restored)
     */
    public RecoveryHook(CheckpointStore store, String groupId, DurabilityPolicy policy, ConcurrentMap<String, Long> plannedVersions,
                        String expectedShape) {
        this.store = store;
        this.groupId = groupId;
        this.policy = policy;
        this.plannedVersions = plannedVersions;
        this.expectedShape = expectedShape;
    }

    @Override
    public Map<TopicPartition, Long> startOffsets(Collection<TopicPartition> partitions, Offsets offsets) {
        CheckpointStore.RecoveryPlan plan;
        try {
            plan = store.plan(partitions);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the checkpoint store " + store.dir() + ": " + e.getMessage(), e);
        }
        if (expectedShape != null) {
            requireShapes(plan);
        }
        plannedVersions.putAll(plan.versions());
        Map<TopicPartition, Long> start = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            Long resume = plan.resumeAt(tp);
            long begin = offsets.beginning().getOrDefault(tp, 0L);
            Long committed = offsets.committed().get(tp);
            if (resume == null) {
                if (committed != null && committed > begin) {
                    throw new IllegalStateException("partition " + tp + ": consumer group '" + groupId + "' committed offset "
                        + committed + ", but the checkpoint store " + store.dir() + " holds no checkpoint for it: the state "
                        + "learned from those records is missing (wrong or deleted checkpoint directory?). Refusing a silent "
                        + "fresh start: restore the directory, or use a new consumer group to learn from scratch.");
                }
                LOG.info("partition {}: no checkpoint, starting at the earliest retained record ({}); its models start fresh", tp,
                    begin);
                continue;
            }
            if (resume < begin) {
                long lost = begin - resume;
                if (policy.onRetentionGap() == DurabilityPolicy.RetentionGap.FAIL) {
                    throw new IllegalStateException("partition " + tp + ": the checkpoints resume at offset " + resume
                        + ", but the log starts at " + begin + ": " + lost + " record(s) were deleted by retention before "
                        + "they were learned from. Set checkpoint.on_retention_gap=skip to continue without them.");
                }
                lostToRetention.addAndGet(lost);
                LOG.warn("partition {}: the checkpoints resume at offset {}, but the log starts at {}: skipping {} record(s) "
                    + "deleted by retention (checkpoint.on_retention_gap=skip)", tp, resume, begin, lost);
                start.put(tp, begin);
            } else {
                start.put(tp, resume);
            }
        }
        if (!start.isEmpty()) {
            LOG.info("resuming {} from {} checkpoint(s) in {} (group committed {})", start, plan.checkpoints(), store.dir(),
                offsets.committed());
        }
        return start;
    }

    /** Refuses, before anything is read, checkpoints of another network shape (settings changed, wrong store). */
    private void requireShapes(CheckpointStore.RecoveryPlan plan) {
        long expectedHash = CheckpointFormat.fnv1a(expectedShape.getBytes(StandardCharsets.UTF_8));
        try {
            for (Map.Entry<String, Long> e : plan.versions().entrySet()) {
                for (CheckpointStore.Entry entry : store.versions(e.getKey())) {
                    if (entry.version() != e.getValue()) {
                        continue;
                    }
                    CheckpointStore.Inspection in = store.inspect(entry);
                    if (in.valid() && in.shapeHash() != expectedHash) {
                        try (CheckpointReader r = CheckpointReader.open(entry.file())) {
                            r.requireShape(expectedShape);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("model checkpoint incompatible with this learner's settings: " + e.getMessage(), e);
        }
    }

    @Override
    public Duration revocationBarrier() {
        return policy.revocationBarrier();
    }

    /** Records skipped because retention deleted them before they were learned from. */
    public long lostToRetention() {
        return lostToRetention.get();
    }
}
