package io.spikestream.ingest.kafka;

import io.spikestream.schemas.DeadLetter;
import io.spikestream.schemas.DeadLetterReason;
import io.spikestream.schemas.SingleObjectCodec;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Writes rejected records to the dead-letter topic so that a bad record never stops or stalls the consumer:
 * <ul>
 *   <li><b>The topic is there before the first record is read.</b> {@link #open} creates it (with the standard
 *       dead-letter settings, {@link Topics#standard}) when absent, and fails at once, naming the topic, when it can
 *       neither find nor create it: a Kafka producer would otherwise block in {@code send} for {@code max.block.ms}
 *       (60 s) on every bad record, waiting for metadata of a topic that never comes. A principal not authorized to
 *       describe or create topics gets a warning instead (the topic may exist), and letters are retried.</li>
 *   <li><b>Every letter fits.</b> A letter is one Kafka request of at most {@link #MAX_LETTER_BYTES}, below the
 *       producer's and the broker's default 1 MiB limits. A rejected record larger than that (the events topic takes
 *       8 MiB records) keeps the first {@link #KEPT_VALUE_BYTES} bytes of its value, {@code valueTruncated = true} and
 *       {@code valueBytes} = its full length; keys and reasons are cut likewise. Without this the write would fail
 *       with RecordTooLargeException for ever and the partition's commits would stop behind the record.</li>
 *   <li><b>The consumer thread never blocks on it.</b> Sends run on the writer's own thread ({@code max.block.ms}
 *       bounded at {@link #MAX_BLOCK_MS}); the callback tells the source when the letter is durable, and only then is
 *       the record acknowledged.</li>
 *   <li><b>A failed letter is retried, not forgotten.</b> A letter that cannot be written (the topic deleted while
 *       running, the cluster down) is counted ({@link IngestMetrics#deadLetterFailed}), logged (the first failure and
 *       every {@value #LOG_EVERY}th) and sent again after a backoff doubling from {@link #FIRST_RETRY_MS} to
 *       {@link #MAX_RETRY_MS}, for as long as the writer is open: its partition's commits wait behind it and resume
 *       once the topic is back, without a restart. Letters still waiting at close are dropped; their records were
 *       never acknowledged, so they are read (and rejected) again after a restart.</li>
 * </ul>
 * Threadsafe.
 */
public final class DeadLetterWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterWriter.class);

    /** Largest encoded letter; Kafka's defaults (max.request.size, message.max.bytes) are 1 MiB with record overhead. */
    public static final int MAX_LETTER_BYTES = 1_000_000;
    /** Bytes of the value kept when a whole letter would exceed {@link #MAX_LETTER_BYTES}. */
    public static final int KEPT_VALUE_BYTES = 64 * 1024;
    /** Longest key (UTF-8 bytes) and reason (characters) a letter keeps. */
    public static final int MAX_KEY_BYTES = 1024;
    public static final int MAX_REASON_CHARS = 8 * 1024;
    /** Longest a send may wait for metadata or buffer space (on the writer's thread). */
    public static final long MAX_BLOCK_MS = 10_000;
    /** Longest the producer keeps retrying one send itself before the callback reports it failed. */
    static final int DELIVERY_TIMEOUT_MS = 20_000;
    static final long FIRST_RETRY_MS = 500;
    static final long MAX_RETRY_MS = 30_000;
    static final int LOG_EVERY = 20;

    private final String topic;
    private final IngestMetrics metrics;
    private final Producer<String, byte[]> producer;
    private final java.util.concurrent.ScheduledExecutorService sender;
    private final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean closed;
    private final SingleObjectCodec<DeadLetter> codec = SpikestreamSchemas.codec(DeadLetter.class);

    private DeadLetterWriter(String topic, IngestMetrics metrics, Producer<String, byte[]> producer) {
        this.topic = topic;
        this.metrics = metrics;
        this.producer = producer;
        this.sender = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "deadletter-" + topic);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Makes sure {@code topic} exists (creating it when absent) and opens its producer.
     *
     * @throws IllegalStateException naming the topic when it neither exists nor can be created
     */
    public static DeadLetterWriter open(KafkaEndpoint endpoint, String topic, String clientId, IngestMetrics metrics) {
        try (Admin admin = Admin.create(ClientConfigs.admin(endpoint))) {
            Topics.Spec spec = Topics.standard(1).stream().filter(s -> s.name().equals(Topics.DEAD_LETTER)).findFirst()
                .orElseThrow().named(topic);
            List<String> created = Topics.ensure(admin, List.of(spec));
            if (!created.isEmpty()) {
                LOG.info("created the dead-letter topic {}", topic);
            }
        } catch (RuntimeException e) {
            if (notAuthorized(e)) {
                // a locked-down cluster may hide topics from this principal and forbid creating them; the topic may
                // well exist, and a missing one costs retried letters on the writer's thread, never the consumer
                LOG.warn("not authorized to check or create the dead-letter topic {}; assuming it exists: {}", topic,
                    e.getMessage());
            } else {
                throw new IllegalStateException("dead-letter topic '" + topic + "' does not exist and cannot be created ("
                    + e.getMessage() + "); create it or choose another dead-letter topic", e);
            }
        }
        Map<String, Object> config = ClientConfigs.producer(endpoint, clientId);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, MAX_BLOCK_MS);
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1 << 20);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, DELIVERY_TIMEOUT_MS);
        return new DeadLetterWriter(topic, metrics, new KafkaProducer<>(config));
    }

    private static boolean notAuthorized(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.AuthorizationException) {
                return true;
            }
        }
        return false;
    }

    public String topic() {
        return topic;
    }

    /**
     * Queues the dead letter of {@code record}; {@code written} runs (on a producer thread) once it is durable.
     * Never blocks and never throws for any record.
     */
    public void write(ConsumerRecord<String, byte[]> record, DeadLetterReason reason, String why, Runnable written) {
        String where = record.topic() + "[" + record.partition() + "]@" + record.offset();
        DeadLetter letter = letter(record, reason, where + ": " + why);
        byte[] value = codec.encode(letter);
        if (value.length > MAX_LETTER_BYTES) {
            // only a pathological reason or key could get here after fitting the value; keep the coordinates only
            letter.setKey(null);
            letter.setReason(cut(letter.getReason(), 512));
            value = codec.encode(letter);
        }
        Letter l = new Letter(record.topic(), where, cutKey(record.key()), value, written);
        sender.execute(() -> send(l, FIRST_RETRY_MS));
    }

    private record Letter(String originTopic, String where, String key, byte[] value, Runnable written) {
    }

    /** Sends on the writer's thread; on failure schedules the next attempt after {@code backoffMs}. */
    private void send(Letter l, long backoffMs) {
        if (closed) {
            return;
        }
        try {
            producer.send(new ProducerRecord<>(topic, l.key(), l.value()), (metadata, error) -> {
                if (error == null) {
                    l.written().run();
                } else {
                    failed(l, backoffMs, error);
                }
            });
        } catch (RuntimeException e) {
            failed(l, backoffMs, e);
        }
    }

    private void failed(Letter l, long backoffMs, Throwable error) {
        metrics.deadLetterFailed(l.originTopic());
        long n = failures.incrementAndGet();
        if (n == 1 || n % LOG_EVERY == 0) {
            LOG.error("cannot write the dead letter of {} to {} ({} failures so far); retrying in {} ms, its offset stays "
                + "uncommitted until then: {}", l.where(), topic, n, backoffMs, error.toString());
        }
        if (!closed) {
            try {
                sender.schedule(() -> send(l, Math.min(MAX_RETRY_MS, backoffMs * 2)), backoffMs, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException shutDown) {
                // closing: the record was never acknowledged and is read again after a restart
            }
        }
    }

    /** The letter of a rejected record, shortened to fit {@link #MAX_LETTER_BYTES} (see the class comment). */
    static DeadLetter letter(ConsumerRecord<String, byte[]> record, DeadLetterReason reason, String why) {
        byte[] value = record.value();
        byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
        long fixed = 256 + (key == null ? 0 : key.length) + why.length() * 3L;
        boolean truncate = value != null && value.length + fixed > MAX_LETTER_BYTES;
        String reasonText = why;
        if (truncate) {
            reasonText = why + " (dead letter keeps the first " + KEPT_VALUE_BYTES + " of " + value.length + " value bytes)";
        }
        return DeadLetter.newBuilder()
            .setOriginTopic(record.topic())
            .setOriginPartition(record.partition())
            .setOriginOffset(record.offset())
            .setOriginTimestampMs(record.timestamp())
            .setReasonCode(reason)
            .setReason(cut(reasonText, MAX_REASON_CHARS))
            .setKey(key == null ? null : ByteBuffer.wrap(key.length > MAX_KEY_BYTES ? Arrays.copyOf(key, MAX_KEY_BYTES) : key))
            .setValue(value == null ? null : ByteBuffer.wrap(truncate ? Arrays.copyOf(value, KEPT_VALUE_BYTES) : value))
            .setValueBytes(value == null ? -1 : value.length)
            .setValueTruncated(truncate || (key != null && key.length > MAX_KEY_BYTES))
            .build();
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "... (" + (s.length() - max) + " more characters)";
    }

    /** The dead letter's Kafka key: the record's key, cut to {@link #MAX_KEY_BYTES} bytes' worth of characters. */
    private static String cutKey(String key) {
        if (key == null || key.length() <= MAX_KEY_BYTES / 4) {
            return key;
        }
        byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
        return utf8.length <= MAX_KEY_BYTES ? key : key.substring(0, MAX_KEY_BYTES / 4);
    }

    /** Waits for the letters queued and in flight (their callbacks have run when this returns). */
    public void flush() {
        try {
            sender.submit(() -> { }).get(MAX_BLOCK_MS * 2, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warn("dead letters still queued for {}: {}", topic, e.toString());
        }
        producer.flush();
    }

    @Override
    public void close() {
        flush();
        closed = true;
        sender.shutdownNow(); // retries still waiting are dropped (see the class comment)
        producer.close();
    }
}
