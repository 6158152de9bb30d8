package io.spikestream.app;

import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;
import io.spikestream.app.pipeline.LearnerOutputs;
import io.spikestream.app.pipeline.LearnerPipeline;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.SourceOptions;
import io.spikestream.sinks.kafka.PredictionPublisher;
import io.spikestream.sinks.report.SummaryTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./spikestream run --config FILE [--checkpoint-dir DIR]}: the long-running deployment. Consumes the configured
 * topics until stopped (Ctrl-C or SIGTERM), one learner per sensor id learning and predicting continuously (every
 * labelled window is predicted, then learned from), predictions to the predictions topic, metrics on the scrape
 * endpoint. With {@code --checkpoint-dir} learning is durable exactly as in {@code learn}: models are checkpointed
 * atomically with their input offsets and restored on start, and a clean stop checkpoints every model.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Consume the configured topics until stopped: learn and predict continuously.")
public final class RunCommand implements java.util.concurrent.Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "Settings (JSON) over the documented defaults (repeatable).")
    List<String> configs = new ArrayList<>();

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one setting (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "Make learning durable: checkpoints in DIR "
        + "(restored on start, atomic with the consumed offsets; see 'learn' and the README section on durability).")
    java.nio.file.Path checkpointDir;

    @Option(names = "--frozen", description = "Inference only: every model serves with learning off (labels are scored, "
        + "never learned from); a checkpoint's shape is unchanged, so any checkpoint of these settings can be served.")
    boolean frozen;

    @Mixin
    KafkaOptions kafka;

    /** The running deployment: start, then {@link #stop}. */
    static final class Deployment implements AutoCloseable {
        final KafkaEndpoint endpoint;
        final LearnerOutputs outputs;
        final LearnerPipeline pipeline;
        private final boolean shareNetwork;
        private final String onProcessingError;
        private final int maxModels;
        private final long idleReleaseMs;
        private final long idleTimeoutMs;
        private final boolean latencyTrace;
        final PredictionPublisher publisher;

        Deployment(Settings s, KafkaEndpoint endpoint, KafkaOptions kafka) throws IOException {
            this(s, endpoint, kafka, null);
        }

        Deployment(Settings s, KafkaEndpoint endpoint, KafkaOptions kafka, java.nio.file.Path checkpointDir) throws IOException {
            this(s, endpoint, kafka, checkpointDir, false);
        }

        Deployment(Settings s, KafkaEndpoint endpoint, KafkaOptions kafka, java.nio.file.Path checkpointDir, boolean frozen)
            throws IOException {
            s = StreamLearner.resolveTimeMode(s, "continuous");
            this.endpoint = endpoint;
            this.shareNetwork = s.b("sensor.share_network");
            this.onProcessingError = s.s("processing.on_error");
            this.maxModels = s.i("models.max_models");
            this.idleReleaseMs = s.l("models.idle_release_ms");
            this.latencyTrace = s.b("output.latency_trace");
            this.idleTimeoutMs = s.s("time.mode").equals("continuous") ? s.l("time.idle_timeout_ms") : 0;
            String events = s.s("pipeline.events_topic");
            String labels = s.s("pipeline.labels_topic");
            String predictions = s.s("output.predictions_topic");
            List<String> topics = new ArrayList<>(List.of(events));
            if (!labels.isBlank() && !labels.equals(events)) {
                topics.add(labels);
            }
            if (kafka != null) {
                List<String> extra = new ArrayList<>(topics);
                extra.add(predictions);
                kafka.ensureTopics(endpoint, System.err, extra.toArray(new String[0]));
            }
            publisher = PredictionPublisher.create(PredictionPublisher.Config.of(endpoint.bootstrapServers(), s.s("pipeline.group_id"))
                .withTopic(predictions).withProperties(endpoint.clientProperties()).withLingerMs(s.l("output.linger_ms")));
            int port = s.i("output.metrics_port") < 0 ? 9464 : s.i("output.metrics_port");
            outputs = new LearnerOutputs(s.i("supervision.classes"), s.i("output.rolling_windows"), s.s("output.metrics_host"),
                port, publisher, 0, true);
            SourceOptions options = SourceOptions.of(s.s("pipeline.group_id"), topics.toArray(new String[0]))
                .withMaxPollRecords(s.i("pipeline.max_poll_records"))
                .withMetrics(new io.spikestream.app.pipeline.SourceMetrics(outputs.metrics()));
            try {
                LearningRun.startLiveView(outputs, s);
            } catch (IOException | RuntimeException e) {
                outputs.close();
                throw e;
            }
            Settings settings = s;
            java.util.function.Function<String, StreamLearner> template = sensor -> {
                StreamLearner[] self = new StreamLearner[1];
                try {
                    self[0] = new StreamLearner(settings, outputs.listener(sensor, self));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                if (frozen) {
                    self[0].freeze();
                }
                outputs.attach(sensor, self[0]);
                return self[0];
            };
            io.spikestream.ingest.kafka.StreamItemDecoder decoder = io.spikestream.app.pipeline.StreamDecoders.forLearner(s);
            if (checkpointDir == null) {
                pipeline = new LearnerPipeline(endpoint, options, template, decoder);
            } else {
                io.spikestream.app.durable.DurabilityPolicy policy = io.spikestream.app.durable.DurabilityPolicy.from(s);
                io.spikestream.app.durable.CheckpointStore store = io.spikestream.app.durable.CheckpointStore.open(
                    checkpointDir, policy.keep(), java.time.InstantSource.system());
                try {
                    io.spikestream.app.durable.TopicBinding.verify(endpoint, checkpointDir, topics);
                    pipeline = LearnerPipeline.durable(endpoint, options, template, store, policy,
                        java.time.InstantSource.system(), decoder);
                } catch (RuntimeException e) {
                    // refused at start (e.g. an unreadable checkpoint store): release the outputs
                    outputs.close();
                    throw e;
                }
            }
        }

        void start() {
            if (outputs.liveView() != null) {
                pipeline.tapEvents(outputs::events);
            }
            io.spikestream.app.pipeline.DurabilityMetrics.bind(outputs.metrics().registry(), pipeline);
            boolean restorable = pipeline.isDurable();
            pipeline.addReleaseListener((sensor, learner) -> outputs.detach(sensor, learner, restorable));
            if (!restorable) {
                pipeline.boundModels(maxModels);
                pipeline.releaseIdleAfter(java.time.Duration.ofMillis(idleReleaseMs), java.time.InstantSource.system());
            }
            if (shareNetwork) {
                pipeline.shareOneNetwork();
            }
            if (idleTimeoutMs > 0) {
                pipeline.idleAfter(java.time.Duration.ofMillis(idleTimeoutMs));
            }
            pipeline.onProcessingError(onProcessingError);
            if (latencyTrace) {
                io.spikestream.app.pipeline.LatencyTrace trace = new io.spikestream.app.pipeline.LatencyTrace(
                    java.time.InstantSource.system());
                pipeline.traceLatency(trace);
                outputs.traceLatency(trace);
            }
            pipeline.start();
        }

        @Override
        public void close() {
            pipeline.close();
            outputs.finishProgress();
            outputs.close();
        }
    }

    @Override
    public Integer call() throws Exception {
        Settings s = Settings.load(configs, overrides);
        try {
            return run(s);
        } catch (Exception | Error e) {
            // refused at start or recovery: 2; the learner failed: 3; a JVM error: 4 (ExitCodes, README)
            return ExitCodes.report("run", e, System.err);
        }
    }

    private int run(Settings s) throws Exception {
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch cleanedUp = new CountDownLatch(1);
        try (KafkaEndpoint endpoint = kafka.open(System.err); Deployment d = new Deployment(s, endpoint, kafka, checkpointDir, frozen)) {
            System.err.println("run: consuming " + s.s("pipeline.events_topic") + " as group " + s.s("pipeline.group_id")
                + " (time.mode " + StreamLearner.resolveTimeMode(s, "continuous").s("time.mode") + (frozen ? ", frozen" : "") + ")"
                + "; metrics at " + d.outputs.endpoint().uri() + "; Ctrl-C to stop");
            // on SIGTERM/Ctrl-C: let the main thread stop the pipeline (final commit) before the JVM exits
            Thread hook = new Thread(() -> {
                stopped.countDown();
                try {
                    cleanedUp.await(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "spikestream-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                d.start();
                while (!stopped.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
                    if (d.pipeline.failure() != null) {
                        throw new IllegalStateException("the learner pipeline failed", d.pipeline.failure());
                    }
                }
            } catch (InterruptedException e) {
                // stopped by the embedding program (tests): same clean stop as a signal
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the JVM is exiting: the hook runs and waits for the clean-up below
                }
            }
            if (checkpointDir != null) {
                d.pipeline.onLearnerThread(() -> {
                    d.pipeline.registry().checkpointAll("shutdown");
                    return null;
                });
            }
            System.out.print(SummaryTable.table(d.outputs.summary()));
            if (d.outputs.streamScoresLine() != null) {
                System.out.println("stream " + d.outputs.streamScoresLine());
            }
        } finally {
            cleanedUp.countDown();
        }
        return 0;
    }
}
