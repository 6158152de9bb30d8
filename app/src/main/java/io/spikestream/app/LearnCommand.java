package io.spikestream.app;

import io.spikestream.app.durable.CheckpointPublisher;
import io.spikestream.app.durable.CheckpointSigner;
import io.spikestream.app.durable.CheckpointStore;
import io.spikestream.app.durable.DurabilityPolicy;
import io.spikestream.app.pipeline.DurabilityMetrics;
import io.spikestream.app.pipeline.LearnerOutputs;
import io.spikestream.app.pipeline.SourceMetrics;
import io.spikestream.app.durable.ModelRegistry;
import io.spikestream.app.durable.TopicBinding;
import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;
import io.spikestream.app.pipeline.LearnerPipeline;
import io.spikestream.app.pipeline.StreamDecoders;
import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.SourceOptions;
import io.spikestream.ingest.kafka.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./spikestream learn --checkpoint-dir DIR [--topic T] [--group G] [--until-end]}: the continual learner as a
 * service. Consumes the events topic (event batches and labels, keyed by sensor id) in a consumer group, one model
 * per sensor id created from the settings on first sight, and makes learning durable: checkpoints by the policy of
 * the settings' {@code checkpoint} block, atomic with the input offsets; on start (and whenever partitions move) the
 * models are restored and the consumer resumes where the checkpoints stood, so every record is applied to its model
 * exactly once across crashes. SIGTERM/Ctrl-C checkpoints every model before exiting.
 *
 * <p>With {@code --publish-checkpoints} every checkpoint also goes to the compacted checkpoints topic, from which
 * {@code checkpoint import --from-topic} lets another instance take a model over.
 *
 * <p>Output (stdout): {@code checkpoint model=ID version=N stream_time_us=T offsets=[...] reason=R} per durable
 * checkpoint; with {@code --progress} {@code record TOPIC-P@OFFSET applied|skipped} per record; the last line is
 * {@code learned records=N applied_events=N labels=N models_created=N models_restored=N checkpoints=N skipped=N
 * evicted=N predictions=N}. When recovery is refused (missing store, another shape, retention gap, damaged
 * checkpoints) stderr says {@code learn: <why>} and the exit code is 2.
 */
@Command(name = "learn", mixinStandardHelpOptions = true,
    description = "Learn continually from the events topic, one model per sensor id, with crash-safe checkpoints.")
public final class LearnCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--checkpoint-dir", required = true, paramLabel = "DIR",
        description = "Checkpoint store (created on a first start; see the README section on durability).")
    Path checkpointDir;

    @Option(names = "--topic", defaultValue = Topics.EVENTS, description = "Events topic (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--group", defaultValue = "spikestream-learner", description = "Consumer group (default: ${DEFAULT-VALUE}).")
    String group;

    @Option(names = "--config", paramLabel = "FILE", description = "Learner settings (JSON) over the documented defaults.")
    List<String> configs = new ArrayList<>();

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one setting, e.g. checkpoint.interval_stream_ms=5000.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--until-end", description = "Stop once the records present at start are learned from: finish the "
        + "open windows, checkpoint, exit.")
    boolean untilEnd;

    @Option(names = "--learn-prefix", paramLabel = "PREFIX",
        description = "Learn only from windows whose sample id starts with PREFIX (others are scored only; default: all).")
    String learnPrefix;

    @Option(names = "--progress", description = "Print a line per record (applied, or skipped as already applied).")
    boolean progress;

    @Option(names = "--publish-checkpoints", description = "Also publish every checkpoint to the compacted checkpoints "
        + "topic (inline when small enough, else by file URI), for 'checkpoint import --from-topic'.")
    boolean publish;

    @Option(names = "--checkpoints-topic", defaultValue = Topics.CHECKPOINTS,
        description = "Topic for --publish-checkpoints (default: ${DEFAULT-VALUE}).")
    String checkpointsTopic;

    @Option(names = "--publish-inline-limit", defaultValue = "" + CheckpointPublisher.DEFAULT_INLINE_LIMIT,
        description = "Largest checkpoint (bytes) published inline; larger ones travel as a file URI (default: ${DEFAULT-VALUE}).")
    int inlineLimit;

    @Override
    public Integer call() throws Exception {
        try {
            return learn();
        } catch (Exception | Error e) {
            // recovery refused (missing store, other shape, retention gap, damaged checkpoints): code 2, say why,
            // plainly; the learner failed while learning: 3; a JVM error (out of memory, a full disk under a
            // memory-mapped checkpoint): 4 (ExitCodes)
            return ExitCodes.report("learn", e, System.err);
        }
    }

    private int learn() throws Exception {
        // continuous by default; no wall-clock idleness here: durable learning stays a function of the stream alone
        Settings settings = StreamLearner.resolveTimeMode(Settings.load(configs, overrides), "continuous");
        DurabilityPolicy policy = DurabilityPolicy.from(settings);
        CheckpointStore store = CheckpointStore.open(checkpointDir, policy.keep(), InstantSource.system());
        AtomicLong predictions = new AtomicLong();
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread shutdown = new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "learn-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);
        // /metrics as run serves it, when output.metrics_port is set (>= 0; 0 = any free port); off by default, since
        // several learn instances often share a host
        int metricsPort = settings.i("output.metrics_port");
        LearnerOutputs outputs = metricsPort < 0 ? null : new LearnerOutputs(settings.i("supervision.classes"),
            settings.i("output.rolling_windows"), settings.s("output.metrics_host"), metricsPort, null, 0, false);
        try (KafkaEndpoint endpoint = kafka.open(System.err); LearnerOutputs closeOutputs = outputs) {
            kafka.ensureTopics(endpoint, System.err, topic);
            TopicBinding.verify(endpoint, checkpointDir, List.of(topic)); // a recreated topic is refused, not skipped into
            Map<TopicPartition, Long> end = untilEnd ? endOffsets(endpoint, topic) : Map.of();
            SourceOptions options = SourceOptions.of(group, topic).withMaxPollRecords(settings.i("pipeline.max_poll_records"));
            if (outputs != null) {
                options = options.withMetrics(new SourceMetrics(outputs.metrics()));
                System.err.println("learn: metrics at " + outputs.endpoint().uri());
            }
            LearnerPipeline pipeline = LearnerPipeline.durable(endpoint, options,
                id -> learner(settings, predictions, id, outputs), store, policy, InstantSource.system(),
                StreamDecoders.forLearner(settings)); // unusable labels dead-lettered, not thrown by the learner
            if (settings.b("sensor.share_network")) {
                pipeline.shareOneNetwork();
            }
            pipeline.onProcessingError(settings.s("processing.on_error"));
            if (outputs != null) {
                DurabilityMetrics.bind(outputs.metrics().registry(), pipeline);
                // predictions sync the counters at most ten times a second; a checkpoint (which follows the last
                // records within checkpoint.max_dirty_ms) brings them up to date with what the models hold
                pipeline.registry().addListener(w -> outputs.sync());
                pipeline.addReleaseListener((sensor, learner) -> outputs.detach(sensor, learner, true));
            }
            pipeline.registry().addListener(LearnCommand::printCheckpoint);
            CheckpointPublisher publisher = publish ? new CheckpointPublisher(endpoint, checkpointsTopic, inlineLimit,
                CheckpointSigner.fromProperties(kafka.spikestreamProperties())) : null;
            if (publisher != null) {
                pipeline.registry().addListener(publisher);
            }
            if (progress) {
                pipeline.setRecordObserver(new LearnerPipeline.RecordObserver() {
                    @Override
                    public void after(TopicPartition tp, long offset, String sensorId, boolean applied) {
                        System.out.println("record " + tp + "@" + offset + " " + (applied ? "applied" : "skipped"));
                    }
                });
            }
            String summary;
            try {
                pipeline.start();
                if (untilEnd) {
                    while (stop.getCount() > 0 && !pipeline.waitForPositions(end, Duration.ofMillis(500))) {
                        // waiting for the stream present at start to be read
                    }
                    if (stop.getCount() > 0) {
                        pipeline.finish();
                    }
                } else {
                    while (!stop.await(500, TimeUnit.MILLISECONDS)) {
                        if (pipeline.failure() != null) {
                            throw new IllegalStateException("the learner pipeline failed", pipeline.failure());
                        }
                    }
                }
                summary = pipeline.onLearnerThread(() -> {
                    pipeline.registry().checkpointAll("shutdown"); // a no-op after --until-end's final checkpoint
                    return summary(pipeline, predictions.get());
                });
            } finally {
                pipeline.close();
                if (publisher != null) {
                    publisher.close();
                }
            }
            System.out.println(summary);
            System.out.flush();
            return 0;
        } finally {
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdown);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting because of the signal: the hook is running and waits for us
            }
        }
    }

    private StreamLearner learner(Settings settings, AtomicLong predictions, String modelId, LearnerOutputs outputs) {
        try {
            StreamLearner[] self = new StreamLearner[1];
            StreamLearner.Listener metrics = outputs == null ? null : outputs.listener(modelId, self);
            StreamLearner l = new StreamLearner(settings, new StreamLearner.Listener() {
                @Override
                public void onPrediction(StreamLearner.Prediction p) {
                    predictions.incrementAndGet();
                    if (metrics != null) {
                        metrics.onPrediction(p);
                    }
                }

                @Override
                public void onRejectedLabel(String sensorId, String sampleId, String reason, String detail) {
                    if (metrics != null) {
                        metrics.onRejectedLabel(sensorId, sampleId, reason, detail);
                    }
                }
            });
            self[0] = l;
            if (learnPrefix != null) {
                l.setWindowPolicy(id -> id.startsWith(learnPrefix));
            }
            if (outputs != null && !modelId.isEmpty()) { // "" is the shape probe
                outputs.attach(modelId, l);
            }
            return l;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void printCheckpoint(ModelRegistry.Written w) {
        System.out.printf(Locale.ROOT, "checkpoint model=%s version=%d stream_time_us=%d offsets=%s reason=%s%n",
            w.info().modelId(), w.info().version(), w.info().streamTimeUs(), w.positions(), w.reason().replace(' ', '_'));
    }

    private static String summary(LearnerPipeline p, long predictions) {
        ModelRegistry r = p.registry();
        return String.format(Locale.ROOT, "learned records=%d applied_events=%d labels=%d models_created=%d models_restored=%d "
                + "checkpoints=%d skipped=%d evicted=%d predictions=%d processing_errors=%d", p.recordsConsumed(), p.eventsConsumed(),
            p.labelsConsumed(), r.created(), r.restored(), r.checkpoints(), r.skipped(), r.evicted(), predictions,
            p.processingErrors());
    }

    /** End offsets of every partition of {@code topic} now. */
    static Map<TopicPartition, Long> endOffsets(KafkaEndpoint endpoint, String topic) throws Exception {
        try (Admin admin = Admin.create(ClientConfigs.admin(endpoint))) {
            int n = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions().size();
            Map<TopicPartition, OffsetSpec> q = new HashMap<>();
            for (int i = 0; i < n; i++) {
                q.put(new TopicPartition(topic, i), OffsetSpec.latest());
            }
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listOffsets(q).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        }
    }
}
