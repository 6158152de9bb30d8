package io.spikestream.app.durable;

import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.CheckpointWriter;
import io.spikestream.schemas.CheckpointRecord;
import io.spikestream.schemas.RecordDecodeException;
import io.spikestream.schemas.SingleObjectCodec;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * Reads the latest checkpoint of a model from the compacted checkpoints topic (what {@link CheckpointPublisher}
 * wrote) and imports it into a store: how another instance takes a model over. The payload (inline, or the file its
 * URI names) must have the recorded size and CRC32C, and then passes the store's full verification.
 */
public final class CheckpointTopic {

    private CheckpointTopic() {
    }

    /** The newest record of {@code modelId} on {@code topic}, read from the beginning to the current end. */
    public static CheckpointRecord latest(KafkaEndpoint endpoint, String topic, String modelId, Duration timeout)
        throws IOException {
        Map<String, Object> config = ClientConfigs.consumer(endpoint, "spikestream-checkpoint-import-" + UUID.randomUUID(), 100);
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 9 << 20);
        SingleObjectCodec<CheckpointRecord> codec = SpikestreamSchemas.codec(CheckpointRecord.class);
        CheckpointRecord best = null;
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(config)) {
            List<PartitionInfo> infos = c.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new NoSuchFileException(topic, null, "no such topic");
            }
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo i : infos) {
                parts.add(new TopicPartition(topic, i.partition()));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("timed out reading " + topic);
                }
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (!modelId.equals(r.key()) || r.value() == null) {
                        continue;
                    }
                    try {
                        CheckpointRecord cr = codec.decode(r.value());
                        if (best == null || cr.getVersion() >= best.getVersion()) {
                            best = cr;
                        }
                    } catch (RecordDecodeException e) {
                        throw new IOException(topic + "[" + r.partition() + "]@" + r.offset() + ": not a checkpoint record: "
                            + e.getMessage(), e);
                    }
                }
            }
        }
        if (best == null) {
            throw new NoSuchFileException(topic, null, "no checkpoint of model '" + modelId + "' on the topic");
        }
        return best;
    }

    /** Imports a checkpoint record into {@code store} (under {@code newId}, or its own model id). */
    public static CheckpointStore.Entry importRecord(CheckpointRecord r, CheckpointStore store, String newId) throws IOException {
        Path tmp = Files.createTempFile(store.dir(), CheckpointWriter.TEMP_PREFIX + "import-", "");
        try {
            byte[] bytes;
            ByteBuffer payload = r.getPayload();
            if (payload != null) {
                bytes = new byte[payload.remaining()];
                payload.duplicate().get(bytes);
            } else if (r.getPayloadUri() != null) {
                bytes = Files.readAllBytes(Path.of(URI.create(r.getPayloadUri())));
            } else {
                throw new CheckpointException(CheckpointException.Kind.CORRUPT, "checkpoint record of model '" + r.getModelId()
                    + "' version " + r.getVersion() + " has neither payload nor URI");
            }
            CRC32C crc = new CRC32C();
            crc.update(bytes);
            if (bytes.length != r.getPayloadBytes() || crc.getValue() != r.getChecksum()) {
                throw new CheckpointException(CheckpointException.Kind.CORRUPT, "checkpoint record of model '" + r.getModelId()
                    + "' version " + r.getVersion() + ": payload of " + bytes.length + " bytes, CRC32C " + Long.toHexString(crc.getValue())
                    + "; the record says " + r.getPayloadBytes() + " bytes, " + Long.toHexString(r.getChecksum()));
            }
            Files.write(tmp, bytes);
            return store.importFile(tmp, newId != null ? newId : r.getModelId());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
