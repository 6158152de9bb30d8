package io.spikestream.sinks.live;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The live view's model: what the learner thread reports (event batches, predictions) folded into one
 * {@link SensorPanel} per sensor, and turned into an immutable {@link LiveSnapshot} at most once per
 * {@code interval} of wall time, which the page's server reads from any thread ({@link #latest()}).
 *
 * <p>Hot path: {@link #events} writes two array cells per event and {@link #prediction} copies the scores into a
 * preallocated array; neither allocates once a sensor's panel exists. Everything else (the image string, the raster,
 * the snapshot) is built in {@link #publishIfDue}, at the bounded rate. Not threadsafe except {@link #latest()}:
 * one writer thread (the learner's).
 */
public final class LiveState {

    /** Sensors drawn at most; more are counted in {@link LiveSnapshot#sensorsNotShown()}. */
    public static final int MAX_SENSORS = 64;
    /** Cells of a panel's image per side at most (larger sensors are binned). */
    public static final int MAX_CELLS = 128;

    private final int width;
    private final int height;
    private final int rolling;
    private final long frameUs;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final Map<String, SensorPanel> panels = new LinkedHashMap<>();
    /** Sensors beyond {@link #MAX_SENSORS}: remembered up to a bound, so that a flood of ids cannot grow it. */
    private final java.util.Set<String> notShown = new java.util.HashSet<>();
    private long lastPublishNanos;
    private long eventsAtPublish;
    private long events;
    private volatile LiveSnapshot latest = new LiveSnapshot(System.currentTimeMillis(), 0, Double.NaN, Double.NaN, 0, List.of());

    /**
     * @param width      the sensors' width in pixels (events beyond it are left out of the image)
     * @param height     their height
     * @param rolling    scored windows in the rolling accuracy and loss
     * @param frameUs    stream time an image covers, before the sensor's newest event
     * @param interval   least wall time between snapshots
     * @param nanoClock  wall clock for the rate bound and throughput ({@code System::nanoTime})
     */
    public LiveState(int width, int height, int rolling, long frameUs, java.time.Duration interval, LongSupplier nanoClock) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("live view: sensor geometry must be positive, got " + width + "x" + height);
        }
        if (frameUs <= 0) {
            throw new IllegalArgumentException("live view: the image's span must be positive, got " + frameUs + " us");
        }
        this.width = width;
        this.height = height;
        this.rolling = Math.max(1, rolling);
        this.frameUs = frameUs;
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
        this.lastPublishNanos = nanoClock.getAsLong() - intervalNanos;
    }

    private SensorPanel panel(String sensor) {
        SensorPanel p = panels.get(sensor);
        if (p == null) {
            if (panels.size() >= MAX_SENSORS) {
                if (notShown.size() < 100_000) {
                    notShown.add(sensor);
                }
                return null;
            }
            p = new SensorPanel(sensor, width, height, MAX_CELLS, rolling);
            p.nanosAtSnapshot = nanoClock.getAsLong();
            panels.put(sensor, p);
        }
        return p;
    }

    /** A batch of a sensor's events (stream times in microseconds). Learner thread. */
    public void events(String sensor, int[] x, int[] y, byte[] polarity, long[] tUs, int n) {
        events += n;
        SensorPanel p = panel(sensor);
        if (p != null) {
            p.events(x, y, polarity, tUs, n);
        }
    }

    /**
     * A prediction of a sensor. Learner thread.
     *
     * @param kind       {@code window}, {@code tick} or {@code interval}
     * @param scoredSpan whether it is a scored window or interval (counts in the rolling accuracy and loss)
     */
    public void prediction(String sensor, String kind, long endUs, int label, int predicted, double[] scores, double loss,
                           boolean scoredSpan, boolean learning) {
        SensorPanel p = panel(sensor);
        if (p != null) {
            p.prediction(kind, endUs, label, predicted, scores, loss, scoredSpan, learning);
        }
    }

    /** Whether {@link #publishIfDue} would build a snapshot now. */
    public boolean due() {
        return nanoClock.getAsLong() - lastPublishNanos >= intervalNanos;
    }

    /**
     * Builds a snapshot when the interval has passed since the last one. Learner thread.
     *
     * @param rasterOf       a sensor's hidden-layer raster (null: none), called only when a snapshot is built
     * @param consumerLag    records the consumer has yet to read (NaN: unknown)
     * @param realtimeFactor simulated seconds per wall second (NaN: unknown)
     * @return whether a snapshot was built
     */
    public boolean publishIfDue(Function<String, LiveSnapshot.Raster> rasterOf, double consumerLag, double realtimeFactor) {
        long now = nanoClock.getAsLong();
        if (now - lastPublishNanos < intervalNanos) {
            return false;
        }
        double seconds = (now - lastPublishNanos) / 1e9;
        double eps = (events - eventsAtPublish) / seconds;
        lastPublishNanos = now;
        eventsAtPublish = events;
        List<LiveSnapshot.Sensor> sensors = new ArrayList<>(panels.size());
        for (SensorPanel p : panels.values()) {
            double dt = (now - p.nanosAtSnapshot) / 1e9;
            double sensorEps = dt > 0 ? (p.events - p.eventsAtSnapshot) / dt : 0;
            p.eventsAtSnapshot = p.events;
            p.nanosAtSnapshot = now;
            sensors.add(new LiveSnapshot.Sensor(p.id, p.width, p.height, p.binning, frameUs, p.image(frameUs),
                p.newestUs == Long.MIN_VALUE ? 0 : p.newestUs, p.events, sensorEps, p.predicted, p.label, p.scores.clone(),
                p.predictionUs, p.kind, p.learning, p.predictions, p.accuracy(), p.loss(), p.scored, rasterOf.apply(p.id)));
        }
        latest = new LiveSnapshot(System.currentTimeMillis(), eps, consumerLag, realtimeFactor, notShown.size(), List.copyOf(sensors));
        return true;
    }

    /** The newest snapshot; any thread. */
    public LiveSnapshot latest() {
        return latest;
    }
}
