package io.spikestream.app;

import io.spikestream.app.learn.NmnistExperiment;
import io.spikestream.app.learn.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ./spikestream demo}: the main job end to end on the embedded defaults. Starts an embedded Kafka broker,
 * replays the bundled N-MNIST samples as one live stream (training samples shuffled, then the test samples),
 * learns online in a single pass with event-driven e-prop, evaluates the test samples with learning off, and
 * ends with a summary.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Embedded Kafka + bundled N-MNIST: learn online in one pass, evaluate, summarise.")
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--data", paramLabel = "DIR", description = "N-MNIST folder with Train/ and Test/ (default: the bundled copy).")
    Path data;

    @Option(names = "--passes", defaultValue = "1", description = "Passes over the training samples (default: ${DEFAULT-VALUE}).")
    int passes;

    @Option(names = "--config", paramLabel = "FILE", description = "Learner settings (JSON) on top of the demo's.")
    List<String> configs = new ArrayList<>();

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one setting (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the presentation order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        Path root = data != null ? data : Path.of(System.getProperty("spikestream.home", ".")).resolve("data").resolve("nmnist");
        if (!Files.isDirectory(root.resolve("Train")) || !Files.isDirectory(root.resolve("Test"))) {
            throw new IllegalArgumentException(root + " must hold Train/ and Test/ in the N-MNIST layout");
        }
        List<String> sources = new ArrayList<>();
        sources.add("classpath:demo.json");
        sources.addAll(configs);
        Settings s = Settings.load(sources, overrides);
        NmnistExperiment exp = new NmnistExperiment(s, root.resolve("Train"), List.of(root.resolve("Test")), passes, seed);
        System.err.printf(Locale.ROOT, "demo: %d training windows (%d pass%s), then %d test windows with learning off%n",
            exp.trainWindows(), passes, passes == 1 ? "" : "es", exp.testWindows());
        NmnistExperiment.Result r = NmnistCommand.run(exp, false, null, kafka, exp.trainWindows() + exp.testWindows());
        double simS = r.simSteps() / 1000.0;
        System.out.println();
        System.out.printf(Locale.ROOT, "  %-34s %s%n", "network", r.describe());
        System.out.printf(Locale.ROOT, "  %-34s %d%n", "training windows (prequential)", r.count("train/"));
        System.out.printf(Locale.ROOT, "  %-34s %.4f%n", "training accuracy (prequential)", r.accuracy("train/"));
        System.out.printf(Locale.ROOT, "  %-34s %d%n", "test windows (learning off)", r.count("test"));
        System.out.printf(Locale.ROOT, "  %-34s %.4f%n", "test accuracy", r.accuracy("test"));
        System.out.printf(Locale.ROOT, "  %-34s %d%n", "events streamed", r.events());
        System.out.printf(Locale.ROOT, "  %-34s %d / %d / %d%n", "dropped: blocked / unlabelled / late labels",
            r.counters().eventsBlocked, r.counters().eventsUnlabelled, r.counters().labelsLate);
        System.out.printf(Locale.ROOT, "  %-34s %.1f s simulated in %.1f s wall (%.1fx real time)%n", "time", simS,
            r.wallSeconds(), simS / r.wallSeconds());
        System.out.printf(Locale.ROOT, "test_accuracy=%.4f%n", r.accuracy("test"));
        return 0;
    }
}
