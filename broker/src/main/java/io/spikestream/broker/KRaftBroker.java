package io.spikestream.broker;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * A real single-node Kafka broker inside this JVM (the implementation behind ingest's {@code EmbeddedKafka}, which
 * loads this module only when a command starts a broker, so that the broker's libraries are on no other command's
 * class path; see the README, "The embedded broker's own module"): KRaft with combined broker and controller roles, PLAINTEXT
 * and CONTROLLER listeners on 127.0.0.1, storage formatted in a fresh temporary directory that {@link #close()}
 * deletes. Base configuration: {@code broker.properties} beside this class (also used by the separate-process
 * broker and docker compose).
 *
 * <p>Ports are found by binding port 0 and releasing it, which leaves a window in which another process can take
 * them; a start that fails on a bind error is retried with new ports.
 *
 * <p>Start and close from one thread; {@link #bootstrapServers()} is safe from any thread once started.
 */
public final class KRaftBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KRaftBroker.class);
    private static final String LOOPBACK = "127.0.0.1";
    private static final int START_ATTEMPTS = 5;
    private static final int NODE_ID = 1;

    private final Path logDir;
    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private boolean closed;

    private KRaftBroker(Path logDir, KafkaRaftServer server, String bootstrapServers) {
        this.logDir = logDir;
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /** Formats storage and starts a broker on free ports; returns once it accepts connections. */
    public static KRaftBroker start() {
        return start(0);
    }

    /**
     * Like {@link #start()}, with the client listener on {@code fixedBrokerPort} (0 = any free port). A fixed port
     * that is taken fails at once; free ports are retried.
     */
    public static KRaftBroker start(int fixedBrokerPort) {
        RuntimeException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            Path dir = createTempDir();
            int brokerPort = fixedBrokerPort > 0 ? fixedBrokerPort : freePort();
            int controllerPort = freePort();
            KafkaRaftServer server = null;
            try {
                Properties props = serverProperties(dir, brokerPort, controllerPort);
                format(dir, props);
                server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
                server.startup();
                String bootstrap = LOOPBACK + ":" + brokerPort;
                LOG.info("embedded Kafka broker at {} (logs in {})", bootstrap, dir);
                return new KRaftBroker(dir, server, bootstrap);
            } catch (RuntimeException e) {
                last = e;
                stopQuietly(server);
                deleteRecursively(dir);
                if (!causedByBind(e) || fixedBrokerPort > 0 && attempt >= 2) {
                    throw e;
                }
                LOG.warn("embedded Kafka: port taken on attempt {}, retrying with new ports", attempt);
            }
        }
        throw new IllegalStateException("embedded Kafka could not bind after " + START_ATTEMPTS + " attempts", last);
    }

    /** {@code 127.0.0.1:port} of the PLAINTEXT listener. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path logDir() {
        return logDir;
    }

    /** Stops the broker and deletes its storage. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopQuietly(server);
        deleteRecursively(logDir);
    }

    /** The base properties shared by every broker spikestream starts (without listeners, ports and paths). */
    public static Properties baseProperties() {
        Properties props = new Properties();
        try (InputStream in = KRaftBroker.class.getResourceAsStream("broker.properties")) {
            if (in == null) {
                throw new IllegalStateException("broker.properties missing from the classpath");
            }
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return props;
    }

    /** Complete server properties for a single node listening on the given loopback ports. */
    public static Properties serverProperties(Path logDir, int brokerPort, int controllerPort) {
        Properties props = baseProperties();
        props.setProperty("node.id", Integer.toString(NODE_ID));
        props.setProperty("listeners",
            "PLAINTEXT://" + LOOPBACK + ":" + brokerPort + ",CONTROLLER://" + LOOPBACK + ":" + controllerPort);
        props.setProperty("advertised.listeners", "PLAINTEXT://" + LOOPBACK + ":" + brokerPort);
        props.setProperty("controller.quorum.bootstrap.servers", LOOPBACK + ":" + controllerPort);
        props.setProperty("log.dirs", logDir.toAbsolutePath().toString());
        return props;
    }

    /** Runs Kafka's own storage formatter ({@code kafka-storage format --standalone}) on the log dir. */
    public static void format(Path logDir, Properties props) {
        Path configFile = logDir.resolve("server.properties.format");
        try (OutputStream out = Files.newOutputStream(configFile)) {
            props.store(out, "spikestream embedded broker");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int rc;
        try (PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            rc = StorageTool.execute(new String[] {
                "format", "-t", Uuid.randomUuid().toString(), "-c", configFile.toString(), "--standalone"}, print);
        }
        try {
            Files.deleteIfExists(configFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (rc != 0) {
            throw new IllegalStateException("kafka storage format failed (" + rc + "): " + output.toString(StandardCharsets.UTF_8));
        }
    }

    private static boolean causedByBind(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    private static void stopQuietly(KafkaRaftServer server) {
        if (server == null) {
            return;
        }
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("embedded Kafka: error during shutdown", e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + LOOPBACK, e);
        }
    }

    private static Path createTempDir() {
        try {
            return Files.createTempDirectory("spikestream-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.warn("cannot delete {}", p, e);
                }
            });
        } catch (IOException e) {
            LOG.warn("cannot delete {}", dir, e);
        }
    }
}
