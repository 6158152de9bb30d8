package io.spikestream.ingest.kafka;

import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;

/**
 * Settings of a {@link KafkaRecordSource}.
 *
 * @param topics          topics to subscribe to
 * @param groupId         consumer group; members of one group share the partitions
 * @param maxPollRecords  most records one poll returns, and so the most records the source ever holds that
 *                        downstream has not requested
 * @param pollTimeout     longest a poll blocks; acknowledgements are committed at the latest this much later
 * @param commitInterval  least time between two asynchronous commits
 * @param deadLetterTopic where rejected records go
 * @param metrics         counters
 * @param clock           wall clock for commit pacing
 */
public record SourceOptions(List<String> topics, String groupId, int maxPollRecords, Duration pollTimeout,
                            Duration commitInterval, String deadLetterTopic, IngestMetrics metrics,
                            InstantSource clock) {

    public static final int DEFAULT_MAX_POLL_RECORDS = 500;
    public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(100);
    public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofMillis(200);

    public SourceOptions {
        topics = List.copyOf(topics);
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("no topic to subscribe to");
        }
        Objects.requireNonNull(groupId, "groupId");
        if (maxPollRecords <= 0) {
            throw new IllegalArgumentException("maxPollRecords must be positive");
        }
        Objects.requireNonNull(deadLetterTopic, "deadLetterTopic");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(clock, "clock");
    }

    /** Defaults: 500 records per poll, 100 ms poll timeout, commits every 200 ms, the standard dead-letter topic. */
    public static SourceOptions of(String groupId, String... topics) {
        return new SourceOptions(List.of(topics), groupId, DEFAULT_MAX_POLL_RECORDS, DEFAULT_POLL_TIMEOUT,
            DEFAULT_COMMIT_INTERVAL, Topics.DEAD_LETTER, IngestMetrics.NONE, InstantSource.system());
    }

    public SourceOptions withMaxPollRecords(int n) {
        return new SourceOptions(topics, groupId, n, pollTimeout, commitInterval, deadLetterTopic, metrics, clock);
    }

    public SourceOptions withDeadLetterTopic(String topic) {
        return new SourceOptions(topics, groupId, maxPollRecords, pollTimeout, commitInterval, topic, metrics, clock);
    }

    public SourceOptions withMetrics(IngestMetrics m) {
        return new SourceOptions(topics, groupId, maxPollRecords, pollTimeout, commitInterval, deadLetterTopic, m, clock);
    }

    public SourceOptions withCommitInterval(Duration d) {
        return new SourceOptions(topics, groupId, maxPollRecords, pollTimeout, d, deadLetterTopic, metrics, clock);
    }
}
