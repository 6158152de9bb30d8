package io.spikestream.app;

import io.spikestream.ingest.bridge.UdpBridge;
import io.spikestream.ingest.format.SensorGeometry;
import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.time.InstantSource;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code ./spikestream bridge --udp HOST:PORT}: receives SPIF event datagrams (AEStream's UDP output, SPIF cameras)
 * and publishes them as event batches keyed by the sensor id, until Ctrl-C or {@code --duration-s}. Prints
 * {@code bridge listening udp=HOST:PORT ...} on stderr, a status line every {@code --report-s} seconds on stderr, and
 * finally {@code bridge datagrams=N events=N batches=N malformed_datagrams=N truncated_events=N out_of_geometry=N}
 * on stdout.
 */
@Command(name = "bridge", mixinStandardHelpOptions = true,
    description = "Receive SPIF UDP event datagrams and publish them to Kafka as event batches.")
public final class BridgeCommand implements Callable<Integer> {

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

    @Override
    public Integer call() throws Exception {
        InetSocketAddress address = parse(udp);
        UdpBridge.Options options = new UdpBridge.Options(sensorId, new SensorGeometry(width, height), topic,
            batchEvents, flushMs * 1_000L);
        KafkaEndpoint endpoint = kafka.open(System.err);
        kafka.ensureTopics(endpoint, System.err, topic);
        var producer = new KafkaProducer<String, byte[]>(ClientConfigs.producer(endpoint, "spikestream-bridge-" + sensorId));
        UdpBridge bridge = UdpBridge.bind(address, producer, options, InstantSource.system()).start();
        CountDownLatch done = new CountDownLatch(1);
        AtomicBoolean stopped = new AtomicBoolean();
        Runnable stop = () -> {
            if (stopped.compareAndSet(false, true)) {
                bridge.close();
                producer.close();
                endpoint.close();
                System.out.println(bridge.stats().line());
                System.out.flush();
                done.countDown();
            }
        };
        Thread hook = new Thread(stop, "bridge-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        System.err.println("bridge listening udp=" + bridge.localAddress().getHostString() + ":"
            + bridge.localAddress().getPort() + " sensor=" + sensorId + " geometry=" + width + "x" + height
            + " topic=" + topic + " kafka=" + endpoint.bootstrapServers());
        long deadline = durationS > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(durationS) : Long.MAX_VALUE;
        long reportNanos = reportS > 0 ? TimeUnit.SECONDS.toNanos(reportS) : Long.MAX_VALUE;
        while (!done.await(Math.min(reportNanos, Math.max(0, deadline - System.nanoTime())), TimeUnit.NANOSECONDS)) {
            if (System.nanoTime() >= deadline) {
                Runtime.getRuntime().removeShutdownHook(hook);
                stop.run();
                break;
            }
            System.err.println(bridge.stats().line());
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
