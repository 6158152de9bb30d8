package io.spikestream.app;

import io.spikestream.app.learn.NmnistExperiment;
import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ./spikestream nmnist --train DIR --test DIR [--test DIR ...] [--passes N]}: NEST's N-MNIST protocol on any
 * folders in the N-MNIST layout, streamed through Kafka, learned online; the last line is
 * {@code test_accuracy=<fraction>}.
 */
@Command(name = "nmnist", mixinStandardHelpOptions = true,
    description = "Single-pass (or N-pass) online learning on N-MNIST folders through Kafka; ends with test_accuracy=.")
public final class NmnistCommand implements Callable<Integer> {

    @Option(names = "--train", required = true, paramLabel = "DIR", description = "Training folder (<label>/<name>.bin).")
    Path train;

    @Option(names = "--test", required = true, paramLabel = "DIR", description = "Test folder(s), learning off (repeatable).")
    List<Path> tests = new ArrayList<>();

    @Option(names = "--passes", defaultValue = "1", description = "Passes over the training folder (default: ${DEFAULT-VALUE}).")
    int passes;

    @Option(names = "--config", paramLabel = "FILE", description = "Learner settings (JSON) over the documented defaults.")
    List<String> configs = new ArrayList<>();

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one setting, e.g. network.n_rec=300 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the presentation order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--direct", description = "Read the files directly instead of through Kafka (same stream, no broker).")
    boolean direct;

    @Option(names = "--topic", description = "Topic for events and labels (default: a fresh topic for this run).")
    String topic;

    @Option(names = "--gap-us", defaultValue = "0", paramLabel = "US", description = "Silence between recordings on the "
        + "stream time line, microseconds, as replay --gap-us (default: ${DEFAULT-VALUE}).")
    long gapUs;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--plots", paramLabel = "DIR", description = "Write the end-of-run plots (PNG + index.html) here.")
    Path plots;

    @Override
    public Integer call() throws Exception {
        List<String> over = new ArrayList<>(overrides);
        if (plots != null) {
            over.add("output.plots_dir=" + plots);
        }
        Settings s = StreamLearner.resolveTimeMode(Settings.load(configs, over), "per_window");
        NmnistExperiment exp = new NmnistExperiment(s, train, tests, passes, seed).withGapUs(gapUs);
        LearningRun.Outcome o = LearningRun.run(exp, s, direct, topic, kafka, "spikestream nmnist");
        NmnistExperiment.Result r = o.result();
        LearningRun.print(o);
        for (int i = 1; i <= tests.size(); i++) {
            System.out.printf(Locale.ROOT, "test%d=%s accuracy=%.4f samples=%d%n", i, tests.get(i - 1),
                r.accuracy("test" + i + "/"), r.count("test" + i + "/"));
        }
        System.out.printf(Locale.ROOT, "train_accuracy=%.4f (prequential, %d windows)%n", r.accuracy("train/"), r.count("train/"));
        System.out.println("network: " + r.describe());
        double simS = r.simSteps() / 1000.0;
        System.out.printf(Locale.ROOT, "throughput simulated_s=%.1f wall_s=%.2f realtime_factor=%.1f events=%d events_per_s=%.0f%n",
            simS, r.wallSeconds(), simS / r.wallSeconds(), r.events(), r.events() / r.wallSeconds());
        if (s.s("time.mode").equals("continuous")) {
            // per label interval: the prediction at its end (test_accuracy above and below), the majority over its
            // ticks, per tick, and the latency from its start to its first correct tick
            System.out.printf(Locale.ROOT, "continuous test_tick_accuracy=%.4f test_majority_accuracy=%.4f "
                    + "test_first_correct_median_ms=%.1f train_tick_accuracy=%.4f gap_us=%d%n", r.tickAccuracy("test"),
                r.majorityAccuracy("test"), r.medianFirstCorrectMs("test"), r.tickAccuracy("train/"), gapUs);
        }
        System.out.printf(Locale.ROOT, "test_accuracy=%.4f%n", r.accuracy("test"));
        return 0;
    }
}
