package io.spikestream.app.durable;

import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Kafka's id of a topic: a topic deleted and created again under the same name gets a new one, and its offsets start
 * again at 0. Offsets recorded in checkpoints only mean something together with the id of the topic they were taken
 * in; see {@link TopicBinding} and {@link CheckpointTopic}.
 */
public final class TopicIds {

    private TopicIds() {
    }

    /** Topic name -> id (Kafka's base64 UUID form) of the topics that exist; absent names are left out. */
    public static Map<String, String> of(KafkaEndpoint endpoint, Collection<String> topics) {
        try (Admin admin = Admin.create(ClientConfigs.admin(endpoint))) {
            return of(admin, topics);
        }
    }

    static Map<String, String> of(Admin admin, Collection<String> topics) {
        Map<String, String> ids = new LinkedHashMap<>();
        for (String topic : topics) {
            try {
                TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
                ids.put(topic, d.topicId().toString());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw new IllegalStateException("cannot describe topic '" + topic + "': " + e.getCause(), e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while describing topic '" + topic + "'", e);
            } catch (TimeoutException e) {
                throw new IllegalStateException("timed out describing topic '" + topic + "'", e);
            }
        }
        return ids;
    }
}
