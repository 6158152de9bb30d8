package io.spikestream.app.pipeline;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.spikestream.app.durable.ModelRegistry;

/**
 * What a pipeline's durability and error handling export on {@code /metrics} (both {@code learn} and
 * {@code run}), beside {@link io.spikestream.sinks.metrics.LearnerMetrics}'s series. Names as Prometheus shows them:
 *
 * <ul>
 *   <li>{@value #CHECKPOINT_AGE}: gauge, seconds since the newest durable checkpoint of any model (NaN before the first;
 *       durable pipelines only). Grows without bound on an instance with nothing to checkpoint, so alert on it together
 *       with the next one;</li>
 *   <li>{@value #CHECKPOINT_DIRTY_AGE}: gauge, seconds since the oldest change of a resident model that no checkpoint
 *       contains yet (0 when every model is clean): what {@code checkpoint.max_dirty_ms} bounds, so a value well past
 *       that bound means checkpoints are failing or the learner thread is stuck;</li>
 *   <li>{@value #CHECKPOINT_FAILURES}: counter, checkpoints that could not be written (each stops the pipeline; a
 *       restarted instance starts again at 0, so alert on {@code increase} or on the exit code);</li>
 *   <li>{@value #CHECKPOINTS}: counter, durable checkpoints written;</li>
 *   <li>{@value #PROCESSING_ERRORS}: counter, records the learner could not apply ({@code processing.on_error});</li>
 *   <li>{@value #MODELS_IDLE_RELEASED}: counter, models released from memory after {@code models.idle_release_ms}
 *       without a record (durable: checkpointed first and restored on their next record; without checkpoints: their
 *       state is lost);</li>
 *   <li>{@value #MODELS_EXPIRED}: counter, model directories removed from the checkpoint store after
 *       {@code checkpoint.expire_after_ms} (durable pipelines);</li>
 *   <li>{@value #MODELS_RETURNED}: counter, sensors that came back after their state was dropped (checkpoints expired;
 *       without checkpoints: learner released by idleness or by {@code models.max_models}) and started afresh.</li>
 * </ul>
 * The gauges read threadsafe views of the registry (volatile fields, a concurrent map view).
 */
public final class DurabilityMetrics {

    public static final String CHECKPOINT_AGE = "spikestream_checkpoint_age_seconds";
    public static final String CHECKPOINT_DIRTY_AGE = "spikestream_checkpoint_dirty_age_seconds";
    public static final String CHECKPOINT_FAILURES = "spikestream_checkpoint_failures_total";
    public static final String CHECKPOINTS = "spikestream_checkpoints_total";
    public static final String PROCESSING_ERRORS = "spikestream_processing_errors_total";
    public static final String MODELS_IDLE_RELEASED = "spikestream_models_idle_released_total";
    public static final String MODELS_EXPIRED = "spikestream_models_expired_total";
    public static final String MODELS_RETURNED = "spikestream_models_returned_after_expiry_total";

    private DurabilityMetrics() {
    }

    /** Registers the series of {@code pipeline} (durable or not) in {@code registry}. */
    public static void bind(MeterRegistry registry, LearnerPipeline pipeline) {
        FunctionCounter.builder("spikestream.processing.errors", pipeline, p -> p.processingErrors())
            .description("Records the learner could not apply (dead-lettered under processing.on_error=continue)")
            .register(registry);
        FunctionCounter.builder("spikestream.models.idle.released", pipeline, p -> p.modelsIdleReleased())
            .description("Models released from memory after models.idle_release_ms without a record").register(registry);
        FunctionCounter.builder("spikestream.models.returned.after.expiry", pipeline, p -> p.modelsReturned())
            .description("Sensors that came back after their state was dropped, started afresh").register(registry);
        if (!pipeline.isDurable()) {
            return;
        }
        FunctionCounter.builder("spikestream.models.expired", pipeline, p -> p.modelsExpired())
            .description("Model directories removed from the checkpoint store after checkpoint.expire_after_ms")
            .register(registry);
        ModelRegistry models = pipeline.registry();
        Gauge.builder("spikestream.checkpoint.age.seconds", models, m -> {
            long age = m.checkpointAgeMillis();
            return age < 0 ? Double.NaN : age / 1000.0;
        }).strongReference(true).description("Seconds since the newest durable checkpoint of any model").register(registry);
        Gauge.builder("spikestream.checkpoint.dirty.age.seconds", models, m -> m.oldestDirtyMillis() / 1000.0)
            .strongReference(true)
            .description("Seconds since the oldest change no checkpoint contains yet (bounded by checkpoint.max_dirty_ms)")
            .register(registry);
        FunctionCounter.builder("spikestream.checkpoint.failures", models, m -> m.checkpointFailures())
            .description("Checkpoints that could not be written").register(registry);
        FunctionCounter.builder("spikestream.checkpoints", models, m -> m.checkpoints())
            .description("Durable checkpoints written").register(registry);
    }
}
