import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * benchmarks/soak.sh's probe (run as a single-file program on the app's class path): prints "committed END" for a
 * consumer group on a topic, each summed over the topic's partitions (committed -1 when the group has none yet).
 * Usage: java -cp CP CommittedOffsets.java BOOTSTRAP GROUP TOPIC
 */
public class CommittedOffsets {
    public static void main(String[] args) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(args[1])
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            int partitions = admin.describeTopics(java.util.List.of(args[2])).allTopicNames().get(30, TimeUnit.SECONDS)
                .get(args[2]).partitions().size();
            Map<TopicPartition, OffsetSpec> q = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                q.put(new TopicPartition(args[2], p), OffsetSpec.latest());
            }
            long end = 0;
            for (var e : admin.listOffsets(q).all().get(30, TimeUnit.SECONDS).values()) {
                end += e.offset();
            }
            long sum = -1;
            for (var e : committed.entrySet()) {
                if (e.getKey().topic().equals(args[2]) && e.getValue() != null) {
                    sum = Math.max(sum, 0) + e.getValue().offset();
                }
            }
            System.out.println(sum + " " + end);
        }
    }
}
