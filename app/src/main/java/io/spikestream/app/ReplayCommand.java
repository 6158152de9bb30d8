package io.spikestream.app;

import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.Topics;
import io.spikestream.ingest.replay.ProgressBar;
import io.spikestream.ingest.replay.ReplayClock;
import io.spikestream.ingest.replay.ReplayOptions;
import io.spikestream.ingest.replay.ReplayPlan;
import io.spikestream.ingest.replay.ReplayProgress;
import io.spikestream.ingest.replay.ReplaySummary;
import io.spikestream.ingest.replay.Replayer;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ./spikestream replay PATH...}: publishes recordings (files, folders, N-MNIST-style trees labelled by
 * folder name) as event batches and label records; see {@link Replayer} for the stream-time line and
 * {@link ReplayPlan} for order and labels. Progress on stderr; the last stdout line is
 * {@code replayed files=N events=N batches=N labels=N bytes=N MB=X seconds=X events_per_s=N failed=N}.
 * Exit code 1 when a recording could not be published completely (each named on stderr).
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = "Publish recordings (file, folder, or <label>/<name>.bin tree) to Kafka as event batches + labels.")
public final class ReplayCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Recordings, folders of recordings, or labelled trees.")
    List<Path> paths;

    @Option(names = "--topic", defaultValue = Topics.EVENTS, description = "Events topic (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--labels-topic", defaultValue = Topics.LABELS,
        description = "Labels topic (default: ${DEFAULT-VALUE}).")
    String labelsTopic;

    @Option(names = "--sensor-id", defaultValue = ReplayOptions.DEFAULT_SENSOR_ID,
        description = "Sensor id: record key of every batch and label (default: ${DEFAULT-VALUE}).")
    String sensorId;

    @Option(names = "--rate-scale", defaultValue = "1.0",
        description = "Publish at this multiple of the recorded rate (default: ${DEFAULT-VALUE}, real time).")
    double rateScale;

    @Option(names = "--as-fast-as-possible", description = "Do not pace; publish as fast as Kafka takes it.")
    boolean asFastAsPossible;

    @Option(names = "--batch-events", description = "Events per batch (default: "
        + ReplayOptions.DEFAULT_BATCH_EVENTS + "; with --batch-us only, up to " + ReplayOptions.MAX_BATCH_EVENTS + ").")
    Integer batchEvents;

    @Option(names = "--batch-us", defaultValue = "0",
        description = "Also end a batch before an event this many microseconds after its first (0: off).")
    long batchUs;

    @Option(names = "--gap-us", defaultValue = "0",
        description = "Stream-time pause between consecutive recordings (default: ${DEFAULT-VALUE}).")
    long gapUs;

    @Option(names = "--shuffle-seed", description = "Shuffle the recordings with this seed (default: sorted order).")
    Long shuffleSeed;

    @Option(names = "--no-progress", description = "No progress bar on stderr.")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        if (!asFastAsPossible && !(rateScale > 0)) {
            throw new IllegalArgumentException("--rate-scale must be positive (or use --as-fast-as-possible)");
        }
        int events = batchEvents != null ? batchEvents
            : batchUs > 0 ? ReplayOptions.MAX_BATCH_EVENTS : ReplayOptions.DEFAULT_BATCH_EVENTS;
        ReplayOptions options = new ReplayOptions(topic, labelsTopic, sensorId, asFastAsPossible ? 0 : rateScale,
            events, batchUs, gapUs);
        ReplayPlan plan = ReplayPlan.of(paths, shuffleSeed);
        ReplaySummary summary;
        try (KafkaEndpoint endpoint = kafka.open(System.err)) {
            kafka.ensureTopics(endpoint, System.err, topic, labelsTopic);
            ReplayProgress progress = noProgress ? ReplayProgress.NONE : new ProgressBar(System.err, ReplayClock.SYSTEM);
            try (var producer = new KafkaProducer<String, byte[]>(ClientConfigs.producer(endpoint, "spikestream-replay"))) {
                summary = new Replayer(producer, options, ReplayClock.SYSTEM, progress).replay(plan);
            }
        }
        for (String failure : summary.failures()) {
            System.err.println("replay: failed " + failure);
        }
        System.out.println(summary.line());
        return summary.failures().isEmpty() ? 0 : 1;
    }
}
