package io.spikestream.app.durable;

import io.spikestream.ingest.kafka.KafkaEndpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.Map;
import java.util.Properties;

/**
 * Ties a checkpoint store to the topics its offsets were taken in. The first durable start records each input topic's
 * Kafka id in {@code DIR/topics.properties}; every later start compares: a topic deleted and created again under the
 * same name (new id, offsets from 0 again) is refused with a clear reason, because the models' checkpointed offsets
 * would otherwise make them skip that many records of the new topic silently. A topic that is not there yet is bound
 * once it exists.
 */
public final class TopicBinding {

    /** File in the checkpoint store: topic name = topic id. */
    public static final String FILE = "topics.properties";

    private TopicBinding() {
    }

    /**
     * Checks (and records on first sight) the ids of {@code topics} against {@code storeDir}.
     *
     * @throws IllegalStateException naming the topic and both ids when one was recreated
     */
    public static void verify(KafkaEndpoint endpoint, Path storeDir, Collection<String> topics) throws IOException {
        verify(storeDir, TopicIds.of(endpoint, topics));
    }

    static void verify(Path storeDir, Map<String, String> current) throws IOException {
        Path file = storeDir.resolve(FILE);
        Properties bound = new Properties();
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                bound.load(in);
            }
        }
        boolean changed = false;
        for (Map.Entry<String, String> e : current.entrySet()) {
            String before = bound.getProperty(e.getKey());
            if (before == null) {
                bound.setProperty(e.getKey(), e.getValue());
                changed = true;
            } else if (!before.equals(e.getValue())) {
                throw new IllegalStateException("topic '" + e.getKey() + "' was deleted and created again since the "
                    + "checkpoints in " + storeDir + " were taken (its id was " + before + ", now " + e.getValue()
                    + "): their offsets do not apply to the new topic and the models would skip its first records; "
                    + "start with a new checkpoint directory");
            }
        }
        if (changed) {
            Files.createDirectories(storeDir);
            Path tmp = Files.createTempFile(storeDir, ".topics-", ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                bound.store(out, "Kafka topic ids the offsets of these checkpoints belong to (see TopicBinding)");
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
