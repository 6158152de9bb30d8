package io.spikestream.ingest.kafka;

import io.spikestream.schemas.DeadLetterReason;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A Kafka consumer group member bridged into a backpressured {@link Flux} of {@link SourceSignal}s.
 *
 * <p><b>Threading.</b> One plain {@link KafkaConsumer}, created, polled, committed and closed by one dedicated
 * thread that this source starts on subscription (Kafka consumers are single-threaded). Signals are emitted from
 * that thread; downstream may move them elsewhere with {@code publishOn}. Acknowledgements may come from any
 * thread: they go through a lock-free queue that the consumer thread drains.
 *
 * <p><b>Backpressure.</b> The consumer thread emits only what downstream requested. Records polled beyond the
 * demand wait in a FIFO; while it is not empty, or demand is zero, every assigned partition is
 * {@link KafkaConsumer#pause paused}, so {@code poll} keeps the group membership alive without fetching. Hence at
 * most {@code maxPollRecords} records wait here (see {@link #maxBuffered()}), plus what the consumer's own fetch
 * buffer holds (bounded by {@code fetch.max.bytes}). A request from downstream wakes the consumer from its poll.
 * The sink uses {@link FluxSink.OverflowStrategy#ERROR}, so emitting without demand would be a loud bug, not a
 * silent buffer.
 *
 * <p><b>Order and commits.</b> One FIFO for all partitions keeps per-partition order. Per partition an
 * {@link AckTracker} records polled offsets; the committed offset is the one after the longest acknowledged
 * prefix, committed asynchronously at most every {@code commitInterval}, synchronously on revocation and close.
 * Delivery is at least once: what is emitted but not acknowledged is delivered again after a rebalance or restart.
 *
 * <p><b>Rebalances.</b> On revocation the source commits what is acknowledged, drops the not yet emitted records of
 * the revoked partitions and their trackers (a late acknowledgement of them is ignored), and queues a
 * {@link SourceSignal.PartitionsRevoked} signal: it follows every record emitted from those partitions. Like every
 * signal it waits for demand, but the commit it reports has already happened when the consumer gave up the
 * partitions.
 *
 * <p><b>Stateful downstream.</b> A {@link PartitionHook} chooses where assigned partitions start (the source seeks
 * there before their first poll) and may turn revocation into a barrier: the source emits the
 * {@link SourceSignal.PartitionsRevoked} signal from inside the rebalance callback, waits until downstream releases
 * it (its state for those partitions durable, their records acknowledged), and only then commits and lets the
 * partitions go. The consumer keeps its group membership meanwhile (heartbeats run on their own thread).
 *
 * <p><b>Bad records.</b> A record the {@link RecordDecoder} rejects is logged with topic, partition and offset,
 * counted, and written to the dead-letter topic with the reason and its raw bytes (by a {@link DeadLetterWriter}: the
 * topic is checked or created before the first poll, the write never blocks this thread, and a letter too large for
 * one Kafka request keeps the first bytes of the value); it counts as acknowledged once that write is confirmed, so
 * the commit position never passes a record that was neither used nor dead-lettered. In its place in the partition's
 * order a {@link SourceSignal.Skipped} signal goes downstream, so that a consumer waiting to have read a partition up
 * to some offset is not left waiting when the last record was rejected.
 *
 * <p>Single use: {@link #flux()} may be subscribed to once.
 */
public final class KafkaRecordSource<T> implements SourceSignal.AckSink {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaRecordSource.class);

    private final KafkaEndpoint endpoint;
    private final SourceOptions options;
    private final RecordDecoder<T> decoder;
    private final PartitionHook hook;
    private final Object demand = new Object();

    private final AtomicBoolean subscribed = new AtomicBoolean();
    private final AtomicBoolean waitingForDemand = new AtomicBoolean();
    private final ConcurrentLinkedQueue<SourceSignal.Record<?>> acks = new ConcurrentLinkedQueue<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean cancelled;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile int buffered;
    private volatile int maxBuffered;

    // Consumer thread only.
    private final ArrayDeque<SourceSignal<T>> pending = new ArrayDeque<>();
    private final Map<TopicPartition, AckTracker> trackers = new HashMap<>();
    private final Map<TopicPartition, Long> lastCommitted = new HashMap<>();
    private int pendingSignals; // PartitionsAssigned/Revoked among pending, not counted as buffered records
    private boolean paused;
    private long lastCommitMs;
    private final ClusterWatch clusterWatch;
    private DeadLetterWriter deadLetters;
    private FluxSink<SourceSignal<T>> sink;

    private KafkaRecordSource(KafkaEndpoint endpoint, SourceOptions options, RecordDecoder<T> decoder, PartitionHook hook) {
        this.endpoint = endpoint;
        this.options = options;
        this.decoder = decoder;
        this.hook = hook;
        this.clusterWatch = new ClusterWatch(endpoint, options);
    }

    public static <T> KafkaRecordSource<T> create(KafkaEndpoint endpoint, SourceOptions options,
                                                  RecordDecoder<T> decoder) {
        return new KafkaRecordSource<>(endpoint, options, decoder, PartitionHook.NONE);
    }

    /** A source whose partition moves are coordinated with a stateful downstream (see the class comment). */
    public static <T> KafkaRecordSource<T> create(KafkaEndpoint endpoint, SourceOptions options,
                                                  RecordDecoder<T> decoder, PartitionHook hook) {
        return new KafkaRecordSource<>(endpoint, options, decoder, hook);
    }

    /** The signals; subscribing starts the consumer thread, cancelling stops it (after a final commit). */
    public Flux<SourceSignal<T>> flux() {
        return Flux.create(sink -> {
            if (!subscribed.compareAndSet(false, true)) {
                sink.error(new IllegalStateException("a KafkaRecordSource supports a single subscriber"));
                return;
            }
            sink.onRequest(n -> {
                if (waitingForDemand.getAndSet(false)) {
                    wakeup();
                }
                synchronized (demand) {
                    demand.notifyAll();
                }
            });
            sink.onDispose(() -> {
                cancelled = true;
                wakeup();
                synchronized (demand) {
                    demand.notifyAll();
                }
            });
            Thread thread = new Thread(() -> run(sink), "kafka-source-" + options.groupId());
            thread.setDaemon(true);
            thread.start();
        }, FluxSink.OverflowStrategy.ERROR);
    }

    /** Records (not partition signals) polled but not yet emitted, now. */
    public int buffered() {
        return buffered;
    }

    /** The most records ever polled but not yet emitted at one time; at most {@code maxPollRecords}. */
    public int maxBuffered() {
        return maxBuffered;
    }

    /** Waits until the consumer thread has made its final commit and closed the consumer. */
    public boolean awaitClosed(Duration timeout) throws InterruptedException {
        return closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void acknowledge(SourceSignal.Record<?> record) {
        acks.add(record);
    }

    private record ProcessingReject(SourceSignal.Record<?> record, ConsumerRecord<String, byte[]> raw, String why) {
    }

    /** Records downstream could not process, to dead-letter from the consumer thread (see {@link #drainAcks}). */
    private final ConcurrentLinkedQueue<ProcessingReject> processingRejects = new ConcurrentLinkedQueue<>();

    @Override
    public void deadLetter(SourceSignal.Record<?> record, ConsumerRecord<String, byte[]> raw, String why) {
        processingRejects.add(new ProcessingReject(record, raw, why));
    }

    private void wakeup() {
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    private void run(FluxSink<SourceSignal<T>> sink) {
        try (DeadLetterWriter dlq = DeadLetterWriter.open(endpoint, options.deadLetterTopic(),
                 "spikestream-deadletter-" + options.groupId(), options.metrics());
             KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(
                 ClientConfigs.consumer(endpoint, options.groupId(), options.maxPollRecords()))) {
            consumer = c;
            deadLetters = dlq;
            this.sink = sink;
            c.subscribe(options.topics(), new RebalanceListener<>(c, hook, new ConsumerThreadState()));
            try {
                loop(c, sink);
            } finally {
                dlq.flush(); // dead letters still in flight count as acknowledged once written
                drainAcks();
                commit(c, true, trackers.keySet());
            }
        } catch (Throwable e) {
            if (!cancelled) {
                LOG.error("Kafka source {} failed", options.groupId(), e);
                sink.error(e);
            }
        } finally {
            closed.countDown();
        }
        if (!cancelled) {
            sink.complete();
        }
    }

    private void loop(KafkaConsumer<String, byte[]> c, FluxSink<SourceSignal<T>> sink) {
        final long pollMs = options.pollTimeout().toMillis();
        while (!cancelled) {
            drainAcks();
            if (options.clock().millis() - lastCommitMs >= options.commitInterval().toMillis()) {
                commit(c, false, trackers.keySet());
            }
            emit(sink);
            boolean starved = !pending.isEmpty() || sink.requestedFromDownstream() == 0;
            flowControl(c, starved);
            long timeout = pollMs;
            if (starved) {
                waitingForDemand.set(true);
                if (sink.requestedFromDownstream() > 0) {
                    waitingForDemand.set(false);
                    timeout = 0;
                }
            }
            ConsumerRecords<String, byte[]> records;
            try {
                records = c.poll(Duration.ofMillis(timeout));
            } catch (WakeupException e) {
                continue;
            } finally {
                waitingForDemand.set(false);
            }
            long polledUs = records.isEmpty() ? 0 : micros(options.clock().instant());
            for (ConsumerRecord<String, byte[]> record : records) {
                accept(record, polledUs);
            }
            clusterWatch.reportLag(c);
            clusterWatch.checkReachable(c);
            noteBuffered();
            emit(sink);
        }
    }

    private void flowControl(KafkaConsumer<String, byte[]> c, boolean starved) {
        if (starved) {
            Set<TopicPartition> assigned = c.assignment();
            if (!assigned.isEmpty()) {
                c.pause(assigned);
                if (!paused) {
                    paused = true;
                    options.metrics().paused();
                }
            }
        } else if (paused) {
            c.resume(c.paused());
            paused = false;
            options.metrics().resumed();
        }
    }

    private void emit(FluxSink<SourceSignal<T>> sink) {
        while (!pending.isEmpty() && sink.requestedFromDownstream() > 0 && !cancelled) {
            SourceSignal<T> next = pending.poll();
            if (!(next instanceof SourceSignal.Record<T>)) {
                pendingSignals--;
            }
            sink.next(next);
        }
        noteBuffered();
    }

    private void noteBuffered() {
        int n = pending.size() - pendingSignals;
        buffered = n;
        if (n > maxBuffered) {
            maxBuffered = n;
        }
    }

    private static long micros(java.time.Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }

    private void accept(ConsumerRecord<String, byte[]> record, long polledUs) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        AckTracker tracker = trackers.computeIfAbsent(tp, k -> new AckTracker());
        tracker.polled(record.offset());
        options.metrics().recordPolled(record.topic());
        T value;
        try {
            value = decoder.decode(record);
        } catch (RejectedRecordException e) {
            reject(record, tp, tracker, e.reason(), e.getMessage());
            return;
        } catch (RuntimeException e) {
            reject(record, tp, tracker, DeadLetterReason.INVALID_CONTENT, "decoder failed: " + e);
            return;
        }
        pending.add(new SourceSignal.Record<>(tp, record.offset(), record.timestamp(), record.key(), value, this,
            tracker, record, polledUs));
    }

    private void reject(ConsumerRecord<String, byte[]> record, TopicPartition tp, AckTracker tracker,
                        DeadLetterReason reason, String message) {
        String where = record.topic() + "[" + record.partition() + "]@" + record.offset();
        LOG.warn("rejected {}: {}: {} -> {}", where, reason, message, options.deadLetterTopic());
        options.metrics().recordRejected(record.topic(), reason);
        SourceSignal.Record<T> ack = new SourceSignal.Record<>(tp, record.offset(), record.timestamp(), record.key(),
            null, this, tracker);
        deadLetters.write(record, reason, message, () -> acks.add(ack));
        // in the partition's order, so that a downstream tracking how far it has read sees past this record
        pending.add(new SourceSignal.Skipped<>(tp, record.offset(), reason));
        pendingSignals++;
    }

    /** Drops the records and skipped-record signals of {@code gone} partitions that were not emitted yet. */
    private void dropPending(Set<TopicPartition> gone) {
        Iterator<SourceSignal<T>> it = pending.iterator();
        while (it.hasNext()) {
            SourceSignal<T> s = it.next();
            if (s instanceof SourceSignal.Record<T> r && gone.contains(r.partition())) {
                it.remove();
            } else if (s instanceof SourceSignal.Skipped<T> k && gone.contains(k.partition())) {
                it.remove();
                pendingSignals--;
            }
        }
    }

    private void drainAcks() {
        ProcessingReject p;
        while ((p = processingRejects.poll()) != null) {
            AckTracker tracker = trackers.get(p.record().partition());
            if (tracker != null && tracker == p.record().tracker) {
                // acknowledged once written, as a record the decoder rejected; stale ones are read again by the owner
                options.metrics().recordRejected(p.raw().topic(), DeadLetterReason.INVALID_CONTENT);
                SourceSignal.Record<?> ack = p.record();
                deadLetters.write(p.raw(), DeadLetterReason.INVALID_CONTENT, "processing failed: " + p.why(), () -> acks.add(ack));
            }
        }
        SourceSignal.Record<?> r;
        while ((r = acks.poll()) != null) {
            AckTracker tracker = trackers.get(r.partition());
            // A tracker replaced or dropped by a rebalance means the acknowledgement is stale: the record
            // will be delivered again to whoever owns the partition now.
            if (tracker != null && tracker == r.tracker) {
                tracker.acknowledge(r.offset());
            }
        }
    }

    /** Commits the acknowledged prefix of the given partitions; returns what each partition's position is now. */
    private Map<TopicPartition, Long> commit(KafkaConsumer<String, byte[]> c, boolean sync,
                                             Collection<TopicPartition> partitions) {
        lastCommitMs = options.clock().millis();
        Map<TopicPartition, OffsetAndMetadata> toCommit = new LinkedHashMap<>();
        Map<TopicPartition, Long> positions = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            AckTracker tracker = trackers.get(tp);
            long offset = tracker == null ? -1 : tracker.committable();
            Long previous = lastCommitted.get(tp);
            if (offset >= 0 && (previous == null || offset > previous)) {
                toCommit.put(tp, new OffsetAndMetadata(offset));
            }
            long position = Math.max(offset, previous == null ? -1 : previous);
            if (position >= 0) {
                positions.put(tp, position);
            }
        }
        if (toCommit.isEmpty()) {
            return positions;
        }
        if (sync) {
            commitSync(c, toCommit);
        } else {
            c.commitAsync(toCommit, (offsets, error) -> {
                if (error != null) {
                    LOG.warn("asynchronous commit of {} failed (the next commit covers it): {}", offsets, error.toString());
                }
            });
        }
        toCommit.forEach((tp, om) -> lastCommitted.put(tp, om.offset()));
        options.metrics().committed(toCommit.size());
        return positions;
    }

    /**
     * A {@link KafkaConsumer#wakeup()} from a downstream request or a cancellation makes the next blocking call
     * throw once, whichever call it is; a commit that must happen is retried after it.
     */
    private static void commitSync(KafkaConsumer<String, byte[]> c, Map<TopicPartition, OffsetAndMetadata> offsets) {
        for (int attempt = 1; ; attempt++) {
            try {
                c.commitSync(offsets);
                return;
            } catch (WakeupException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    /**
     * What the rebalance listener may do to this source's consumer-thread state (it runs inside {@code poll}, on the
     * consumer thread).
     */
    private final class ConsumerThreadState implements RebalanceListener.Source<T> {

        @Override
        public void drainAcknowledgements() {
            drainAcks();
        }

        @Override
        public Map<TopicPartition, Long> commitNow(KafkaConsumer<String, byte[]> c, Collection<TopicPartition> partitions) {
            return commit(c, true, partitions);
        }

        @Override
        public void track(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                trackers.put(tp, new AckTracker());
            }
        }

        @Override
        public void untrack(Set<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                trackers.remove(tp);
                lastCommitted.remove(tp);
            }
        }

        @Override
        public void dropNotEmitted(Set<TopicPartition> partitions) {
            dropPending(partitions);
        }

        @Override
        public void enqueue(SourceSignal<T> signal) {
            pending.addLast(signal);
            pendingSignals++;
        }

        @Override
        public boolean queued(SourceSignal<T> signal) {
            for (SourceSignal<T> x : pending) {
                if (x == signal) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void emitWhatIsDemanded() {
            emit(sink);
        }

        @Override
        public void awaitDemand(SourceSignal<T> signal) throws InterruptedException {
            synchronized (demand) {
                if (queued(signal) && sink.requestedFromDownstream() == 0 && !cancelled) {
                    demand.wait(50);
                }
            }
        }

        @Override
        public void noteBufferedNow() {
            noteBuffered();
        }

        @Override
        public boolean cancelled() {
            return cancelled;
        }

        @Override
        public boolean subscribed() {
            return sink != null;
        }
    }
}
