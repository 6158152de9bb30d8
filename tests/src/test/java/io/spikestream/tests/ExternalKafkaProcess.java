package io.spikestream.tests;

import io.spikestream.ingest.kafka.EmbeddedKafka;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A Kafka broker in a separate JVM, started the way an operator would: Kafka's own {@code kafka.tools.StorageTool
 * format --standalone}, then {@code kafka.Kafka server.properties}, on the classpath Maven resolved for this test
 * run (Surefire's), with the same base properties as the embedded broker and docker compose. Stopped with SIGTERM.
 */
final class ExternalKafkaProcess implements AutoCloseable {

    private final Process process;
    private final String bootstrapServers;
    private final Path log;

    private ExternalKafkaProcess(Process process, String bootstrapServers, Path log) {
        this.process = process;
        this.bootstrapServers = bootstrapServers;
        this.log = log;
    }

    static ExternalKafkaProcess start(Path dir) throws Exception {
        IllegalStateException last = null;
        for (int attempt = 1; attempt <= 3; attempt++) {
            Path home = Files.createDirectories(dir.resolve("attempt-" + attempt));
            int port = freePort();
            int controllerPort = freePort();
            Properties props = EmbeddedKafka.serverProperties(home.resolve("logs"), port, controllerPort);
            Path config = home.resolve("server.properties");
            try (OutputStream out = Files.newOutputStream(config)) {
                props.store(out, "separate-process test broker");
            }
            Path log = home.resolve("broker.log");
            Process format = java(List.of("kafka.tools.StorageTool", "format", "-t", UUID.randomUUID().toString()
                .replace("-", "").substring(0, 22), "-c", config.toString(), "--standalone"), home.resolve("format.log"));
            if (!format.waitFor(120, TimeUnit.SECONDS) || format.exitValue() != 0) {
                throw new IllegalStateException("storage format failed: " + Files.readString(home.resolve("format.log")));
            }
            Process broker = java(List.of("kafka.Kafka", config.toString()), log);
            try {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .until(() -> !broker.isAlive() || accepts(port));
            } catch (RuntimeException e) {
                broker.destroyForcibly();
                throw e;
            }
            if (broker.isAlive()) {
                return new ExternalKafkaProcess(broker, "127.0.0.1:" + port, log);
            }
            last = new IllegalStateException("broker exited early (" + broker.exitValue() + "): " + Files.readString(log));
        }
        throw last;
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    /** SIGTERM, as an operator would stop it; Kafka shuts down cleanly. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static Process java(List<String> mainAndArgs, Path output) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx512m", "-XX:+UseSerialGC",
            "-cp", classpath()));
        command.addAll(mainAndArgs);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }

    /** The test classpath Maven resolved: Surefire passes it in this property (java.class.path may be a manifest jar). */
    static String classpath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
