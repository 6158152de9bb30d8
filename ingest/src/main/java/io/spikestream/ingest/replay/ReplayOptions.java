package io.spikestream.ingest.replay;

import io.spikestream.ingest.kafka.Topics;

import java.util.Objects;

/**
 * How a replay publishes.
 *
 * @param eventsTopic topic of the event batches (key = sensor id)
 * @param labelsTopic topic of the label records (key = sensor id)
 * @param sensorId    the sensor id every batch and label carries: one replay is one virtual sensor
 * @param rateScale   stream time runs this many times faster than recorded; 0 means as fast as possible
 * @param batchEvents most events per batch (with {@code batchUs} alone, use {@link #MAX_BATCH_EVENTS})
 * @param batchUs     when positive, a batch also ends before an event this many microseconds after its first one
 * @param gapUs       stream-time pause inserted after each recording before the next one starts
 */
public record ReplayOptions(String eventsTopic, String labelsTopic, String sensorId, double rateScale,
                            int batchEvents, long batchUs, long gapUs) {

    public static final int DEFAULT_BATCH_EVENTS = 1024;
    /** Upper bound of a batch in any mode: 64 Ki events, about 330 KiB on the wire. */
    public static final int MAX_BATCH_EVENTS = 1 << 16;
    public static final String DEFAULT_SENSOR_ID = "replay";

    public ReplayOptions {
        Objects.requireNonNull(eventsTopic, "eventsTopic");
        Objects.requireNonNull(labelsTopic, "labelsTopic");
        Objects.requireNonNull(sensorId, "sensorId");
        if (rateScale < 0 || Double.isNaN(rateScale) || Double.isInfinite(rateScale)) {
            throw new IllegalArgumentException("rate scale must be >= 0 and finite, got " + rateScale);
        }
        if (batchEvents <= 0 || batchEvents > MAX_BATCH_EVENTS) {
            throw new IllegalArgumentException("batch events must be in 1.." + MAX_BATCH_EVENTS + ", got " + batchEvents);
        }
        if (batchUs < 0 || gapUs < 0) {
            throw new IllegalArgumentException("batch-us and gap-us must not be negative");
        }
    }

    /** As fast as possible, 1024-event batches, no gap, the standard topics. */
    public static ReplayOptions defaults() {
        return new ReplayOptions(Topics.EVENTS, Topics.LABELS, DEFAULT_SENSOR_ID, 0, DEFAULT_BATCH_EVENTS, 0, 0);
    }

    public ReplayOptions withTopics(String events, String labels) {
        return new ReplayOptions(events, labels, sensorId, rateScale, batchEvents, batchUs, gapUs);
    }

    public ReplayOptions withRateScale(double scale) {
        return new ReplayOptions(eventsTopic, labelsTopic, sensorId, scale, batchEvents, batchUs, gapUs);
    }

    public ReplayOptions withBatching(int events, long us) {
        return new ReplayOptions(eventsTopic, labelsTopic, sensorId, rateScale, events, us, gapUs);
    }

    public ReplayOptions withGapUs(long gap) {
        return new ReplayOptions(eventsTopic, labelsTopic, sensorId, rateScale, batchEvents, batchUs, gap);
    }

    public ReplayOptions withSensorId(String id) {
        return new ReplayOptions(eventsTopic, labelsTopic, id, rateScale, batchEvents, batchUs, gapUs);
    }
}
