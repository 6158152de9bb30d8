package io.spikestream.app.learn;

import io.spikestream.learner.StreamLearner;

import io.spikestream.ingest.format.EventBatch;
import io.spikestream.ingest.format.EventFiles;
import io.spikestream.ingest.format.EventReader;

import java.io.IOException;
import java.util.List;

/**
 * Feeds recordings straight from files into a learner, on the same stream-time line as {@code replay} lays them
 * on Kafka ({@code offset_{k+1} = offset_k + lastTimestamp_k + 1 + gap}, label window [offset_k, offset_k +
 * lastTimestamp_k + 1)): what the pipeline would deliver, without a broker. Used for tuning and as the reference
 * the Kafka path must reproduce bit for bit.
 */
public final class DirectFeed {

    private final EventBatch batch = new EventBatch(8192);
    private final long[] t = new long[8192];
    private long offsetUs;
    private final long gapUs;
    private String tapSensor = "";
    private io.spikestream.app.pipeline.LearnerPipeline.EventTap tap = io.spikestream.app.pipeline.LearnerPipeline.EventTap.NONE;

    public DirectFeed(long startUs, long gapUs) {
        this.offsetUs = startUs;
        this.gapUs = gapUs;
    }

    /** Shows every batch fed to {@code tap} as events of {@code sensorId} too (the live view's images). */
    public DirectFeed tapping(String sensorId, io.spikestream.app.pipeline.LearnerPipeline.EventTap tap) {
        this.tapSensor = sensorId;
        this.tap = tap;
        return this;
    }

    /** Feeds one labelled recording; returns its number of events. */
    public long feed(StreamLearner learner, NmnistSamples.Sample s) throws IOException {
        long last = -1;
        long n = 0;
        // the label goes first (replay publishes it before the events); its end needs the last timestamp
        try (EventReader r = EventFiles.open(s.file())) {
            int c;
            while ((c = r.read(batch)) >= 0) {
                if (c > 0) {
                    last = Math.max(last, batch.timestampUs[c - 1]);
                }
            }
        }
        learner.onLabel(s.id(), offsetUs, offsetUs + last + 1, s.label());
        try (EventReader r = EventFiles.open(s.file())) {
            int c;
            while ((c = r.read(batch)) >= 0) {
                for (int i = 0; i < c; i++) {
                    t[i] = batch.timestampUs[i] + offsetUs;
                }
                learner.onEvents(batch.x, batch.y, batch.polarity, t, c);
                tap.onEvents(tapSensor, batch.x, batch.y, batch.polarity, t, c);
                n += c;
            }
        }
        offsetUs += last + 1 + gapUs;
        return n;
    }

    public long offsetUs() {
        return offsetUs;
    }

    /** Feeds all samples in order, calling {@code after} after each. */
    public void feedAll(StreamLearner learner, List<NmnistSamples.Sample> samples, Runnable after) throws IOException {
        for (NmnistSamples.Sample s : samples) {
            feed(learner, s);
            after.run();
        }
    }
}
