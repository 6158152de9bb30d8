package io.spikestream.ingest.kafka;

import io.spikestream.schemas.DeadLetterReason;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** {@link IngestMetrics} as plain in-memory counters (all topics together). Threadsafe. */
public final class CountingIngestMetrics implements IngestMetrics {

    private final LongAdder polled = new LongAdder();
    private final Map<DeadLetterReason, LongAdder> rejected = new EnumMap<>(DeadLetterReason.class);
    private final LongAdder deadLetterFailures = new LongAdder();
    private final LongAdder pauses = new LongAdder();
    private final LongAdder resumes = new LongAdder();
    private final LongAdder commits = new LongAdder();
    private volatile long consumerLag = -1;
    private volatile Boolean clusterReachable;

    public CountingIngestMetrics() {
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            rejected.put(reason, new LongAdder());
        }
    }

    @Override
    public void recordPolled(String topic) {
        polled.increment();
    }

    @Override
    public void recordRejected(String topic, DeadLetterReason reason) {
        rejected.get(reason).increment();
    }

    @Override
    public void deadLetterFailed(String topic) {
        deadLetterFailures.increment();
    }

    @Override
    public void paused() {
        pauses.increment();
    }

    @Override
    public void resumed() {
        resumes.increment();
    }

    @Override
    public void committed(int partitions) {
        commits.increment();
    }

    @Override
    public void consumerLag(long records) {
        consumerLag = records;
    }

    @Override
    public void clusterReachable(boolean reachable) {
        clusterReachable = reachable;
    }

    /** The last reachability reported, null before the first check. */
    public Boolean clusterReachable() {
        return clusterReachable;
    }

    /** The last lag reported, -1 before the first poll. */
    public long consumerLag() {
        return consumerLag;
    }

    public long polled() {
        return polled.sum();
    }

    public long rejected(DeadLetterReason reason) {
        return rejected.get(reason).sum();
    }

    public long rejectedTotal() {
        return rejected.values().stream().mapToLong(LongAdder::sum).sum();
    }

    public long deadLetterFailures() {
        return deadLetterFailures.sum();
    }

    public long pauses() {
        return pauses.sum();
    }

    public long resumes() {
        return resumes.sum();
    }

    public long commits() {
        return commits.sum();
    }

    @Override
    public String toString() {
        return "polled=" + polled() + " rejected=" + rejectedTotal() + " pauses=" + pauses() + " resumes=" + resumes()
            + " commits=" + commits();
    }
}
