package io.spikestream.app.pipeline;

import io.spikestream.app.durable.CheckpointStore;
import io.spikestream.app.durable.DurabilityPolicy;
import io.spikestream.app.durable.ModelRegistry;
import io.spikestream.app.durable.RecoveryHook;
import io.spikestream.learner.StreamLearner;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.KafkaRecordSource;
import io.spikestream.ingest.kafka.SensorEvents;
import io.spikestream.ingest.kafka.SourceOptions;
import io.spikestream.ingest.kafka.SourceSignal;
import io.spikestream.ingest.kafka.StreamItem;
import io.spikestream.ingest.kafka.StreamItemDecoder;
import org.apache.kafka.common.TopicPartition;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The streaming learner: Kafka (events and labels of the events topic) -> reactive source with backpressure ->
 * one learner thread -> one {@link StreamLearner} per sensor id (whose listeners publish the predictions), or one for
 * every sensor ({@link #shareOneNetwork}).
 *
 * <p>One writer per network: every learner is touched only by the {@code spikestream-learner} thread
 * ({@code publishOn} a single-thread scheduler with bounded prefetch, so a slow learner makes the consumer pause
 * its partitions). A record is acknowledged once the learner has consumed it (at-least-once delivery into the
 * model).
 *
 * <p>{@link #durable Durable} pipelines keep their models in a {@link ModelRegistry} instead: many models bounded
 * by memory, checkpointed by policy together with their input offsets, restored on start and on partition moves;
 * a record is acknowledged only once a checkpoint containing its effect is durable, and every record is applied to
 * its model exactly once across crashes, restarts and rebalances (see {@link ModelRegistry}, {@link RecoveryHook}).
 */
public final class LearnerPipeline implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LearnerPipeline.class);

    private final KafkaRecordSource<StreamItem> source;
    private final Function<String, StreamLearner> factory;
    /** The durable side (null: a pipeline without checkpoints), and its registry. */
    private final DurableLearning durable;
    private final ModelRegistry registry;
    private final Scheduler learnerThread = Schedulers.newSingle("spikestream-learner");
    /** The learners of a pipeline without checkpoints (bounded by {@link #boundModels}). */
    private final ResidentLearners learners = new ResidentLearners();
    private final PipelineProgress progress = new PipelineProgress();
    /** A JVM error on the learner thread: nothing more is applied or acknowledged (see {@link #onSignalGuarded}). */
    private volatile Error fatal;
    private Disposable subscription;
    private boolean closed;
    /** Set by close(): records still arriving are left unapplied (and unacknowledged) for the partitions' next owner. */
    private volatile boolean draining;
    private volatile RecordObserver observer = RecordObserver.NONE;
    /** Sees every event batch applied, on the learner thread (the live view's images). */
    private volatile EventTap eventTap = EventTap.NONE;
    /** {@code processing.on_error}: what a record the learner cannot apply does. */
    private final ProcessingErrors processingErrors = new ProcessingErrors();
    /** {@code time.idle_timeout_ms}: models moved on after wall-clock idleness (learner thread only). */
    private final IdleModels idle = new IdleModels();
    private Disposable idleChecks;
    /** Wall-clock duties (max dirty time, idle release, expiry on disk) on the learner thread's timer. */
    private Disposable maintenance;
    /** Sensor id -> model id: the sensor itself, or {@link StreamLearner#SHARED_MODEL_ID} for a shared network. */
    private volatile Function<String, String> modelOf = Function.identity();

    /**
     * Records in flight to the learner thread in a durable pipeline: a partition move waits until the records already
     * handed to the learner are applied and checkpointed, so fewer in flight means shorter rebalances (32 batches are
     * still far more than one learner step needs).
     */
    static final int DURABLE_PREFETCH = 32;

    /** Sees every record of a durable pipeline on the learner thread (instrumentation: progress lines, tests). */
    public interface RecordObserver {
        /** Before the record is handled. */
        default void before(TopicPartition tp, long offset, String sensorId) {
        }

        /** After: {@code applied} false when the model had already applied it (read again after recovery). */
        default void after(TopicPartition tp, long offset, String sensorId, boolean applied) {
        }

        /** The consumer starts giving up partitions (consumer thread; the learner may be busy). */
        default void revoking(Collection<TopicPartition> partitions, boolean lost) {
        }

        RecordObserver NONE = new RecordObserver() {
        };
    }

    /** Sees each event batch as it is applied to its model (learner thread; must not keep the arrays). */
    @FunctionalInterface
    public interface EventTap {
        void onEvents(String sensorId, int[] x, int[] y, byte[] polarity, long[] tUs, int n);

        EventTap NONE = (sensorId, x, y, polarity, tUs, n) -> { };
    }

    /** {@code output.latency_trace}: told of every record the learner applies (null: none). */
    private volatile LatencyTrace latencyTrace;

    /** Traces the latency of the predictions records cause ({@link LatencyTrace}; call before {@link #start}). */
    public LearnerPipeline traceLatency(LatencyTrace trace) {
        this.latencyTrace = trace;
        return this;
    }

    /** Sets the event tap (call before {@link #start}). */
    public LearnerPipeline tapEvents(EventTap tap) {
        this.eventTap = tap == null ? EventTap.NONE : tap;
        return this;
    }

    /**
     * @param learnerForSensor creates the learner of a sensor on its first record (wiring its prediction listener);
     *                         called on the learner thread
     */
    public LearnerPipeline(KafkaEndpoint endpoint, SourceOptions options, Function<String, StreamLearner> learnerForSensor) {
        this(endpoint, options, learnerForSensor, new StreamItemDecoder());
    }

    /** As above, with a decoder that refuses unusable labels (dead-lettered with their reason). */
    public LearnerPipeline(KafkaEndpoint endpoint, SourceOptions options, Function<String, StreamLearner> learnerForSensor,
                           StreamItemDecoder decoder) {
        this.source = KafkaRecordSource.create(endpoint, options, decoder);
        this.factory = learnerForSensor;
        this.durable = null;
        this.registry = null;
        learners.addReleaseListener((id, l) -> idle.forget(id));
    }

    private LearnerPipeline(KafkaEndpoint endpoint, SourceOptions options, Function<String, StreamLearner> template,
                            CheckpointStore store, DurabilityPolicy policy, InstantSource clock, StreamItemDecoder decoder) {
        this.factory = template;
        this.durable = new DurableLearning(template, store, policy, clock, options.groupId(), progress, processingErrors, idle);
        this.registry = durable.registry();
        this.source = KafkaRecordSource.create(endpoint, options, decoder, durable.partitionHook(() -> observer));
    }

    /**
     * Routes every sensor to one network, model id {@link StreamLearner#SHARED_MODEL_ID} (call before {@link #start};
     * the learners must be built with {@code sensor.share_network}, which keeps the sensors' streams apart inside it).
     * One network has one writer: in a consumer group, run a shared network on one instance only.
     */
    public LearnerPipeline shareOneNetwork() {
        this.modelOf = sensor -> StreamLearner.SHARED_MODEL_ID;
        return this;
    }

    /**
     * Moves a model on when no record reached it for {@code timeout} of wall-clock time ({@code time.idle_timeout_ms},
     * as Flink's idle sources): its learner runs past its newest event so its last predictions come out (see
     * {@link StreamLearner#idle}). Checked every quarter of the timeout on the learner thread. Call before
     * {@link #start}; zero or negative: never.
     */
    public LearnerPipeline idleAfter(Duration timeout) {
        idle.timeout(timeout);
        return this;
    }

    /**
     * What a record the learner cannot apply does ({@code processing.on_error}, as Kafka Streams' processing exception
     * handler): {@code continue} (default) logs it (at most one line per 10 s), counts it, dead-letters it with the
     * learner's reason and goes on (acknowledged once the letter is written; in a durable pipeline once the model's next
     * checkpoint is durable too); {@code fail} stops the pipeline with a {@link LearnerFailure}. Call before
     * {@link #start}.
     */
    public LearnerPipeline onProcessingError(String mode) {
        processingErrors.mode(mode);
        return this;
    }

    /** Records the learner could not apply (dead-lettered under {@code processing.on_error=continue}). */
    public long processingErrors() {
        return processingErrors.count();
    }

    /**
     * Bounds the learners of a pipeline without checkpoints to {@code max} ({@code models.max_models}): beyond it the
     * least recently used one is released and its state is lost (a later record of its sensor starts a new learner).
     * A durable pipeline bounds its models in its {@link ModelRegistry} instead (they come back from checkpoints).
     */
    public LearnerPipeline boundModels(int max) {
        learners.bound(max);
        return this;
    }

    /** Learners of a pipeline without checkpoints released by {@link #boundModels} (their state lost). */
    public long modelsForgotten() {
        return learners.forgotten();
    }

    /**
     * Releases the learners of a pipeline without checkpoints that took no record for {@code after} of wall-clock time
     * ({@code models.idle_release_ms}; zero: never): their state is lost, and a sensor that comes back starts afresh
     * (logged, counted by {@link #modelsReturned}). A durable pipeline takes the bound from its policy (checkpointed
     * first, restored on return). Call before {@link #start}.
     */
    public LearnerPipeline releaseIdleAfter(Duration after, InstantSource clock) {
        learners.releaseIdleAfter(after.toMillis(), clock);
        return this;
    }

    /** Models released from memory after {@code models.idle_release_ms} without a record (durable: checkpointed first). */
    public long modelsIdleReleased() {
        return registry != null ? registry.idleReleased() : learners.idleReleased();
    }

    /** Model directories removed from the store after {@code checkpoint.expire_after_ms} (durable pipelines). */
    public long modelsExpired() {
        return registry != null ? registry.expired() : 0;
    }

    /**
     * Sensors that came back after their state was dropped and started afresh: after their checkpoints expired (durable),
     * or after their learner was released by {@code models.idle_release_ms} or {@code models.max_models} (no checkpoints).
     */
    public long modelsReturned() {
        return registry != null ? registry.returnedAfterExpiry() : learners.returned();
    }

    /**
     * Told (model id, learner) just before a learner leaves memory, while it is still open (durable: from the
     * registry; else by {@link #boundModels}). Call before {@link #start}.
     */
    public void addReleaseListener(java.util.function.BiConsumer<String, StreamLearner> l) {
        if (registry != null) {
            registry.addReleaseListener(l);
        } else {
            learners.addReleaseListener(l);
        }
    }

    /** Sets the record observer of a durable pipeline (call before {@link #start}). */
    public void setRecordObserver(RecordObserver o) {
        this.observer = o == null ? RecordObserver.NONE : o;
    }

    /**
     * A pipeline whose models are durable: checkpointed into {@code store} by {@code policy}, restored on start and
     * when partitions move, with records acknowledged only once durable (see the class comment).
     *
     * @param template creates a fresh learner for a model id (its listener wired); restores go into such a learner
     */
    public static LearnerPipeline durable(KafkaEndpoint endpoint, SourceOptions options, Function<String, StreamLearner> template,
                                          CheckpointStore store, DurabilityPolicy policy, InstantSource clock) {
        return durable(endpoint, options, template, store, policy, clock, new StreamItemDecoder());
    }

    /** As above, with a decoder that refuses unusable labels (dead-lettered with their reason). */
    public static LearnerPipeline durable(KafkaEndpoint endpoint, SourceOptions options, Function<String, StreamLearner> template,
                                          CheckpointStore store, DurabilityPolicy policy, InstantSource clock,
                                          StreamItemDecoder decoder) {
        return new LearnerPipeline(endpoint, options, template, store, policy, clock, decoder);
    }

    public void start() {
        subscription = source.flux()
            .publishOn(learnerThread, registry == null ? 256 : DURABLE_PREFETCH)
            .subscribe(this::onSignalGuarded, this::onError);
        if (idle.enabled()) {
            long period = idle.checkPeriodMillis();
            idleChecks = learnerThread.schedulePeriodically(this::checkIdleSafely, period, period, TimeUnit.MILLISECONDS);
        }
        long period = registry != null ? registry.maintenancePeriodMillis()
            : learners.idleReleaseMillis() > 0 ? Math.max(1, learners.idleReleaseMillis() / 4) : 0;
        if (period > 0) {
            // the registry also scans after records; the timer covers a partition whose every sensor went quiet
            maintenance = learnerThread.schedulePeriodically(this::maintainSafely, period, period, TimeUnit.MILLISECONDS);
        }
    }

    private void maintainSafely() {
        if (draining || closed || progress.failure() != null) {
            return;
        }
        try {
            if (registry != null) {
                registry.maintainIfDue();
            } else {
                learners.releaseIdle();
            }
        } catch (RuntimeException e) {
            onError(e);
        } catch (Error e) {
            fatal(e);
        }
    }

    private void checkIdleSafely() {
        if (draining || closed || progress.failure() != null) {
            return;
        }
        try {
            idle.check(model -> registry == null ? learners.resident(model) : registry.resident(model).orElse(null));
        } catch (RuntimeException e) {
            onError(e);
        } catch (Error e) {
            fatal(e);
        }
    }

    /**
     * Reactor does not pass a JVM error ({@link VirtualMachineError}: {@link OutOfMemoryError}, the
     * {@link InternalError} of a memory-mapped write on a full disk; {@link LinkageError}) to {@code onError}: it
     * rethrows it into the scheduler, which logs it, and the {@code publishOn} stage never drains again. The consumer
     * would keep its partitions, heartbeating, and nothing would happen. So every {@link Error} is caught here and made
     * the pipeline's failure; the command sees it, closes the pipeline (the source leaves the group) and exits with
     * its own code ({@link io.spikestream.app.ExitCodes#FATAL}). Records arriving after it are neither applied nor
     * acknowledged.
     */
    private void onSignalGuarded(SourceSignal<StreamItem> signal) {
        if (fatal != null) {
            if (signal instanceof SourceSignal.PartitionsRevoked<StreamItem> rv) {
                rv.release(); // nothing to make durable any more: let the partitions go at once
            }
            return;
        }
        try {
            onSignal(signal);
        } catch (Error e) {
            fatal(e);
        }
    }

    private void fatal(Error e) {
        if (fatal == null) {
            fatal = e;
            LOG.error("fatal error on the learner thread; the pipeline stops and gives its partitions up: {}", e.toString(), e);
        }
        onError(e);
    }

    private void onSignal(SourceSignal<StreamItem> signal) {
        if (durable != null) {
            durable.onSignal(signal, draining, observer, modelOf, this::applyOrFail);
            return;
        }
        if (!(signal instanceof SourceSignal.Record<StreamItem> r)) {
            return;
        }
        StreamItem item = r.value();
        String model = modelOf.apply(item.sensorId());
        StreamLearner learner = learners.get(model, factory);
        try {
            applyOrFail(learner, r);
        } catch (LearnerFailure e) {
            if (processingErrors.failsPipeline()) {
                throw e;
            }
            processingErrors.record(e);
            r.deadLetter(e.getMessage());
            progress.recordTaken();
            progress.changed();
            return;
        }
        r.forgetBytes();
        idle.seen(model);
        if (item instanceof StreamItem.Events e) {
            progress.eventsApplied(e.events().count());
        } else {
            progress.labelApplied();
        }
        progress.recordTaken();
        r.acknowledge();
        progress.changed();
    }

    /** Applies a record; what the learner throws becomes a {@link LearnerFailure} naming the record. */
    private void applyOrFail(StreamLearner learner, SourceSignal.Record<StreamItem> r) {
        StreamItem item = r.value();
        LatencyTrace trace = latencyTrace;
        if (trace != null) {
            trace.applying(r);
        }
        try {
            apply(learner, item);
        } catch (RuntimeException e) {
            throw new LearnerFailure("record " + r.partition() + "@" + r.offset() + " of sensor '" + item.sensorId() + "': "
                + e, e);
        } finally {
            if (trace != null) {
                trace.applied();
            }
        }
    }

    private void apply(StreamLearner learner, StreamItem item) {
        switch (item) {
            case StreamItem.Events e -> {
                SensorEvents se = e.events();
                learner.onEvents(item.sensorId(), se.x(), se.y(), se.polarity(), streamTimes(se), se.count());
                eventTap.onEvents(item.sensorId(), se.x(), se.y(), se.polarity(), streamTimes(se), se.count());
            }
            case StreamItem.Label l ->
                learner.onLabel(item.sensorId(), l.sampleId(), l.windowStartUs(), l.windowEndUs(), l.label());
        }
    }

    /**
     * Blocks until this instance has read every partition of {@code end} up to its offset (records skipped as already
     * applied included), or fails after the timeout.
     */
    public void awaitPositions(Map<TopicPartition, Long> end, Duration timeout) throws InterruptedException {
        progress.awaitPositions(end, timeout);
    }

    /**
     * Waits up to {@code slice} for progress; returns whether this instance has read every partition of {@code end} up
     * to its offset. Throws if the pipeline failed.
     */
    public boolean waitForPositions(Map<TopicPartition, Long> end, Duration slice) throws InterruptedException {
        return progress.waitForPositions(end, slice);
    }

    /** Last offset read + 1 per partition this instance holds (start offset right after an assignment). */
    public Map<TopicPartition, Long> positions() {
        return progress.positions();
    }

    /** Whether this pipeline keeps its models in a {@link ModelRegistry} (checkpointed). */
    public boolean isDurable() {
        return registry != null;
    }

    /** The model registry of a durable pipeline (use it on the learner thread: {@link #onLearnerThread}). */
    public ModelRegistry registry() {
        if (registry == null) {
            throw new IllegalStateException("not a durable pipeline");
        }
        return registry;
    }

    /** The recovery hook of a durable pipeline (counters). */
    public RecoveryHook recoveryHook() {
        return durable == null ? null : durable.hook();
    }

    /** SensorEvents carry stream time already (replay adds the stream offset when packing). */
    private static long[] streamTimes(SensorEvents se) {
        return se.timestampUs();
    }

    private void onError(Throwable t) {
        progress.failed(t);
    }

    /** Blocks until {@code nEvents} events and {@code nLabels} labels were consumed (or fails after the timeout). */
    public void awaitConsumed(long nEvents, long nLabels, Duration timeout) throws InterruptedException {
        progress.awaitConsumed(nEvents, nLabels, timeout);
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

    /** End of a finite stream: every learner processes its pending windows (durable: then checkpoints them). */
    public void finish() {
        onLearnerThread(() -> {
            if (registry != null) {
                // also the models of this instance's partitions that are only on disk: an earlier run may have left
                // them with open windows, and nothing may be left to read that would restore them
                durable.finish();
            } else {
                learners.view().values().forEach(StreamLearner::finish);
            }
            return null;
        });
    }

    public Map<String, StreamLearner> learners() {
        return learners.view();
    }

    public long eventsConsumed() {
        return progress.events();
    }

    public long labelsConsumed() {
        return progress.labels();
    }

    public long recordsConsumed() {
        return progress.records();
    }

    public Throwable failure() {
        return progress.failure();
    }

    /** The JVM error that stopped the pipeline, or null. */
    public Error fatal() {
        return fatal;
    }

    /** Stops the pipeline (durable: after checkpointing every model). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (idleChecks != null) {
            idleChecks.dispose();
        }
        if (maintenance != null) {
            maintenance.dispose();
        }
        if (registry != null && progress.failure() == null && subscription != null) {
            // clean shutdown: stop applying (so the learner thread is free at once), make every model's state durable
            // and acknowledge its records, and only then leave the group (the source commits on close)
            draining = true;
            onLearnerThread(() -> {
                registry.checkpointAll("shutdown");
                return null;
            });
        }
        if (subscription != null) {
            subscription.dispose();
        }
        try {
            source.awaitClosed(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        onLearnerThread(() -> {
            learners.view().values().forEach(StreamLearner::close);
            if (registry != null) {
                registry.close();
            }
            return null;
        });
        learnerThread.dispose();
    }
}
