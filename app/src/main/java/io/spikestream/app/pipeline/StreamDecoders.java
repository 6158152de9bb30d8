package io.spikestream.app.pipeline;

import io.spikestream.ingest.kafka.StreamItemDecoder;
import io.spikestream.learner.Settings;

/**
 * The events topic's decoder for a learner of the given settings, shared by every command that learns from the topic
 * ({@code learn}, {@code run}): labels no such learner could use (a class outside {@code supervision.classes}; in
 * continuous time, no class or an interval longer than {@code time.max_label_us}) are refused as bad records and
 * dead-lettered with their reason, instead of stopping the learner on every restart.
 */
public final class StreamDecoders {

    private StreamDecoders() {
    }

    public static StreamItemDecoder forLearner(Settings s) {
        boolean continuous = s.s("time.mode").equals("continuous");
        return StreamItemDecoder.withLabelChecks(s.i("supervision.classes"),
            continuous ? s.l("time.max_label_us") : Long.MAX_VALUE, continuous);
    }
}
