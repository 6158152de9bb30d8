package io.spikestream.ingest.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The topics spikestream reads and writes, with their partitioning and retention. Every record is keyed by
 * sensor id (checkpoints: by model id), so the default partitioner keeps each sensor's records in one partition,
 * in order. The replication factor is left to the broker's {@code default.replication.factor}, so the same
 * definitions fit the one-node embedded broker and a real cluster.
 */
public final class Topics {

    public static final String EVENTS = "spikestream.events";
    public static final String LABELS = "spikestream.labels";
    public static final String PREDICTIONS = "spikestream.predictions";
    public static final String CHECKPOINTS = "spikestream.checkpoints";
    public static final String DEAD_LETTER = "spikestream.deadletter";

    /** Default partition count of the keyed data topics. */
    public static final int DEFAULT_PARTITIONS = 4;

    private static final long HOUR_MS = 3_600_000L;
    private static final long DAY_MS = 24 * HOUR_MS;

    private Topics() {
    }

    /** A topic's definition. */
    public record Spec(String name, int partitions, Map<String, String> configs) {

        /** The same definition under another name (tests, or several pipelines on one cluster). */
        public Spec named(String newName) {
            return new Spec(newName, partitions, configs);
        }

        NewTopic toNewTopic() {
            return new NewTopic(name, Optional.of(partitions), Optional.empty()).configs(configs);
        }
    }

    /**
     * The standard topics:
     * <ul>
     *   <li>events: 24 h retention (raw spikes are replayable from files; live ones are consumed within seconds),
     *       lz4-compressed batches, up to 8 MiB per record;</li>
     *   <li>labels and predictions: 7 days;</li>
     *   <li>checkpoints: compacted, one partition, so the latest checkpoint per model id is kept forever;</li>
     *   <li>dead letters: 30 days, one partition, for inspection by hand.</li>
     * </ul>
     */
    public static List<Spec> standard(int partitions) {
        return List.of(
            new Spec(EVENTS, partitions, Map.of(
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(DAY_MS),
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(8 << 20))),
            new Spec(LABELS, partitions, Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(7 * DAY_MS))),
            new Spec(PREDICTIONS, partitions, Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(7 * DAY_MS))),
            new Spec(CHECKPOINTS, 1, Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(8 << 20))),
            new Spec(DEAD_LETTER, 1, Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(30 * DAY_MS))));
    }

    /** Creates the topics that do not exist yet; existing ones are left as they are. Returns the names created. */
    public static List<String> ensure(KafkaEndpoint endpoint, Collection<Spec> specs) {
        try (Admin admin = Admin.create(ClientConfigs.admin(endpoint))) {
            return ensure(admin, specs);
        }
    }

    public static List<String> ensure(Admin admin, Collection<Spec> specs) {
        List<String> created = new ArrayList<>();
        try {
            var existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = specs.stream().filter(s -> !existing.contains(s.name()))
                .map(Spec::toNewTopic).toList();
            if (missing.isEmpty()) {
                return created;
            }
            var result = admin.createTopics(missing);
            for (var entry : result.values().entrySet()) {
                try {
                    entry.getValue().get(30, TimeUnit.SECONDS);
                    created.add(entry.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + entry.getKey() + ": " + e.getCause(), e);
                    }
                }
            }
            return created;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot list or create topics on the cluster: " + e, e);
        }
    }
}
