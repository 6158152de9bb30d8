package io.spikestream.app.learn;

import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;

import io.spikestream.app.pipeline.LearnerOutputs;
import io.spikestream.app.pipeline.LearnerPipeline;
import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.SourceOptions;
import io.spikestream.ingest.replay.ReplayClock;
import io.spikestream.ingest.replay.ReplayItem;
import io.spikestream.ingest.replay.ReplayOptions;
import io.spikestream.ingest.replay.ReplayPlan;
import io.spikestream.ingest.replay.ReplayProgress;
import io.spikestream.ingest.replay.ReplaySummary;
import io.spikestream.ingest.replay.Replayer;
import org.apache.kafka.clients.producer.KafkaProducer;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * NEST's N-MNIST protocol as a stream: the training samples (shuffled with a seed, each pass reshuffled) then the
 * test samples, one unbroken stream time line, learned online in a single pass (or {@code passes}), the test
 * windows with learning off. Through Kafka (replay -> topic -> reactive source -> learner) or, with
 * {@code direct}, straight from the files (the same stream, without a broker: for tuning and as the reference
 * the Kafka path reproduces bit for bit).
 *
 * <p>Sample ids are {@code train/p<pass>/<label>/<file>} and {@code test<i>/<label>/<file>}; the learner learns
 * from {@code train/} windows only.
 */
public final class NmnistExperiment {

    public static final String SENSOR = "nmnist";

    /** The outcome of a run. */
    public record Result(List<StreamLearner.Prediction> predictions, StreamLearner.Counters counters, long simSteps,
                         double wallSeconds, long events, String describe) {

        /**
         * Accuracy of the scored windows ({@code per_window}) or label intervals at their end ({@code continuous})
         * whose sample id starts with {@code prefix}; ticks are not counted here (see {@link #tickAccuracy}).
         */
        public double accuracy(String prefix) {
            long n = 0;
            long ok = 0;
            for (StreamLearner.Prediction p : predictions) {
                if (p.kind() != StreamLearner.Prediction.Kind.TICK && p.sampleId() != null && p.sampleId().startsWith(prefix)) {
                    n++;
                    ok += p.correct() ? 1 : 0;
                }
            }
            return n == 0 ? Double.NaN : ok / (double) n;
        }

        public long count(String prefix) {
            return predictions.stream().filter(p -> p.kind() != StreamLearner.Prediction.Kind.TICK && p.sampleId() != null
                && p.sampleId().startsWith(prefix)).count();
        }

        /** {@code continuous}: fraction of the ticks inside intervals of {@code prefix} predicted correctly. */
        public double tickAccuracy(String prefix) {
            long n = 0;
            long ok = 0;
            for (StreamLearner.Prediction p : predictions) {
                if (p.kind() == StreamLearner.Prediction.Kind.TICK && p.sampleId() != null && p.sampleId().startsWith(prefix)) {
                    n++;
                    ok += p.correct() ? 1 : 0;
                }
            }
            return n == 0 ? Double.NaN : ok / (double) n;
        }

        /** {@code continuous}: fraction of the intervals of {@code prefix} whose ticks' majority was right. */
        public double majorityAccuracy(String prefix) {
            long n = 0;
            long ok = 0;
            for (StreamLearner.Prediction p : predictions) {
                if (p.kind() == StreamLearner.Prediction.Kind.INTERVAL && p.sampleId().startsWith(prefix)) {
                    n++;
                    ok += p.majority() == p.label() ? 1 : 0;
                }
            }
            return n == 0 ? Double.NaN : ok / (double) n;
        }

        /** {@code continuous}: median ms from an interval's start to its first correct tick (those that had one). */
        public double medianFirstCorrectMs(String prefix) {
            long[] l = predictions.stream().filter(p -> p.kind() == StreamLearner.Prediction.Kind.INTERVAL
                && p.sampleId().startsWith(prefix) && p.firstCorrectUs() >= 0).mapToLong(StreamLearner.Prediction::firstCorrectUs)
                .sorted().toArray();
            return l.length == 0 ? Double.NaN : l[(l.length - 1) / 2] / 1000.0;
        }
    }

    private final Settings settings;
    private final List<NmnistSamples.Sample> train;
    private final List<List<NmnistSamples.Sample>> tests;
    private final int passes;
    private final long seed;
    private long gapUs;
    private double rateScale;

    public NmnistExperiment(Settings settings, Path trainDir, List<Path> testDirs, int passes, long seed) throws IOException {
        if (passes < 1) {
            throw new IllegalArgumentException("--passes must be >= 1");
        }
        this.settings = settings;
        this.train = NmnistSamples.list(trainDir);
        this.tests = new ArrayList<>();
        for (Path t : testDirs) {
            tests.add(NmnistSamples.list(t));
        }
        this.passes = passes;
        this.seed = seed;
    }

    /**
     * Silence between consecutive recordings on the stream time line, microseconds (as {@code replay --gap-us}): label
     * intervals no longer touch, so a continuous stream is simulated and predicted through the gaps.
     */
    public NmnistExperiment withGapUs(long gap) {
        if (gap < 0) {
            throw new IllegalArgumentException("--gap-us must be >= 0, got " + gap);
        }
        this.gapUs = gap;
        return this;
    }

    /**
     * Replays through Kafka at {@code scale} times the recorded pace (1: as recorded, as a live camera would send it);
     * 0, the default: as fast as Kafka takes it.
     */
    public NmnistExperiment withRateScale(double scale) {
        if (scale < 0 || Double.isNaN(scale) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("--rate-scale must be >= 0 and finite, got " + scale);
        }
        this.rateScale = scale;
        return this;
    }

    /** The stream in order: (sample, id). */
    List<Object[]> schedule() {
        List<Object[]> items = new ArrayList<>();
        Random rng = new Random(seed);
        for (int p = 1; p <= passes; p++) {
            List<NmnistSamples.Sample> order = new ArrayList<>(train);
            Collections.shuffle(order, rng);
            for (NmnistSamples.Sample s : order) {
                items.add(new Object[] {s, "train/p" + p + "/" + tail(s)});
            }
        }
        for (int i = 0; i < tests.size(); i++) {
            for (NmnistSamples.Sample s : tests.get(i)) {
                items.add(new Object[] {s, "test" + (i + 1) + "/" + tail(s)});
            }
        }
        return items;
    }

    private static String tail(NmnistSamples.Sample s) {
        return s.label() + "/" + s.file().getFileName();
    }

    public int trainWindows() {
        return train.size() * passes;
    }

    public int testWindows() {
        return tests.stream().mapToInt(List::size).sum();
    }

    private static StreamLearner learner(Settings s, List<StreamLearner.Prediction> out, LearnerOutputs outputs)
        throws IOException {
        StreamLearner[] self = new StreamLearner[1];
        StreamLearner.Listener report = outputs == null ? p -> { } : outputs.listener(SENSOR, self);
        StreamLearner l = new StreamLearner(s, p -> {
            out.add(p);
            report.onPrediction(p);
        });
        self[0] = l;
        if (outputs != null) {
            outputs.attach(l);
        }
        l.setWindowPolicy(id -> id.startsWith("train/"));
        return l;
    }

    /** Straight from the files, no broker. {@code outputs} may be null. */
    public Result runDirect(LearnerOutputs outputs) throws IOException {
        return runDirect(outputs, l -> { });
    }

    /** As {@link #runDirect(LearnerOutputs)}, handing the finished learner to {@code atEnd} before it is closed. */
    public Result runDirect(LearnerOutputs outputs, Consumer<StreamLearner> atEnd) throws IOException {
        long t0 = System.nanoTime();
        List<StreamLearner.Prediction> preds = new ArrayList<>();
        try (StreamLearner l = learner(settings, preds, outputs)) {
            DirectFeed feed = new DirectFeed(0, gapUs);
            if (outputs != null && outputs.liveView() != null) {
                feed.tapping(SENSOR, outputs::events);
            }
            long events = 0;
            for (Object[] item : schedule()) {
                NmnistSamples.Sample s = (NmnistSamples.Sample) item[0];
                events += feed.feed(l, new NmnistSamples.Sample(s.file(), (String) item[1], s.label()));
            }
            l.finish();
            atEnd.accept(l);
            return new Result(preds, l.counters(), l.network().currentStep(), (System.nanoTime() - t0) / 1e9, events,
                l.describe().toString());
        }
    }

    /** Through Kafka: replay to {@code topic} (labels in the same topic), consume with the learner pipeline. */
    public Result runKafka(KafkaEndpoint endpoint, String topic, LearnerOutputs outputs) throws Exception {
        return runKafka(endpoint, topic, outputs, l -> { });
    }

    /** As {@link #runKafka(KafkaEndpoint, String, LearnerOutputs)}, handing the learner to {@code atEnd} (learner thread). */
    public Result runKafka(KafkaEndpoint endpoint, String topic, LearnerOutputs outputs, Consumer<StreamLearner> atEnd)
        throws Exception {
        long t0 = System.nanoTime();
        List<StreamLearner.Prediction> preds = java.util.Collections.synchronizedList(new ArrayList<>());
        List<ReplayItem> items = new ArrayList<>();
        for (Object[] item : schedule()) {
            NmnistSamples.Sample s = (NmnistSamples.Sample) item[0];
            items.add(new ReplayItem(s.file(), (String) item[1], Integer.toString(s.label()), s.label()));
        }
        String group = "spikestream-nmnist-" + Long.toHexString(System.nanoTime());
        StreamLearner[] made = new StreamLearner[1];
        SourceOptions source = SourceOptions.of(group, topic);
        if (outputs != null) {
            source = source.withMetrics(new io.spikestream.app.pipeline.SourceMetrics(outputs.metrics()));
        }
        try (LearnerPipeline pipeline = new LearnerPipeline(endpoint, source, sensor -> {
            try {
                made[0] = learner(settings, preds, outputs);
                return made[0];
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        })) {
            if (outputs != null && outputs.liveView() != null) {
                pipeline.tapEvents(outputs::events);
            }
            pipeline.start();
            ReplayOptions options = new ReplayOptions(topic, topic, SENSOR, rateScale, ReplayOptions.DEFAULT_BATCH_EVENTS, 0, gapUs);
            ReplaySummary summary;
            try (var producer = new KafkaProducer<String, byte[]>(ClientConfigs.producer(endpoint, "spikestream-nmnist"))) {
                summary = new Replayer(producer, options, ReplayClock.SYSTEM, ReplayProgress.NONE).replay(ReplayPlan.ofItems(items));
            }
            if (!summary.failures().isEmpty()) {
                throw new IOException("replay failed: " + summary.failures());
            }
            pipeline.awaitConsumed(summary.events(), summary.labels(), Duration.ofMinutes(60));
            pipeline.finish();
            StreamLearner l = made[0];
            return pipeline.onLearnerThread(() -> {
                atEnd.accept(l);
                return new Result(new ArrayList<>(preds), l.counters(), l.network().currentStep(),
                    (System.nanoTime() - t0) / 1e9, summary.events(), l.describe().toString());
            });
        }
    }
}
