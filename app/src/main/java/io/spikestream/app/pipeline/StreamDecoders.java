package io.spikestream.app.pipeline;

import io.spikestream.ingest.kafka.StreamItemDecoder;
import io.spikestream.learner.Settings;

/**
 * The events topic's decoder for a learner of the given settings, shared by every command that learns from the topic
 * ({@code learn}, {@code run}): labels no such learner could use (a class outside {@code supervision.classes}, an
 * interval longer than {@code time.max_label_us}; in continuous time, no class) are refused as bad records and
 * dead-lettered with their reason, instead of stopping the learner on every restart. The interval bound holds in
 * {@code per_window} mode too: a window's events are placed up to {@code interval * steps_per_window / window_norm_us}
 * steps ahead in the learner's input ring, so a window of days would grow that ring to gigabytes; with the default
 * 10 s it stays under 9,000 steps.
 */
public final class StreamDecoders {

    private StreamDecoders() {
    }

    public static StreamItemDecoder forLearner(Settings s) {
        boolean continuous = s.s("time.mode").equals("continuous");
        return StreamItemDecoder.withLabelChecks(s.i("supervision.classes"), s.l("time.max_label_us"), continuous);
    }
}
