package io.spikestream.ingest.bridge;

import io.spikestream.ingest.format.EventBatch;
import io.spikestream.ingest.format.SensorGeometry;
import io.spikestream.schemas.DvsEventBatch;
import io.spikestream.schemas.EventBatchLayout;
import io.spikestream.schemas.SingleObjectCodec;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;

/**
 * Receives SPIF event datagrams on a UDP socket and publishes them as {@link DvsEventBatch} records keyed by the
 * sensor id. A batch is published when it holds {@code batchEvents} events or when its first event arrived
 * {@code flushIntervalUs} ago (checked on every datagram and, while none arrives, every flush interval or
 * {@link #RECEIVE_TIMEOUT_MS} ms, whichever is shorter).
 * Time: see {@link SpifDecoder}; the wall clock is injected.
 *
 * <p><b>Sources.</b> With {@link #allowOnly} only listed senders are accepted; datagrams from others are dropped and
 * counted ({@link BridgeStats#rejectedSources()}), each such sender logged once. Datagrams the kernel dropped for a
 * full receive buffer are counted by the kernel ({@link BridgeStats#kernelDrops()}), batches the producer could not
 * write by the send callback ({@link BridgeStats#sendErrors()}). If the bridge thread stops for any other reason than
 * {@link #close()}, {@link #failure()} says why, so its owner can notice instead of reporting a silent bridge.
 *
 * <p><b>Threading.</b> One bridge thread receives, decodes, batches and sends ({@link #run()}, or {@link #start()}
 * to get a thread); {@link #close()} may be called from any thread: it closes the socket, which ends the loop, and
 * waits for the last batch to be handed to the producer. The producer belongs to the caller.
 */
public final class UdpBridge implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UdpBridge.class);
    static final int RECEIVE_TIMEOUT_MS = 50;

    /**
     * @param flushIntervalUs longest a received event waits before its batch is published
     */
    public record Options(String sensorId, SensorGeometry geometry, String topic, int batchEvents,
                          long flushIntervalUs) {

        public Options {
            Objects.requireNonNull(sensorId, "sensorId");
            Objects.requireNonNull(geometry, "geometry");
            Objects.requireNonNull(topic, "topic");
            if (batchEvents <= 0 || batchEvents > EventBatchLayout.MAX_COORDINATE) {
                throw new IllegalArgumentException("batch events must be in 1..65535");
            }
            if (flushIntervalUs <= 0) {
                throw new IllegalArgumentException("flush interval must be positive");
            }
        }
    }

    private final DatagramSocket socket;
    private final Producer<String, byte[]> producer;
    private final Options options;
    private final InstantSource clock;
    private final BridgeStats stats = new BridgeStats();
    private final SpifDecoder decoder;
    private final SingleObjectCodec<DvsEventBatch> codec = SpikestreamSchemas.codec(DvsEventBatch.class);
    private final EventBatch batch;
    private volatile SourceAllowList allowList = SourceAllowList.ANY;
    private final java.util.Set<InetAddress> loggedSenders = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile Throwable failure;
    private volatile boolean closed;
    private volatile Thread thread;
    private long batchFirstArrivalUs;
    private long sequence;
    private long published;

    private UdpBridge(DatagramSocket socket, Producer<String, byte[]> producer, Options options, InstantSource clock) {
        this.socket = socket;
        this.producer = producer;
        this.options = options;
        this.clock = clock;
        this.decoder = new SpifDecoder(options.geometry(), stats);
        this.batch = new EventBatch(options.batchEvents() + SpifDecoder.maxEvents(SpifLayout.MAX_DATAGRAM_BYTES));
    }

    /** Binds the socket (port 0 picks a free one); {@link #run()} or {@link #start()} then receives. */
    public static UdpBridge bind(InetSocketAddress address, Producer<String, byte[]> producer, Options options,
                                 InstantSource clock) throws SocketException {
        DatagramSocket socket = new DatagramSocket(address);
        // wake at least once per flush interval, so that the last batch before a pause leaves on time too
        socket.setSoTimeout((int) Math.max(1, Math.min(RECEIVE_TIMEOUT_MS, (options.flushIntervalUs() + 999) / 1000)));
        socket.setReceiveBufferSize(4 << 20);
        UdpBridge bridge = new UdpBridge(socket, producer, options, clock);
        int port = socket.getLocalPort();
        bridge.stats.kernelDropsFrom(() -> KernelUdpDrops.of(port));
        return bridge;
    }

    /** Accepts datagrams only from these senders (call before {@link #start()}); others are dropped and counted. */
    public UdpBridge allowOnly(SourceAllowList sources) {
        this.allowList = Objects.requireNonNull(sources, "sources");
        return this;
    }

    /**
     * Why the bridge thread stopped receiving before {@link #close()} (a socket error, a producer that refuses sends, a
     * bug), or null while it runs or after a clean close. The bridge command checks it on every status tick.
     */
    public Throwable failure() {
        return failure;
    }

    /** How long a receive waits before the batch's age is checked again (tests). */
    int receiveTimeoutMs() throws SocketException {
        return socket.getSoTimeout();
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    public BridgeStats stats() {
        return stats;
    }

    /** Batches the producer reported as not written. */
    public long sendErrors() {
        return stats.sendErrors();
    }

    /** Runs the bridge on a new thread. */
    public UdpBridge start() {
        Thread t = new Thread(this::run, "udp-bridge-" + options.sensorId());
        thread = t;
        t.start();
        return this;
    }

    /** Receives until {@link #close()}; publishes what is batched before returning. */
    public void run() {
        byte[] buffer = new byte[SpifLayout.MAX_DATAGRAM_BYTES];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        try {
            while (!closed) {
                try {
                    packet.setLength(buffer.length);
                    socket.receive(packet);
                    if (!allowList.allows(packet.getAddress())) {
                        rejectSender(packet.getAddress());
                        continue;
                    }
                    long arrivalUs = micros(clock.instant());
                    int length = packet.getLength();
                    if (batch.size + SpifDecoder.maxEvents(length) > batch.capacity()) {
                        flush();
                    }
                    if (batch.size == 0) {
                        batchFirstArrivalUs = arrivalUs;
                    }
                    decoder.decode(buffer, length, arrivalUs, batch);
                    if (batch.size >= options.batchEvents()) {
                        flush();
                    }
                } catch (SocketTimeoutException idle) {
                    // fall through to the age check
                }
                if (batch.size > 0 && micros(clock.instant()) - batchFirstArrivalUs >= options.flushIntervalUs()) {
                    flush();
                }
            }
        } catch (SocketException e) {
            if (!closed) {
                failure = e;
                LOG.error("UDP bridge socket failed", e);
            }
        } catch (IOException | RuntimeException | Error e) {
            failure = e;
            LOG.error("UDP bridge thread stopped", e);
        } finally {
            try {
                if (batch.size > 0) {
                    flush();
                }
                producer.flush();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                }
                LOG.error("UDP bridge could not publish its last batch", e);
            }
        }
    }

    /** Counts a datagram from a sender outside the allow-list; logs each such sender once (at most 16). */
    private void rejectSender(InetAddress sender) {
        stats.rejectedSources.incrementAndGet();
        if (loggedSenders.size() < 16 && loggedSenders.add(sender)) {
            LOG.warn("UDP bridge of sensor {}: dropping datagrams from {}, which is not in the allowed sources {}",
                options.sensorId(), sender.getHostAddress(), allowList);
        }
    }

    private void flush() {
        DvsEventBatch record = EventBatchLayout.pack(
            EventBatchLayout.Header.live(options.sensorId(), options.geometry().width(), options.geometry().height(),
                sequence++, published),
            batch.x, batch.y, batch.polarity, batch.timestampUs, 0, batch.size);
        long seq = record.getSequence();
        producer.send(new ProducerRecord<>(options.topic(), options.sensorId(), codec.encode(record)), (m, error) -> {
            if (error != null) {
                stats.sendErrors.incrementAndGet();
                LOG.error("batch {} of sensor {} was not written to {}", seq, options.sensorId(), options.topic(), error);
            }
        });
        published += batch.size;
        stats.batches.incrementAndGet();
        batch.clear();
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }

    /** Stops receiving, publishes the last batch and waits for the bridge thread (if started here). */
    @Override
    public void close() {
        closed = true;
        socket.close();
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
