package io.spikestream.sinks.kafka;

import io.spikestream.schemas.Prediction;
import io.spikestream.schemas.SingleObjectSerializer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Publishes predictions to a Kafka topic (default {@value Config#DEFAULT_TOPIC}) as Avro {@link Prediction}
 * records in single-object encoding (the {@code schemas} module's serde), keyed by sensor id so that each
 * sensor's predictions stay in order in one partition.
 *
 * <p>Sends are asynchronous with at most {@code maxInFlight} unacknowledged records: {@link #publish} blocks the
 * caller while that many are outstanding, so a slow or absent broker slows the learner down instead of filling
 * memory. The producer is idempotent with {@code acks=all} (these two override the pass-through properties):
 * retries neither duplicate nor reorder a sensor's predictions. Each record ends either acknowledged
 * ({@link #sent()}) or failed ({@link #failed()}, with {@link #lastFailure()}); a failure is logged and counted,
 * never thrown at the learner.
 *
 * <p>Threadsafe ({@link KafkaProducer} is); usually one learner thread publishes. {@link #close()} flushes first.
 */
public final class PredictionPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PredictionPublisher.class);

    /**
     * Where and how to publish.
     *
     * @param bootstrapServers the cluster, {@code host:port[,host:port...]}
     * @param topic            the predictions topic
     * @param modelId          written into every record's {@code modelId}
     * @param maxInFlight      most records sent but not yet acknowledged or failed
     * @param timeout          longest wait in {@link #flush()} and {@link #close()}
     * @param properties       producer properties passed through (e.g. {@code compression.type}, security);
     *                         {@code acks}, {@code enable.idempotence} and the serializers are set here
     */
    public record Config(String bootstrapServers, String topic, String modelId, int maxInFlight, Duration timeout,
                         Map<String, String> properties) {

        public static final String DEFAULT_TOPIC = "spikestream.predictions";
        public static final int DEFAULT_MAX_IN_FLIGHT = 1024;
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

        public Config {
            Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(modelId, "modelId");
            Objects.requireNonNull(timeout, "timeout");
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("maxInFlight must be at least 1, was " + maxInFlight);
            }
            properties = Map.copyOf(properties);
        }

        /** Defaults: topic {@value #DEFAULT_TOPIC}, {@value #DEFAULT_MAX_IN_FLIGHT} in flight, 30 s timeout. */
        public static Config of(String bootstrapServers, String modelId) {
            return new Config(bootstrapServers, DEFAULT_TOPIC, modelId, DEFAULT_MAX_IN_FLIGHT, DEFAULT_TIMEOUT, Map.of());
        }

        public Config withTopic(String newTopic) {
            return new Config(bootstrapServers, newTopic, modelId, maxInFlight, timeout, properties);
        }

        public Config withMaxInFlight(int newMaxInFlight) {
            return new Config(bootstrapServers, topic, modelId, newMaxInFlight, timeout, properties);
        }

        public Config withTimeout(Duration newTimeout) {
            return new Config(bootstrapServers, topic, modelId, maxInFlight, newTimeout, properties);
        }

        public Config withProperties(Map<String, String> newProperties) {
            return new Config(bootstrapServers, topic, modelId, maxInFlight, timeout, newProperties);
        }

        /**
         * The producer's {@code linger.ms} ({@code output.linger_ms}), overriding a pass-through one: how long a
         * prediction may wait for others to share its request (0: none; the default here is 5 ms).
         */
        public Config withLingerMs(long lingerMs) {
            if (lingerMs < 0) {
                throw new IllegalArgumentException("linger (output.linger_ms) must be >= 0, was " + lingerMs);
            }
            Map<String, String> p = new HashMap<>(properties);
            p.put(ProducerConfig.LINGER_MS_CONFIG, Long.toString(lingerMs));
            return withProperties(p);
        }

        /** The producer configuration: pass-through properties, then defaults, then what correctness needs. */
        Map<String, Object> producerConfig() {
            Map<String, Object> config = new HashMap<>(properties);
            config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "spikestream-predictions-" + modelId);
            config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
            config.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            return config;
        }
    }

    private final Config config;
    private final Producer<String, Prediction> producer;
    private final Semaphore permits;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Throwable> lastFailure = new AtomicReference<>();
    private volatile boolean closed;

    private PredictionPublisher(Config config, Producer<String, Prediction> producer) {
        this.config = config;
        this.producer = producer;
        this.permits = new Semaphore(config.maxInFlight());
    }

    /** Creates the producer (it connects lazily, on the first send). */
    public static PredictionPublisher create(Config config) {
        KafkaProducer<String, Prediction> producer = new KafkaProducer<>(config.producerConfig(),
            new StringSerializer(), new SingleObjectSerializer<>());
        return new PredictionPublisher(config, producer);
    }

    public Config config() {
        return config;
    }

    /**
     * Sends one prediction, waiting first while {@code maxInFlight} records are unacknowledged.
     *
     * @return true when the producer took the record; false when it failed at once (counted in {@link #failed()})
     *         or the calling thread was interrupted while waiting (its interrupt flag is set again)
     * @throws IllegalStateException after {@link #close()}
     */
    public boolean publish(WindowPrediction prediction) {
        return publish(prediction, null, null);
    }

    /**
     * As {@link #publish(WindowPrediction)}, with one Kafka header on the record ({@code headerName} = {@code headerValue};
     * none when either is null): the latency trace of {@code output.latency_trace}.
     */
    public boolean publish(WindowPrediction prediction, String headerName, byte[] headerValue) {
        if (closed) {
            throw new IllegalStateException("publisher of topic " + config.topic() + " is closed");
        }
        Prediction record = PredictionRecords.toAvro(prediction, config.modelId());
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(prediction.sensorId(), e);
            return false;
        }
        try {
            ProducerRecord<String, Prediction> pr = new ProducerRecord<>(config.topic(), prediction.sensorId(), record);
            if (headerName != null && headerValue != null) {
                pr.headers().add(headerName, headerValue);
            }
            producer.send(pr, (metadata, error) -> {
                permits.release();
                if (error == null) {
                    sent.incrementAndGet();
                } else {
                    fail(prediction.sensorId(), error);
                }
            });
            return true;
        } catch (RuntimeException e) {
            // Serialization and a closed or fenced producer fail here rather than in the callback.
            permits.release();
            fail(prediction.sensorId(), e);
            return false;
        }
    }

    private void fail(String sensorId, Throwable error) {
        long n = failed.incrementAndGet();
        lastFailure.set(error);
        if (n == 1 || n % 1000 == 0) {
            LOG.warn("prediction of sensor {} not published to {} ({} failed so far): {}", sensorId, config.topic(),
                n, error.toString());
        }
    }

    /**
     * Sends everything buffered and waits until each published record is acknowledged or failed.
     *
     * @return true when nothing is left in flight; false when the timeout passed first
     */
    public boolean flush() {
        producer.flush();
        try {
            if (permits.tryAcquire(config.maxInFlight(), config.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                permits.release(config.maxInFlight());
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** Records acknowledged by the cluster. */
    public long sent() {
        return sent.get();
    }

    /** Records that could not be published. */
    public long failed() {
        return failed.get();
    }

    /** Records published but not yet acknowledged or failed. */
    public int inFlight() {
        return config.maxInFlight() - permits.availablePermits();
    }

    /** The latest failure, or null when none. */
    public Throwable lastFailure() {
        return lastFailure.get();
    }

    /** Flushes, then closes the producer (waiting at most the configured timeout). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean drained = flush();
        producer.close(config.timeout());
        if (!drained) {
            LOG.warn("closed the predictions publisher with {} records in flight", inFlight());
        }
        LOG.info("predictions to {}: {} sent, {} failed", config.topic(), sent(), failed());
    }
}
