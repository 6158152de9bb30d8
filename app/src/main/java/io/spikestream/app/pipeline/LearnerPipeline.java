package io.spikestream.app.pipeline;

import io.spikestream.app.learn.StreamLearner;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.KafkaRecordSource;
import io.spikestream.ingest.kafka.SensorEvents;
import io.spikestream.ingest.kafka.SourceOptions;
import io.spikestream.ingest.kafka.SourceSignal;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The streaming learner: Kafka (events and labels of the events topic) -> reactive source with backpressure ->
 * one learner thread -> one {@link StreamLearner} per sensor id (whose listeners publish the predictions).
 *
 * <p>One writer per network: every learner is touched only by the {@code spikestream-learner} thread
 * ({@code publishOn} a single-thread scheduler with bounded prefetch, so a slow learner makes the consumer pause
 * its partitions). A record is acknowledged once the learner has consumed it (at-least-once delivery into the
 * model; checkpoints that make learned state durable tie acknowledgements to them).
 */
public final class LearnerPipeline implements AutoCloseable {

    private final KafkaRecordSource<StreamItem> source;
    private final Function<String, StreamLearner> factory;
    private final Scheduler learnerThread = Schedulers.newSingle("spikestream-learner");
    private final Map<String, StreamLearner> learners = new LinkedHashMap<>();
    private final Object progress = new Object();
    private volatile long events;
    private volatile long labels;
    private volatile long records;
    private volatile Throwable failure;
    private Disposable subscription;

    /**
     * @param learnerForSensor creates the learner of a sensor on its first record (wiring its prediction listener);
     *                         called on the learner thread
     */
    public LearnerPipeline(KafkaEndpoint endpoint, SourceOptions options, Function<String, StreamLearner> learnerForSensor) {
        this.source = KafkaRecordSource.create(endpoint, options, new StreamItemDecoder());
        this.factory = learnerForSensor;
    }

    public void start() {
        subscription = source.flux()
            .publishOn(learnerThread, 256)
            .subscribe(this::onSignal, this::onError);
    }

    private void onSignal(SourceSignal<StreamItem> signal) {
        if (!(signal instanceof SourceSignal.Record<StreamItem> r)) {
            return;
        }
        StreamItem item = r.value();
        StreamLearner learner = learners.computeIfAbsent(item.sensorId(), factory);
        switch (item) {
            case StreamItem.Events e -> {
                SensorEvents se = e.events();
                // timestamps are on the stream time line already (replay adds the recording's offset when packing)
                learner.onEvents(se.x(), se.y(), se.polarity(), se.timestampUs(), se.count());
                events += se.count();
            }
            case StreamItem.Label l -> {
                learner.onLabel(l.sampleId(), l.windowStartUs(), l.windowEndUs(), l.label());
                labels++;
            }
        }
        records++;
        r.acknowledge();
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    private void onError(Throwable t) {
        failure = t;
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    /** Blocks until {@code nEvents} events and {@code nLabels} labels were consumed (or fails after the timeout). */
    public void awaitConsumed(long nEvents, long nLabels, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (events < nEvents || labels < nLabels) {
                if (failure != null) {
                    throw new IllegalStateException("the learner pipeline failed", failure);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("timed out waiting for the stream: consumed " + events + "/" + nEvents
                        + " events and " + labels + "/" + nLabels + " labels");
                }
                progress.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    /** Runs {@code task} on the learner thread (serialised with record processing) and waits for it. */
    public <T> T onLearnerThread(java.util.function.Supplier<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        learnerThread.schedule(() -> {
            try {
                f.complete(task.get());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f.join();
    }

    /** End of a finite stream: every learner processes its pending windows. */
    public void finish() {
        onLearnerThread(() -> {
            learners.values().forEach(StreamLearner::finish);
            return null;
        });
    }

    public Map<String, StreamLearner> learners() {
        return learners;
    }

    public long eventsConsumed() {
        return events;
    }

    public long labelsConsumed() {
        return labels;
    }

    public long recordsConsumed() {
        return records;
    }

    public Throwable failure() {
        return failure;
    }

    @Override
    public void close() {
        if (subscription != null) {
            subscription.dispose();
        }
        try {
            source.awaitClosed(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        onLearnerThread(() -> {
            learners.values().forEach(StreamLearner::close);
            return null;
        });
        learnerThread.dispose();
    }
}
