package io.spikestream.app.pipeline;

import io.spikestream.ingest.kafka.SourceSignal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;

/**
 * {@code output.latency_trace}: where the time between an event's send and its prediction goes. The pipeline tells it
 * which record the learner is applying ({@link #applying}); a tick that record closes is published with a header
 * {@value #HEADER} naming the stages of the record that closed it, as wall-clock times on this machine:
 * <pre>produced_ms=P polled_us=Q applied_us=A published_us=B trigger=TOPIC-PARTITION@OFFSET</pre>
 * P is the record's Kafka timestamp (the producer's send time under the topic's default {@code CreateTime}), Q when the
 * learner's consumer poll returned it, A when the learner thread started applying it, B when the prediction was handed
 * to the predictions producer (its {@code linger.ms} and the broker follow). Predictions not caused by a record (the
 * idle timeout moving a quiet sensor on) carry no header. A consumer on the same machine (the latency benchmark) reads
 * the remaining stage, B to arrival, from its own clock.
 *
 * <p>Learner thread only; no allocation unless a prediction is published.
 */
public final class LatencyTrace {

    /** The Kafka header of a traced prediction. */
    public static final String HEADER = "spikestream.stages";

    private final InstantSource clock;
    private boolean active;
    private long producedMs;
    private long polledUs;
    private long appliedUs;
    private SourceSignal.Record<?> record;

    public LatencyTrace(InstantSource clock) {
        this.clock = clock;
    }

    /** The learner starts applying {@code r}. */
    void applying(SourceSignal.Record<?> r) {
        active = true;
        record = r;
        producedMs = r.timestampMs();
        polledUs = r.polledUs();
        appliedUs = nowUs();
    }

    /** The learner is done with the record of the last {@link #applying}. */
    void applied() {
        active = false;
        record = null;
    }

    /** The header value for a prediction published now, or null when no record is being applied. */
    public byte[] header() {
        if (!active) {
            return null;
        }
        return ("produced_ms=" + producedMs + " polled_us=" + polledUs + " applied_us=" + appliedUs + " published_us="
            + nowUs() + " trigger=" + record).getBytes(StandardCharsets.US_ASCII);
    }

    private long nowUs() {
        Instant t = clock.instant();
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }
}
