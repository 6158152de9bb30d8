package io.spikestream.app.durable;

import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.schemas.CheckpointRecord;
import io.spikestream.schemas.PartitionOffset;
import io.spikestream.schemas.SingleObjectCodec;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * Publishes every durable checkpoint to the compacted checkpoints topic as a {@link CheckpointRecord} keyed by
 * model id, so that compaction keeps the latest checkpoint of every model and another instance can take a model over
 * ({@code checkpoint import --from-topic}). The checkpoint travels inline when it fits ({@code inlineLimit} bytes,
 * below the topic's 8 MiB message limit); a larger one is referenced by its file URI (a store both instances can
 * read). Either way the record carries the size and the CRC32C of the file.
 *
 * <p>Every offset carries the Kafka id of its topic ({@link TopicIds}), and with a {@link CheckpointSigner} every
 * record an HMAC signature, so that an importer can refuse offsets of a deleted topic and records it cannot trust.
 *
 * <p>Published after the file is durable, asynchronously: the disk copy is the source of truth, so a failed send is
 * logged and counted and never stops learning. Called on the learner thread (a registry listener).
 */
public final class CheckpointPublisher implements Consumer<ModelRegistry.Written>, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointPublisher.class);

    /** Default largest checkpoint sent inline (the checkpoints topic allows 8 MiB messages). */
    public static final int DEFAULT_INLINE_LIMIT = 7 << 20;

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final int inlineLimit;
    private final SingleObjectCodec<CheckpointRecord> codec = SpikestreamSchemas.codec(CheckpointRecord.class);
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final CheckpointSigner signer;
    private final KafkaEndpoint endpoint;
    private final Map<String, String> topicIds = new java.util.concurrent.ConcurrentHashMap<>();

    public CheckpointPublisher(KafkaEndpoint endpoint, String topic, int inlineLimit) {
        this(endpoint, topic, inlineLimit, null);
    }

    /**
     * @param signer signs every record ({@link CheckpointSigner}); null publishes unsigned records
     */
    public CheckpointPublisher(KafkaEndpoint endpoint, String topic, int inlineLimit, CheckpointSigner signer) {
        Map<String, Object> config = ClientConfigs.producer(endpoint, "spikestream-checkpoints");
        config.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 << 20);
        this.producer = new KafkaProducer<>(config);
        this.topic = topic;
        this.inlineLimit = inlineLimit;
        this.signer = signer;
        this.endpoint = endpoint;
    }

    /** The id of an input topic, looked up once (offsets are tied to it; null when it cannot be looked up). */
    private String topicId(String name) {
        return topicIds.computeIfAbsent(name, n -> {
            try {
                return TopicIds.of(endpoint, List.of(n)).get(n);
            } catch (RuntimeException e) {
                LOG.warn("cannot look up the id of topic {} for published checkpoints: {}", n, e.toString());
                return null;
            }
        });
    }

    @Override
    public void accept(ModelRegistry.Written w) {
        byte[] bytes;
        long size;
        CRC32C crc = new CRC32C();
        java.security.MessageDigest sha256 = CheckpointSigner.sha256();
        try {
            size = Files.size(w.file());
            if (size <= inlineLimit) {
                bytes = Files.readAllBytes(w.file());
                crc.update(bytes);
                sha256.update(bytes);
            } else {
                bytes = null;
                try (var in = Files.newInputStream(w.file())) {
                    byte[] buf = new byte[1 << 20];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        crc.update(buf, 0, n);
                        sha256.update(buf, 0, n);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + w.file() + " to publish it", e);
        }
        List<PartitionOffset> offsets = new ArrayList<>();
        for (InputPosition p : w.positions()) {
            offsets.add(new PartitionOffset(p.topic(), p.partition(), p.next(), topicId(p.topic())));
        }
        CheckpointRecord r = CheckpointRecord.newBuilder()
            .setModelId(w.info().modelId())
            .setVersion(w.info().version())
            .setStreamTimeUs(w.info().streamTimeUs())
            .setOffsets(offsets)
            .setPayload(bytes == null ? null : ByteBuffer.wrap(bytes))
            .setPayloadUri(bytes == null ? w.file().toUri().toString() : null)
            .setPayloadBytes(size)
            .setChecksum(crc.getValue())
            .build();
        if (signer != null) {
            r.setSignature(ByteBuffer.wrap(signer.sign(r, sha256.digest())));
        }
        producer.send(new ProducerRecord<>(topic, w.info().modelId(), codec.encode(r)), (md, error) -> {
            if (error == null) {
                published.incrementAndGet();
            } else {
                failed.incrementAndGet();
                LOG.warn("cannot publish checkpoint {} of model '{}' to {} (the file stays the reference): {}",
                    w.info().version(), w.info().modelId(), topic, error.toString());
            }
        });
    }

    public long published() {
        return published.get();
    }

    public long failed() {
        return failed.get();
    }

    /** Waits for the sends in flight. */
    @Override
    public void close() {
        producer.flush();
        producer.close();
    }
}
