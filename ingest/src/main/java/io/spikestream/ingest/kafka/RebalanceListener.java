package io.spikestream.ingest.kafka;

import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The rebalance side of a {@link KafkaRecordSource} (see its class comment, "Rebalances" and "Stateful downstream"):
 * on assignment, new acknowledgement trackers, the {@link PartitionHook}'s start offsets, and a
 * {@link SourceSignal.PartitionsAssigned}; on revocation, the commit of what is acknowledged, the not yet emitted
 * records dropped and a {@link SourceSignal.PartitionsRevoked} queued, or, when the hook asks for a barrier, that
 * signal emitted from inside the callback and waited on until downstream releases it; on loss, the same without a
 * commit. Runs inside {@code poll}, on the consumer thread; it changes the source's state only through {@link Source}.
 */
final class RebalanceListener<T> implements ConsumerRebalanceListener {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaRecordSource.class);

    /** The source's consumer-thread state, as the listener may change it. */
    interface Source<T> {
        /** Applies the acknowledgements and processing rejects that arrived from downstream. */
        void drainAcknowledgements();

        /** Commits the acknowledged prefix of {@code partitions} synchronously; returns each one's position. */
        Map<TopicPartition, Long> commitNow(KafkaConsumer<String, byte[]> c, Collection<TopicPartition> partitions);

        /** New acknowledgement trackers for newly assigned partitions. */
        void track(Collection<TopicPartition> partitions);

        /** Forgets the trackers and last commits of partitions given up (a late acknowledgement is then ignored). */
        void untrack(Set<TopicPartition> partitions);

        /** Drops the records and skipped-record signals of {@code partitions} not emitted yet. */
        void dropNotEmitted(Set<TopicPartition> partitions);

        /** Queues a partition signal behind everything polled so far. */
        void enqueue(SourceSignal<T> signal);

        /** Whether {@code signal} is still queued (not emitted). */
        boolean queued(SourceSignal<T> signal);

        /** Emits queued signals as far as downstream's demand goes. */
        void emitWhatIsDemanded();

        /** Waits briefly (50 ms at most) for demand while {@code signal} is queued and none is there. */
        void awaitDemand(SourceSignal<T> signal) throws InterruptedException;

        void noteBufferedNow();

        boolean cancelled();

        /** Whether downstream has subscribed (a barrier needs someone to release it). */
        boolean subscribed();
    }

    private final KafkaConsumer<String, byte[]> c;
    private final PartitionHook hook;
    private final Source<T> source;

    RebalanceListener(KafkaConsumer<String, byte[]> c, PartitionHook hook, Source<T> source) {
        this.c = c;
        this.hook = hook;
        this.source = source;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        hook.revocationStarted(partitions, false);
        if (barrierActive()) {
            awaitDownstream(partitions, false);
        }
        source.drainAcknowledgements();
        Map<TopicPartition, Long> committed = Map.of();
        try {
            committed = source.commitNow(c, partitions);
        } catch (RuntimeException e) {
            LOG.warn("commit on revocation of {} failed: {}", partitions, e.toString());
        }
        forget(partitions, committed, false);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        hook.revocationStarted(partitions, true);
        if (barrierActive()) {
            awaitDownstream(partitions, true);
        }
        forget(partitions, Map.of(), true);
    }

    private boolean barrierActive() {
        return !hook.revocationBarrier().isZero() && source.subscribed() && !source.cancelled();
    }

    /**
     * Barrier mode: drops the not yet emitted records of {@code partitions}, emits every signal before and the
     * revocation signal itself (waiting for demand as needed), then waits for downstream to release it.
     */
    private void awaitDownstream(Collection<TopicPartition> partitions, boolean lost) {
        source.drainAcknowledgements();
        Set<TopicPartition> gone = new LinkedHashSet<>(partitions);
        source.dropNotEmitted(gone);
        CompletableFuture<Void> released = new CompletableFuture<>();
        SourceSignal.PartitionsRevoked<T> signal = new SourceSignal.PartitionsRevoked<>(Set.copyOf(gone), Map.of(), lost,
            released);
        source.enqueue(signal);
        long deadline = System.nanoTime() + hook.revocationBarrier().toNanos();
        while (source.queued(signal) && !source.cancelled() && System.nanoTime() < deadline) {
            source.emitWhatIsDemanded();
            try {
                source.awaitDemand(signal);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        long left = deadline - System.nanoTime();
        try {
            if (!source.queued(signal)) {
                released.get(Math.max(0, left), TimeUnit.NANOSECONDS);
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (ExecutionException | TimeoutException e) {
            // fall through to the warning
        }
        if (!source.cancelled()) {
            LOG.warn("downstream did not release partitions {} within {}; committing what is acknowledged", gone,
                hook.revocationBarrier());
        }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        source.track(partitions);
        if (!partitions.isEmpty() && hook != PartitionHook.NONE) {
            seekForHook(partitions);
        }
        if (!partitions.isEmpty() && !source.cancelled()) {
            source.enqueue(new SourceSignal.PartitionsAssigned<>(Set.copyOf(partitions)));
            source.noteBufferedNow();
        }
    }

    private void seekForHook(Collection<TopicPartition> partitions) {
        Set<TopicPartition> set = new LinkedHashSet<>(partitions);
        Map<TopicPartition, Long> committed = new HashMap<>();
        c.committed(set).forEach((tp, om) -> {
            if (om != null) {
                committed.put(tp, om.offset());
            }
        });
        Map<TopicPartition, Long> start = hook.startOffsets(partitions,
            new PartitionHook.Offsets(Map.copyOf(committed), Map.copyOf(c.beginningOffsets(set)), Map.copyOf(c.endOffsets(set))));
        start.forEach((tp, offset) -> {
            if (!set.contains(tp)) {
                throw new IllegalArgumentException("partition hook chose an offset for " + tp + ", which is not assigned");
            }
            c.seek(tp, offset);
        });
        if (!start.isEmpty()) {
            LOG.info("partitions {} start at {} (chosen by the partition hook; committed {})", set, start, committed);
        }
    }

    private void forget(Collection<TopicPartition> partitions, Map<TopicPartition, Long> committed, boolean lost) {
        Set<TopicPartition> gone = new LinkedHashSet<>(partitions);
        source.untrack(gone);
        source.dropNotEmitted(gone);
        if (!source.cancelled() && !barrierActive()) {
            source.enqueue(new SourceSignal.PartitionsRevoked<>(Set.copyOf(gone), Map.copyOf(committed), lost));
        }
        source.noteBufferedNow();
        LOG.info("partitions {} {}; committed {}", gone, lost ? "lost" : "revoked", committed);
    }
}
