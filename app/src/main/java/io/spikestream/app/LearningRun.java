package io.spikestream.app;

import io.spikestream.app.learn.NmnistExperiment;
import io.spikestream.learner.Settings;
import io.spikestream.app.pipeline.LearnerOutputs;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.sinks.kafka.PredictionPublisher;
import io.spikestream.sinks.report.RunSummary;
import io.spikestream.sinks.report.SummaryTable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs an {@link NmnistExperiment} with its outputs wired (predictions topic, metrics endpoint, progress line,
 * plots, summary table), through Kafka or directly. Shared by {@code demo} and {@code nmnist}.
 */
final class LearningRun {

    record Outcome(NmnistExperiment.Result result, RunSummary summary, List<Path> plots) {
    }

    private LearningRun() {
    }

    static Outcome run(NmnistExperiment exp, Settings s, boolean direct, String topic, KafkaOptions kafka, String title)
        throws Exception {
        long expected = exp.trainWindows() + exp.testWindows();
        Path plotsDir = s.s("output.plots_dir").isBlank() ? null : Path.of(s.s("output.plots_dir"));
        List<Path>[] plots = new List[] {List.of()};
        if (direct) {
            try (LearnerOutputs out = outputs(s, null, expected)) {
                NmnistExperiment.Result r = exp.runDirect(out, l -> plots[0] = writePlots(out, plotsDir, title));
                out.finishProgress();
                return new Outcome(r, out.summary(), plots[0]);
            }
        }
        try (KafkaEndpoint endpoint = kafka.open(System.err)) {
            String t = topic != null ? topic : "spikestream.events.run-" + Long.toHexString(System.currentTimeMillis());
            String predictions = s.s("output.predictions_topic");
            kafka.ensureTopics(endpoint, System.err, t, predictions);
            PredictionPublisher publisher = PredictionPublisher.create(PredictionPublisher.Config
                .of(endpoint.bootstrapServers(), NmnistExperiment.SENSOR).withTopic(predictions)
                .withProperties(endpoint.clientProperties()).withLingerMs(s.l("output.linger_ms")));
            try (LearnerOutputs out = outputs(s, publisher, expected)) {
                NmnistExperiment.Result r = exp.runKafka(endpoint, t, out, l -> plots[0] = writePlots(out, plotsDir, title));
                out.finishProgress();
                publisher.flush();
                System.err.println("predictions: " + publisher.sent() + " records to " + predictions
                    + (publisher.failed() > 0 ? " (" + publisher.failed() + " failed)" : ""));
                return new Outcome(r, out.summary(), plots[0]);
            }
        }
    }

    private static LearnerOutputs outputs(Settings s, PredictionPublisher publisher, long expected) throws IOException {
        LearnerOutputs out = new LearnerOutputs(s.i("supervision.classes"), s.i("output.rolling_windows"),
            s.s("output.metrics_host"), s.i("output.metrics_port"), publisher, expected, true);
        if (out.endpoint() != null) {
            System.err.println("metrics: " + out.endpoint().uri());
        }
        try {
            startLiveView(out, s);
        } catch (IOException | RuntimeException e) {
            out.close();
            throw e;
        }
        return out;
    }

    /**
     * Serves the live view when {@code output.ui_port} is 0 or more, and prints its address as the stable line
     * {@code live view: http://HOST:PORT/} on stderr (as the metrics line).
     */
    static void startLiveView(LearnerOutputs out, Settings s) throws IOException {
        int port = s.i("output.ui_port");
        if (port < 0) {
            return;
        }
        io.spikestream.sinks.live.LiveView view = out.startLiveView(s.s("output.ui_host"), port, s.i("sensor.width"),
            s.i("sensor.height"), s.i("output.rolling_windows"), s.l("output.ui_frame_ms"), s.l("output.ui_update_ms"));
        System.err.println("live view: " + view.uri());
    }

    private static List<Path> writePlots(LearnerOutputs out, Path dir, String title) {
        if (dir == null) {
            return List.of();
        }
        try {
            return out.writePlots(dir, title);
        } catch (IOException e) {
            throw new UncheckedIOException("writing plots to " + dir, e);
        }
    }

    static void print(Outcome o) {
        System.out.print(SummaryTable.table(o.summary()));
        if (!o.plots().isEmpty()) {
            System.out.println("plots: " + o.plots().get(0).getParent().resolve("index.html"));
        }
    }
}
