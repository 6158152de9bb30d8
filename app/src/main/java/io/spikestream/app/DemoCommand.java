package io.spikestream.app;

import io.spikestream.app.learn.NmnistExperiment;
import io.spikestream.learner.Settings;
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
 * ends with a summary. The live view is served while it runs ({@code live view: URL} on stderr; {@code --rate-scale 1}
 * paces the stream as recorded, to watch it).
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

    @Option(names = "--rate-scale", defaultValue = "0",
        description = "Replay at this multiple of the recorded rate, e.g. 1 to watch the live view in real time "
            + "(default: ${DEFAULT-VALUE}, as fast as possible).")
    double rateScale;

    @Option(names = "--out", paramLabel = "DIR", description = "Where the plots go (default: runs/demo-<timestamp>).")
    Path out;

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
        List<String> over = new ArrayList<>();
        over.add("output.metrics_port=0");
        over.add("output.ui_port=0"); // the live view on any free port (its URL is printed); -1 turns it off
        over.add("output.plots_dir=" + (out != null ? out : Path.of("runs", "demo-" + java.time.LocalDateTime.now()
            .format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))));
        over.addAll(overrides);
        Settings s = io.spikestream.learner.StreamLearner.resolveTimeMode(Settings.load(sources, over), "per_window");
        NmnistExperiment exp = new NmnistExperiment(s, root.resolve("Train"), List.of(root.resolve("Test")), passes, seed)
            .withRateScale(rateScale);
        System.err.printf(Locale.ROOT, "demo: %d training windows (%d pass%s), then %d test windows with learning off%n",
            exp.trainWindows(), passes, passes == 1 ? "" : "es", exp.testWindows());
        LearningRun.Outcome o = LearningRun.run(exp, s, false, null, kafka, "spikestream demo: N-MNIST, online e-prop");
        NmnistExperiment.Result r = o.result();
        System.out.println();
        System.out.println("network: " + r.describe());
        LearningRun.print(o);
        System.out.printf(Locale.ROOT, "test_accuracy=%.4f%n", r.accuracy("test"));
        return 0;
    }
}
