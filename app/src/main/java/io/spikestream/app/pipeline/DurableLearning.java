package io.spikestream.app.pipeline;

import io.spikestream.app.durable.CheckpointStore;
import io.spikestream.app.durable.DurabilityPolicy;
import io.spikestream.app.durable.ModelRegistry;
import io.spikestream.app.durable.RecoveryHook;
import io.spikestream.ingest.kafka.PartitionHook;
import io.spikestream.ingest.kafka.SourceSignal;
import io.spikestream.ingest.kafka.StreamItem;
import io.spikestream.learner.StreamLearner;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Collection;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The durable side of a {@link LearnerPipeline} ({@link LearnerPipeline#durable}): its {@link ModelRegistry} (models
 * checkpointed with their input offsets, restored on demand), its {@link RecoveryHook} (where newly assigned partitions
 * resume), and what a signal of the source does to them on the learner thread: a record is applied to its model unless
 * the model already applied it and acknowledged only once a checkpoint holds it; a revocation checkpoints and releases
 * the partitions' models before the source may let them go; a rejected record only moves the read position.
 *
 * <p>The learner thread only, except {@link #partitionHook} (the consumer thread, inside a rebalance).
 */
final class DurableLearning {

    /** Applies one record to a learner (the pipeline's shared applier, which names the record when the learner throws). */
    @FunctionalInterface
    interface RecordApplier {
        void apply(StreamLearner learner, SourceSignal.Record<StreamItem> record);
    }

    private final ModelRegistry registry;
    private final RecoveryHook hook;
    private final PipelineProgress progress;
    private final ProcessingErrors processingErrors;
    private final IdleModels idle;

    DurableLearning(Function<String, StreamLearner> template, CheckpointStore store, DurabilityPolicy policy, InstantSource clock,
                    String groupId, PipelineProgress progress, ProcessingErrors processingErrors, IdleModels idle) {
        this.registry = new ModelRegistry(store, template, policy, clock);
        this.progress = progress;
        this.processingErrors = processingErrors;
        this.idle = idle;
        registry.addReleaseListener((id, l) -> idle.forget(id));
        String shape;
        try (StreamLearner probe = template.apply("")) {
            shape = probe.checkpointShape();
        }
        this.hook = new RecoveryHook(store, groupId, policy, registry.plannedVersionsView(), shape);
    }

    ModelRegistry registry() {
        return registry;
    }

    RecoveryHook hook() {
        return hook;
    }

    /**
     * The source's partition hook: resumes partitions where the checkpoints say (recording the read positions that
     * {@code --until-end} compares), waits for revoked partitions' checkpoints up to the policy's barrier, and tells the
     * observer when a revocation starts.
     */
    PartitionHook partitionHook(Supplier<LearnerPipeline.RecordObserver> observer) {
        return new PartitionHook() {
            @Override
            public Map<TopicPartition, Long> startOffsets(Collection<TopicPartition> partitions, Offsets offsets) {
                Map<TopicPartition, Long> start = hook.startOffsets(partitions, offsets);
                for (TopicPartition tp : partitions) {
                    Long committed = offsets.committed().get(tp);
                    long at = start.containsKey(tp) ? start.get(tp)
                        : committed != null ? committed : offsets.beginning().getOrDefault(tp, 0L);
                    progress.readUpTo(tp, at);
                }
                progress.changed();
                return start;
            }

            @Override
            public Duration revocationBarrier() {
                return hook.revocationBarrier();
            }

            @Override
            public void revocationStarted(Collection<TopicPartition> partitions, boolean lost) {
                observer.get().revoking(partitions, lost);
            }
        };
    }

    /**
     * One signal of the source. {@code draining}: the pipeline is shutting down, so records are neither applied nor
     * acknowledged (the next owner reads them from the checkpoints' offsets).
     */
    void onSignal(SourceSignal<StreamItem> signal, boolean draining, LearnerPipeline.RecordObserver o,
                  Function<String, String> modelOf, RecordApplier applier) {
        switch (signal) {
            case SourceSignal.Record<StreamItem> r when draining -> {
                // shutting down: not applied, not acknowledged; the next owner reads it from the checkpoints' offsets
            }
            case SourceSignal.Record<StreamItem> r -> onRecord(r, o, modelOf, applier);
            case SourceSignal.PartitionsRevoked<StreamItem> rv -> {
                try {
                    registry.partitionsRevoked(rv.partitions(), rv.lost());
                } finally {
                    progress.forget(rv.partitions());
                    rv.release();
                }
            }
            case SourceSignal.PartitionsAssigned<StreamItem> as -> {
            }
            // rejected and dead-lettered by the source: read past, so --until-end sees the partition's end
            case SourceSignal.Skipped<StreamItem> k -> progress.skippedUpTo(k.partition(), k.offset() + 1);
        }
        progress.changed();
    }

    private void onRecord(SourceSignal.Record<StreamItem> r, LearnerPipeline.RecordObserver o, Function<String, String> modelOf,
                          RecordApplier applier) {
        StreamItem item = r.value();
        int n = item instanceof StreamItem.Events e ? e.events().count() : 0;
        o.before(r.partition(), r.offset(), item.sensorId());
        String[] failed = new String[1];
        ModelRegistry.Ack ack = () -> {
            if (failed[0] == null) {
                r.acknowledge();
            } else {
                r.deadLetter(failed[0]); // acknowledged by the source once written
            }
        };
        boolean applied;
        try {
            applied = registry.apply(modelOf.apply(item.sensorId()), r.partition(), r.offset(), ack, n,
                learner -> applier.apply(learner, r));
            r.forgetBytes();
        } catch (LearnerFailure e) {
            if (processingErrors.failsPipeline()) {
                throw e;
            }
            // the model took the record in (see ModelRegistry.apply): its dead letter goes with its checkpoint
            failed[0] = e.getMessage();
            processingErrors.record(e);
            applied = false;
        }
        idle.seen(modelOf.apply(item.sensorId()));
        if (applied) {
            if (item instanceof StreamItem.Events) {
                progress.eventsApplied(n);
            } else {
                progress.labelApplied();
            }
        }
        progress.recordTaken();
        progress.readUpTo(r.partition(), r.offset() + 1);
        o.after(r.partition(), r.offset(), item.sensorId(), applied);
    }

    /** End of a finite stream: every model of the partitions read (resident or only on disk) finishes and is checkpointed. */
    void finish() {
        registry.finishAll(progress.positions().keySet(), "end of stream");
    }
}
