package io.spikestream.app.pipeline;

import io.spikestream.learner.StreamLearner;
import io.spikestream.network.Network;
import io.spikestream.network.Projection;
import io.spikestream.sinks.Horizon;
import io.spikestream.sinks.Phase;
import io.spikestream.sinks.kafka.PredictionPublisher;
import io.spikestream.sinks.kafka.WindowPrediction;
import io.spikestream.sinks.live.LiveSnapshot;
import io.spikestream.sinks.live.LiveState;
import io.spikestream.sinks.live.LiveView;
import io.spikestream.sinks.metrics.DropReason;
import io.spikestream.sinks.metrics.LearnerMetrics;
import io.spikestream.sinks.metrics.MetricsEndpoint;
import io.spikestream.sinks.plots.RunPlots;
import io.spikestream.sinks.plots.SpikeRaster;
import io.spikestream.sinks.report.ProgressLine;
import io.spikestream.sinks.report.RunSummary;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a learner's results go: prediction records to Kafka, Micrometer metrics behind a Prometheus scrape
 * endpoint, prequential statistics, a live progress line, and, at the end of a run, plots and a summary. The
 * adapter between the learner (app) and the sinks module, which knows nothing of networks.
 *
 * <p>Called on the learner thread only (metrics are read from any thread by the endpoint).
 */
public final class LearnerOutputs implements AutoCloseable {

    private final LearnerMetrics metrics;
    private final MetricsEndpoint endpoint;
    private final PredictionPublisher publisher;
    private final ProgressLine progress;
    private final long startNanos = System.nanoTime();
    private final Map<String, double[]> initialWeights = new LinkedHashMap<>();
    /** The current learner of each sensor (a restored or re-created model replaces the previous instance). */
    private final Map<String, StreamLearner> learnerBySensor = new LinkedHashMap<>();
    /**
     * Counts of learners released from memory (evicted, expired, revoked), so the totals never go back: index 0 events,
     * 1 spikes, 2 synaptic events, 3.. the drop reasons. A durable model comes back with its counts (restored from its
     * checkpoint), so its share is kept per sensor until then ({@link #retiredBySensor}); a model that is gone for good
     * adds to {@link #retired}.
     */
    private final long[] retired = new long[3 + REASONS.length];
    private final Map<String, long[]> retiredBySensor = new java.util.HashMap<>();
    private long events;
    private long spikes;
    private long synaptic;
    private long simSteps;
    private long lastTickSync;
    private static final String[] KINDS = {"window", "tick", "interval"}; // by StreamLearner.Prediction.Kind ordinal
    /** Drop reasons the learners count, in the order of {@link #REASONS}. */
    private static final DropReason[] REASONS = {DropReason.BLOCKED, DropReason.OUT_OF_GEOMETRY, DropReason.UNLABELLED,
        DropReason.LATE_LABEL, DropReason.LATE, DropReason.CLOCK_JUMP, DropReason.LABEL_REJECTED};
    private final long[] dropped = new long[REASONS.length];
    /** The live view's model and server (null until {@link #startLiveView}). */
    private LiveState live;
    private LiveView liveView;
    private final java.util.function.Function<String, LiveSnapshot.Raster> rasterOf = this::raster;
    private LatencyTrace latencyTrace;

    /**
     * @param metricsPort port of the /metrics endpoint (0 = any free port), or -1 for no endpoint
     * @param publisher   where predictions go, or null
     * @param expected    windows expected (for the progress line), or 0 if unbounded
     */
    public LearnerOutputs(int classes, int rollingWindows, String metricsHost, int metricsPort, PredictionPublisher publisher,
                          long expected, boolean showProgress) throws IOException {
        this.metrics = new LearnerMetrics(classes, rollingWindows);
        this.endpoint = metricsPort >= 0 ? MetricsEndpoint.start(metrics.registry(), metricsHost, metricsPort) : null;
        this.publisher = publisher;
        if (publisher != null) {
            metrics.countPublishFailures(publisher::failed);
        }
        this.progress = showProgress ? ProgressLine.toStderr(expected) : null;
    }

    public LearnerMetrics metrics() {
        return metrics;
    }

    public MetricsEndpoint endpoint() {
        return endpoint;
    }

    /**
     * Serves the live view (docs/live-view.md) on {@code host:port} (0: any free port), fed by these outputs'
     * predictions and by {@link #events}. Call before the stream starts.
     *
     * @param width   the sensors' width (pixels; events beyond it are not drawn)
     * @param frameMs stream time each sensor's image covers
     * @param updateMs least wall time between two updates of the page
     */
    public LiveView startLiveView(String host, int port, int width, int height, int rolling, long frameMs, long updateMs)
        throws IOException {
        if (liveView != null) {
            throw new IllegalStateException("the live view is already served at " + liveView.uri());
        }
        if (frameMs <= 0) {
            throw new IllegalArgumentException("output.ui_frame_ms must be > 0, got " + frameMs);
        }
        if (updateMs < 0) {
            throw new IllegalArgumentException("output.ui_update_ms must be >= 0, got " + updateMs);
        }
        LiveState state = new LiveState(width, height, rolling, frameMs * 1000, Duration.ofMillis(updateMs), System::nanoTime);
        liveView = LiveView.start(state, host, port, Duration.ofMillis(updateMs), 16);
        live = state;
        return liveView;
    }

    /** The live view's server, or null when none is served. */
    public LiveView liveView() {
        return liveView;
    }

    /**
     * A batch of a sensor's events as the learner gets it (stream times in us), for the live view's image. Learner
     * thread; nothing when no live view is served.
     */
    public void events(String sensorId, int[] x, int[] y, byte[] polarity, long[] tUs, int n) {
        if (live != null) {
            live.events(sensorId, x, y, polarity, tUs, n);
            if (live.due()) {
                publishLive();
            }
        }
    }

    private void publishLive() {
        live.publishIfDue(rasterOf, metrics.consumerLagRecords(), metrics.realtimeFactorValue());
    }

    /** The hidden layer's spikes of the sensor's network in its last completed window (learner thread). */
    private LiveSnapshot.Raster raster(String sensorId) {
        StreamLearner l = learnerBySensor.get(sensorId);
        if (l == null) {
            l = learnerBySensor.get(StreamLearner.SHARED_MODEL_ID);
        }
        if (l == null && learnerBySensor.size() == 1) {
            l = learnerBySensor.values().iterator().next(); // demo and nmnist: one learner, attached without a sensor id
        }
        if (l == null) {
            return null;
        }
        long[] steps = l.lastWindowSpikeSteps();
        int[] ids = l.lastWindowSpikeIds();
        long[] range = l.lastWindowSteps();
        int first = l.recurrent().globalOffset();
        int size = l.recurrent().size();
        int n = 0;
        for (int i = 0; i < ids.length && n < LiveSnapshot.Raster.MAX_SPIKES; i++) {
            n += ids[i] >= first && ids[i] < first + size ? 1 : 0;
        }
        long[] rs = new long[n];
        int[] rn = new int[n];
        for (int i = 0, k = 0; i < ids.length && k < n; i++) {
            if (ids[i] >= first && ids[i] < first + size) {
                rs[k] = steps[i];
                rn[k++] = ids[i] - first;
            }
        }
        return new LiveSnapshot.Raster(range[0], Math.max(range[0], range[1]), size, rs, rn);
    }

    /** The listener for the learner of {@code sensorId}; call {@link #attach} once the learner exists. */
    public StreamLearner.Listener listener(String sensorId, StreamLearner[] learner) {
        return new StreamLearner.Listener() {
            @Override
            public void onPrediction(StreamLearner.Prediction p) {
                predicted(sensorId, learner, p);
            }

            @Override
            public void onRejectedLabel(String sensor, String sampleId, String reason, String detail) {
                if (learner[0] != null) {
                    sync(); // the refusal shows in the dropped counters at once
                }
            }
        };
    }

    /** {@code output.latency_trace}: the stages of the record that caused a tick go with it (see {@link LatencyTrace}). */
    public void traceLatency(LatencyTrace trace) {
        this.latencyTrace = trace;
    }

    private void predicted(String sensorId, StreamLearner[] learner, StreamLearner.Prediction p) {
        if (publisher != null) {
            // a shared network names the sensor of each window; a learner of its own sensor leaves it to us
            String sensor = p.sensorId().isEmpty() ? sensorId : p.sensorId();
            byte[] stages = latencyTrace != null && p.kind() == StreamLearner.Prediction.Kind.TICK ? latencyTrace.header() : null;
            publisher.publish(new WindowPrediction(sensor, p.sampleId(), p.windowStartUs(), p.windowEndUs(), p.label(),
                p.predicted(), p.scores(), p.loss(), p.modelVersion(), p.learning(),
                p.kind().name().toLowerCase(java.util.Locale.ROOT), p.confidence(), p.majority(), p.firstCorrectUs()),
                LatencyTrace.HEADER, stages);
        }
        if (live != null) {
            String sensor = p.sensorId().isEmpty() ? sensorId : p.sensorId();
            live.prediction(sensor, KINDS[p.kind().ordinal()], p.windowEndUs(), p.label(), p.predicted(), p.scores(), p.loss(),
                p.kind() != StreamLearner.Prediction.Kind.TICK, p.learning());
            if (live.due()) {
                publishLive();
            }
        }
        switch (p.kind()) {
            case TICK -> {
                metrics.recordTick(Phase.of(p.learning()), p.label(), p.predicted());
                // counters and gauges follow a live stream too, at most ten times a second of wall time
                if (learner[0] != null && System.nanoTime() - lastTickSync > 100_000_000L) {
                    lastTickSync = System.nanoTime();
                    sync();
                }
                return; // the progress line counts labelled windows and intervals
            }
            case INTERVAL -> metrics.recordInterval(Phase.of(p.learning()), p.label(), p.predicted(), p.loss(),
                p.majority(), p.firstCorrectUs());
            case WINDOW -> metrics.recordWindow(Phase.of(p.learning()), p.label(), p.predicted(), p.loss());
        }
        if (learner[0] != null) {
            sync();
        }
        if (progress != null) {
            long done = metrics.stats().windows(Phase.TRAIN) + metrics.stats().windows(Phase.TEST);
            progress.update(done, metrics.stats().accuracy(Phase.of(p.learning()), Horizon.ROLLING), events, simSteps / 1000.0);
        }
    }

    /** Registers a learner whose counters and weights these outputs report. */
    public void attach(StreamLearner learner) {
        attach("", learner);
    }

    /** Registers the learner of {@code sensorId}, replacing an earlier instance of the same model. */
    public void attach(String sensorId, StreamLearner learner) {
        long[] back = retiredBySensor.remove(sensorId);
        if (back != null) {
            for (int i = 0; i < back.length; i++) {
                retired[i] -= back[i]; // restored: its own counters carry these again
            }
        }
        learnerBySensor.put(sensorId, learner);
        for (Map.Entry<String, Projection> e : learner.projections().entrySet()) {
            initialWeights.putIfAbsent(e.getKey(), StreamLearner.weights(e.getValue()));
        }
    }

    /**
     * The learner of {@code sensorId} leaves memory (call before it is closed): its counts stay in the totals.
     * {@code restorable}: it comes back from a checkpoint with its counts (a durable model), else it is gone.
     */
    public void detach(String sensorId, StreamLearner learner, boolean restorable) {
        if (learnerBySensor.get(sensorId) != learner) {
            return;
        }
        long[] c = new long[retired.length];
        add(c, learner);
        for (int i = 0; i < c.length; i++) {
            retired[i] += c[i];
        }
        if (restorable) {
            retiredBySensor.put(sensorId, c);
        }
        learnerBySensor.remove(sensorId);
    }

    /** Learners whose counters these outputs read now (tests: bounded state). */
    public int attached() {
        return learnerBySensor.size();
    }

    private static void add(long[] into, StreamLearner l) {
        StreamLearner.Counters c = l.counters();
        Network net = l.network();
        into[0] += c.eventsIn;
        into[1] += net.spikeCount(l.recurrent()) + net.spikeCount(l.input());
        into[2] += net.synapticEvents();
        into[3] += c.eventsBlocked;
        into[4] += c.eventsOutOfGeometry;
        into[5] += c.eventsUnlabelled;
        into[6] += c.labelsLate;
        into[7] += c.eventsLate;
        into[8] += c.eventsClockJump;
        into[9] += c.labelsRejectedTotal();
    }

    /** Brings the counters and gauges up to date with the learners (deltas since the last call). */
    public void sync() {
        long[] all = retired.clone();
        long steps = 0;
        for (StreamLearner l : learnerBySensor.values()) {
            add(all, l);
            steps = Math.max(steps, l.network().currentStep());
        }
        long ev = all[0];
        long sp = all[1];
        long sy = all[2];
        long[] drop = java.util.Arrays.copyOfRange(all, 3, all.length);
        // a model restored from a checkpoint can report less than its predecessor did: counters never go back
        metrics.addEvents(Math.max(0, ev - events));
        metrics.addSpikes(Math.max(0, sp - spikes));
        metrics.addSynapticEvents(Math.max(0, sy - synaptic));
        for (int i = 0; i < REASONS.length; i++) {
            metrics.addDropped(REASONS[i], Math.max(0, drop[i] - dropped[i]));
            dropped[i] = drop[i];
        }
        events = ev;
        spikes = sp;
        synaptic = sy;
        simSteps = steps;
        metrics.streamTimeUs(steps * 1000L);
        double wall = (System.nanoTime() - startNanos) / 1e9;
        if (wall > 0) {
            metrics.realtimeFactor(steps / 1000.0 / wall);
        }
    }

    /** Weight statistics gauges of every projection (cheap enough per window for small networks; call as needed). */
    public void updateWeightGauges() {
        for (StreamLearner l : learnerBySensor.values()) {
            for (Map.Entry<String, Projection> e : l.projections().entrySet()) {
                double[] w = StreamLearner.weights(e.getValue());
                metrics.weights(e.getKey()).summarise(w, 0, w.length);
            }
        }
    }

    /** The end-of-run summary. */
    public RunSummary summary() {
        sync();
        Map<String, Long> drops = new LinkedHashMap<>();
        drops.put("blocked", dropped[0]);
        drops.put("out_of_geometry", dropped[1]);
        drops.put("unlabelled", dropped[2]);
        drops.put("late_label", dropped[3]);
        if (continuous()) {
            drops.put("late", dropped[4]);
            drops.put("clock_jump", dropped[5]);
            drops.put("label_rejected", dropped[6]);
        }
        return RunSummary.of(metrics.stats(), events, spikes, synaptic, Duration.ofNanos(System.nanoTime() - startNanos),
            simSteps / 1000.0, drops);
    }

    /** Whether any learner runs {@code time.mode=continuous}. */
    public boolean continuous() {
        return learnerBySensor.values().stream().anyMatch(l -> l.timeMode().equals("continuous"))
            || metrics.streamScores().any();
    }

    /** The continuous-stream scores as one key=value line, or null for a per_window run. */
    public String streamScoresLine() {
        return continuous() ? metrics.streamScores().keyValues() : null;
    }

    /** Writes the plots (learning curve, last window's raster, weights before/after, confusion) into {@code dir}. */
    public List<Path> writePlots(Path dir, String title) throws IOException {
        updateWeightGauges();
        RunPlots plots = new RunPlots(title).learningCurve(metrics.stats().learningCurve());
        if (continuous()) {
            // continuous time: the learning curve counts label intervals (scored at their end); ticks summarised here
            io.spikestream.sinks.stats.StreamScores sc = metrics.streamScores();
            Map<String, String> rows = new LinkedHashMap<>();
            for (Phase ph : Phase.values()) {
                if (sc.labelledTicks(ph) + sc.intervals(ph) == 0) {
                    continue;
                }
                rows.put(ph.tag() + ": tick accuracy", String.format(java.util.Locale.ROOT, "%.4f (%d labelled ticks)",
                    sc.tickAccuracy(ph), sc.labelledTicks(ph)));
                rows.put(ph.tag() + ": majority over ticks", String.format(java.util.Locale.ROOT, "%.4f (%d intervals)",
                    sc.majorityAccuracy(ph), sc.intervals(ph)));
                rows.put(ph.tag() + ": first correct tick, p50 / p90", String.format(java.util.Locale.ROOT,
                    "%.1f / %.1f ms (%d intervals never right)", sc.latencyQuantileUs(ph, 0.5) / 1000,
                    sc.latencyQuantileUs(ph, 0.9) / 1000, sc.neverCorrect(ph)));
            }
            rows.put("unlabelled ticks", Long.toString(sc.unlabelledTicks()));
            plots.summary(rows);
        }
        if (!learnerBySensor.isEmpty()) {
            StreamLearner l = learnerBySensor.values().iterator().next();
            long[] steps = l.lastWindowSpikeSteps();
            long[] times = new long[steps.length];
            long[] range = l.lastWindowSteps();
            for (int i = 0; i < steps.length; i++) {
                times[i] = steps[i] * 1000L;
            }
            int inFirst = l.input().globalOffset();
            int recFirst = l.recurrent().globalOffset();
            plots.spikeRaster(new SpikeRaster(range[0] * 1000L, Math.max(range[0], range[1]) * 1000L, times, l.lastWindowSpikeIds(),
                times.length, List.of(new SpikeRaster.Population("input", inFirst, inFirst + l.input().size()),
                    new SpikeRaster.Population("recurrent", recFirst, recFirst + l.recurrent().size()))));
            for (Map.Entry<String, Projection> e : l.projections().entrySet()) {
                plots.weightHistogram(e.getKey(), initialWeights.getOrDefault(e.getKey(), new double[0]),
                    StreamLearner.weights(e.getValue()));
            }
        }
        for (Phase ph : Phase.values()) {
            if (metrics.stats().windows(ph) > 0) {
                plots.confusionMatrix(ph, metrics.stats().confusion(ph));
            }
        }
        return plots.writeTo(dir);
    }

    public void finishProgress() {
        if (progress != null) {
            progress.finish();
        }
    }

    @Override
    public void close() {
        if (publisher != null) {
            publisher.close();
        }
        if (endpoint != null) {
            endpoint.close();
        }
        if (liveView != null) {
            liveView.close();
        }
    }
}
