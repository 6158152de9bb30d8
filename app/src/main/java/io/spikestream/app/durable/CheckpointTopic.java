package io.spikestream.app.durable;

import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.CheckpointReader;
import io.spikestream.network.checkpoint.CheckpointWriter;
import io.spikestream.schemas.CheckpointRecord;
import io.spikestream.schemas.PartitionOffset;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * Reads the latest checkpoint of a model from the compacted checkpoints topic (what {@link CheckpointPublisher}
 * wrote) and imports it into a store: how another instance takes a model over. Nothing in the record is taken on
 * trust:
 * <ul>
 *   <li>the latest record of a model is the last one written under its key (what compaction keeps), never the one
 *       claiming the highest version: a forged {@code Long.MAX_VALUE} does not win; the store numbers the imported
 *       version itself;</li>
 *   <li>the record, and the checkpoint inside it, must be of the model asked for (it is stored under that id, or
 *       refused);</li>
 *   <li>a payload by URI is read only from a directory the importer names ({@code --payload-dir}: the store both
 *       instances share), as a regular file whose real path (symbolic links resolved) lies inside it; never from an
 *       arbitrary file of the importing host;</li>
 *   <li>the payload must have the recorded size and CRC32C, then pass the store's full verification;</li>
 *   <li>offsets carrying a topic id must be of the topic that has that name now (not of a deleted one);</li>
 *   <li>with a signing key ({@link CheckpointSigner}) the record must carry a valid signature.</li>
 * </ul>
 * Every refusal is a {@link RefusedException} (damage: a {@link CheckpointException}) naming the model, the offset of
 * the record and the reason.
 */
public final class CheckpointTopic {

    private CheckpointTopic() {
    }

    /** A record read from the topic, with where it was. */
    public record Found(CheckpointRecord record, String key, int partition, long offset) {
        String where(String topic) {
            return topic + "[" + partition + "]@" + offset;
        }
    }

    /** What an import trusts: where URI payloads may be read, the signing key, the topic ids of the cluster now. */
    public record Trust(Path payloadDir, CheckpointSigner signer, Map<String, String> topicIds) {
        public static final Trust NONE = new Trust(null, null, Map.of());
    }

    /** The last record written under {@code modelId}'s key on {@code topic}, read from the beginning to the current end. */
    public static Found latest(KafkaEndpoint endpoint, String topic, String modelId, Duration timeout) throws IOException {
        Map<String, Object> config = ClientConfigs.consumer(endpoint, "spikestream-checkpoint-import-" + UUID.randomUUID(), 100);
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 9 << 20);
        Found last = null;
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
                    if (!modelId.equals(r.key()) || r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
                        continue;
                    }
                    if (r.value() == null) {
                        last = null; // a tombstone: the model was withdrawn
                        continue;
                    }
                    SingleObjectCodec<CheckpointRecord> codec = SpikestreamSchemas.codec(CheckpointRecord.class);
                    try {
                        last = new Found(codec.decode(r.value()), r.key(), r.partition(), r.offset());
                    } catch (RecordDecodeException e) {
                        throw new IOException(topic + "[" + r.partition() + "]@" + r.offset() + ": not a checkpoint record: "
                            + e.getMessage(), e);
                    }
                }
            }
        }
        if (last == null) {
            throw new NoSuchFileException(topic, null, "no checkpoint of model '" + modelId + "' on the topic");
        }
        return last;
    }

    /**
     * Imports the record {@code found} on {@code topic} into {@code store} as model {@code modelId}, after the checks of
     * the class comment.
     */
    public static CheckpointStore.Entry importRecord(Found found, String topic, String modelId, CheckpointStore store,
                                                     Trust trust) throws IOException {
        CheckpointRecord r = found.record();
        String where = "checkpoint record " + found.where(topic);
        if (!modelId.equals(r.getModelId()) || !modelId.equals(found.key())) {
            throw refused(where + " is keyed '" + found.key() + "' and names model '" + r.getModelId()
                + "', not the model asked for, '" + modelId + "'");
        }
        where += " of model '" + modelId + "'";
        byte[] bytes = payload(r, where, trust.payloadDir());
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        if (bytes.length != r.getPayloadBytes() || crc.getValue() != r.getChecksum()) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, where + ": payload of " + bytes.length
                + " bytes, CRC32C " + Long.toHexString(crc.getValue()) + "; the record says " + r.getPayloadBytes() + " bytes, "
                + Long.toHexString(r.getChecksum()));
        }
        if (trust.signer() != null && !trust.signer().verify(r, CheckpointSigner.sha256().digest(bytes))) {
            throw refused(where + (r.getSignature() == null ? " is not signed" : " has a signature that does not match")
                + ", and a signing key (" + CheckpointSigner.KEY_PROPERTY + ") is configured");
        }
        for (PartitionOffset o : r.getOffsets()) {
            String now = trust.topicIds().get(o.getTopic());
            if (o.getTopicId() != null && now != null && !now.equals(o.getTopicId())) {
                throw refused(where + ": its offsets are of topic '" + o.getTopic() + "' with id " + o.getTopicId()
                    + ", which was deleted; the topic of that name now has id " + now + " and the offsets do not apply to it");
            }
        }
        Path tmp = Files.createTempFile(store.dir(), CheckpointWriter.TEMP_PREFIX + "import-", "");
        try {
            Files.write(tmp, bytes);
            try (CheckpointReader reader = CheckpointReader.open(tmp)) {
                ModelInfo info = ModelCheckpoint.readInfo(reader);
                if (!modelId.equals(info.modelId())) {
                    throw refused(where + ": the checkpoint inside is of model '" + info.modelId() + "'");
                }
                if (info.version() != r.getVersion()) {
                    throw refused(where + ": the record says version " + r.getVersion() + ", the checkpoint inside is version "
                        + info.version());
                }
            }
            return store.importFile(tmp, modelId);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Topic ids now of every topic the record's offsets name (for {@link Trust#topicIds}). */
    public static Set<String> offsetTopics(Found found) {
        Set<String> topics = new LinkedHashSet<>();
        for (PartitionOffset o : found.record().getOffsets()) {
            topics.add(o.getTopic());
        }
        return topics;
    }

    private static byte[] payload(CheckpointRecord r, String where, Path payloadDir) throws IOException {
        ByteBuffer inline = r.getPayload();
        if (inline != null) {
            byte[] bytes = new byte[inline.remaining()];
            inline.duplicate().get(bytes);
            return bytes;
        }
        String uri = r.getPayloadUri();
        if (uri == null) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, where + " has neither payload nor URI");
        }
        if (payloadDir == null) {
            throw refused(where + " refers to " + uri + "; a payload by URI is read only from a directory given with "
                + "--payload-dir (the checkpoint store both instances share)");
        }
        Path file;
        try {
            URI u = URI.create(uri);
            if (!"file".equals(u.getScheme())) {
                throw refused(where + " refers to " + uri + ", not a file: URI");
            }
            file = Path.of(u);
        } catch (IllegalArgumentException e) {
            throw refused(where + " has a malformed payload URI '" + uri + "': " + e.getMessage());
        }
        Path root = payloadDir.toRealPath();
        Path real;
        try {
            real = file.toRealPath();
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, where + ": its payload file does not exist");
        }
        if (!real.startsWith(root) || !Files.isRegularFile(real)) {
            throw refused(where + " refers to " + uri + ", which is not a regular file inside --payload-dir " + root);
        }
        if (Files.size(real) != r.getPayloadBytes()) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, where + ": payload file " + real + " holds "
                + Files.size(real) + " bytes, the record says " + r.getPayloadBytes());
        }
        return Files.readAllBytes(real);
    }

    /** A refusal: the record is intact but not to be trusted. */
    public static final class RefusedException extends IOException {
        RefusedException(String message) {
            super(message);
        }
    }

    private static RefusedException refused(String message) {
        return new RefusedException(message);
    }
}
