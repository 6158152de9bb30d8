package io.spikestream.app;

import io.spikestream.ingest.bridge.SourceAllowList;
import io.spikestream.ingest.bridge.UdpBridge;
import io.spikestream.ingest.format.SensorGeometry;
import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import io.spikestream.sinks.metrics.MetricsEndpoint;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.time.InstantSource;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code ./spikestream bridge --udp HOST:PORT}: receives SPIF event datagrams (AEStream's UDP output, SPIF cameras)
 * and publishes them as event batches keyed by the sensor id, until Ctrl-C or {@code --duration-s}. Prints
 * {@code bridge listening udp=HOST:PORT ...} on stderr, a status line every {@code --report-s} seconds on stderr, and
 * finally {@code bridge datagrams=N events=N batches=N malformed_datagrams=N truncated_events=N out_of_geometry=N
 * rejected_sources=N kernel_drops=N send_errors=N} on stdout. {@code --allow-from} limits the senders,
 * {@code --metrics-port} serves the counters to Prometheus ({@link BridgeMetrics}). Exit codes: 0, 1 when batches
 * could not be written, 3 when the receiving thread died (stderr says why), 2 for bad options.
 */
@Command(name = "bridge", mixinStandardHelpOptions = true,
    description = "Receive SPIF UDP event datagrams and publish them to Kafka as event batches.")
public final class BridgeCommand implements Callable<Integer> {

    /** Longest the command goes without checking that the bridge thread is alive. */
    static final long LIVENESS_MS = 500;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--udp", required = true, paramLabel = "HOST:PORT", description = "Address to listen on.")
    String udp;

    @Option(names = "--sensor-id", defaultValue = "spif-0", description = "Sensor id (record key; default: ${DEFAULT-VALUE}).")
    String sensorId;

    @Option(names = "--width", defaultValue = "640", description = "Sensor width; wider x is dropped and counted (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--height", defaultValue = "480", description = "Sensor height (default: ${DEFAULT-VALUE}).")
    int height;

    @Option(names = "--topic", defaultValue = Topics.EVENTS, description = "Events topic (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--batch-events", defaultValue = "4096", description = "Most events per batch (default: ${DEFAULT-VALUE}).")
    int batchEvents;

    @Option(names = "--flush-ms", defaultValue = "10",
        description = "Longest an event waits before its batch is published (default: ${DEFAULT-VALUE}).")
    long flushMs;

    @Option(names = "--duration-s", defaultValue = "0", description = "Stop after this many seconds (0: run until Ctrl-C).")
    long durationS;

    @Option(names = "--report-s", defaultValue = "10", description = "Status line interval on stderr, 0 for none.")
    long reportS;

    @Option(names = "--allow-from", paramLabel = "IP[/BITS][,...]",
        description = "Accept datagrams only from these addresses or CIDR blocks (repeatable); others are dropped and "
            + "counted (rejected_sources). Default: any sender.")
    List<String> allowFrom = new ArrayList<>();

    @Option(names = "--metrics-port", defaultValue = "-1", paramLabel = "PORT",
        description = "Serve the bridge's counters at http://HOST:PORT/metrics (0: any free port; default: none).")
    int metricsPort;

    @Option(names = "--metrics-host", defaultValue = "127.0.0.1", description = "Address of --metrics-port (default: ${DEFAULT-VALUE}).")
    String metricsHost;

    @Override
    public Integer call() throws Exception {
        InetSocketAddress address = parse(udp);
        UdpBridge.Options options = new UdpBridge.Options(sensorId, new SensorGeometry(width, height), topic,
            batchEvents, flushMs * 1_000L);
        SourceAllowList sources;
        try {
            sources = SourceAllowList.parse(allowFrom);
        } catch (IllegalArgumentException e) {
            System.err.println("bridge: --allow-from: " + e.getMessage());
            return 2;
        }
        KafkaEndpoint endpoint = kafka.open(System.err);
        kafka.ensureTopics(endpoint, System.err, topic);
        java.util.Map<String, Object> producerConfig = ClientConfigs.producer(endpoint, "spikestream-bridge-" + sensorId);
        if (!endpoint.clientProperties().containsKey(org.apache.kafka.clients.producer.ProducerConfig.LINGER_MS_CONFIG)) {
            // the bridge batches itself (--batch-events, --flush-ms): a batch goes out at once, not after a linger too
            producerConfig.put(org.apache.kafka.clients.producer.ProducerConfig.LINGER_MS_CONFIG, 0);
        }
        var producer = new KafkaProducer<String, byte[]>(producerConfig);
        UdpBridge bridge = UdpBridge.bind(address, producer, options, InstantSource.system()).allowOnly(sources).start();
        MetricsEndpoint metrics = metricsPort < 0 ? null
            : BridgeMetrics.serve(bridge.stats(), () -> bridge.failure() == null, metricsHost, metricsPort);
        CountDownLatch done = new CountDownLatch(1);
        AtomicBoolean stopped = new AtomicBoolean();
        Runnable stop = () -> {
            if (stopped.compareAndSet(false, true)) {
                bridge.close();
                producer.close();
                endpoint.close();
                if (metrics != null) {
                    metrics.close();
                }
                System.out.println(bridge.stats().line());
                System.out.flush();
                done.countDown();
            }
        };
        Thread hook = new Thread(stop, "bridge-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        System.err.println("bridge listening udp=" + bridge.localAddress().getHostString() + ":"
            + bridge.localAddress().getPort() + " sensor=" + sensorId + " geometry=" + width + "x" + height
            + " topic=" + topic + " kafka=" + endpoint.bootstrapServers() + " allowed_sources=" + sources
            + (metrics != null ? " metrics=" + metrics.uri() : ""));
        if (sources.acceptsAny()) {
            System.err.println("bridge: accepting datagrams from any sender; --allow-from keeps others out");
        }
        long deadline = durationS > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(durationS) : Long.MAX_VALUE;
        long reportNanos = reportS > 0 ? TimeUnit.SECONDS.toNanos(reportS) : Long.MAX_VALUE;
        long nextReport = System.nanoTime() + reportNanos;
        // wake at least every LIVENESS_MS to notice a dead bridge thread, not only at status lines
        while (!done.await(Math.min(LIVENESS_MS * 1_000_000L, Math.max(0, Math.min(deadline, nextReport) - System.nanoTime())),
            TimeUnit.NANOSECONDS)) {
            if (bridge.failure() != null) {
                Runtime.getRuntime().removeShutdownHook(hook);
                stop.run();
                System.err.println("bridge: the receiving thread stopped: " + bridge.failure());
                return 3;
            }
            if (System.nanoTime() >= deadline) {
                Runtime.getRuntime().removeShutdownHook(hook);
                stop.run();
                break;
            }
            if (System.nanoTime() >= nextReport) {
                System.err.println(bridge.stats().line());
                nextReport += reportNanos;
            }
        }
        return bridge.sendErrors() == 0 ? 0 : 1;
    }

    static InetSocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("--udp wants HOST:PORT, got '" + hostPort + "'");
        }
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
