package io.spikestream.tests;

import io.spikestream.ingest.kafka.EmbeddedKafka;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded broker lives in module broker, on no command's class path: the launcher's class path (app's runtime
 * dependencies) holds no Kafka server, Scala or log4j jar; a command started the way {@code ./spikestream} starts it
 * loads the broker from {@code -Dspikestream.broker.classpath} when it needs one, and without it says how to go on.
 */
class LauncherClassPathTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    private static String read(String file) throws Exception {
        Path p = ROOT.resolve(file);
        assertTrue(Files.isRegularFile(p), p + " is written by the build (generate-resources)");
        return Files.readString(p).strip();
    }

    @Test
    void theAppClassPathHoldsNoBrokerLibrary() throws Exception {
        String app = read("app/target/classpath.txt");
        for (String entry : app.split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            assertFalse(name.startsWith("kafka_2.13") || name.startsWith("kafka-server") || name.startsWith("kafka-raft")
                || name.startsWith("kafka-metadata") || name.startsWith("kafka-storage") || name.startsWith("scala-")
                || name.startsWith("log4j-core") || name.startsWith("spikestream-broker"), "broker library on the app's class path: " + entry);
        }
        String broker = read("broker/target/classpath.txt");
        assertTrue(broker.contains("kafka_2.13"), "the broker's own class path has the server: " + broker);
    }

    private record Result(int rc, String out) {
    }

    private static Result launch(boolean withBroker, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--enable-native-access=ALL-UNNAMED", "-Xmx256m"));
        if (withBroker) {
            command.add("-D" + EmbeddedKafka.CLASSPATH_PROPERTY + "=" + ROOT.resolve("broker/target/classes")
                + File.pathSeparator + read("broker/target/classpath.txt"));
        }
        command.addAll(List.of("-cp", ROOT.resolve("app/target/classes") + File.pathSeparator + read("app/target/classpath.txt"),
            "io.spikestream.app.Main"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the command ends");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void aCommandLoadsTheBrokerFromItsOwnClassPathOnlyWhenItStartsOne() throws Exception {
        Result embedded = launch(true, "tail", "spikestream.predictions", "--timeout-s", "1");
        assertEquals(0, embedded.rc(), embedded.out());
        assertTrue(embedded.out().contains("started an embedded broker at 127.0.0.1:"), embedded.out());
        assertTrue(embedded.out().contains("tail: records=0"), embedded.out());

        Result none = launch(false, "tail", "spikestream.predictions", "--timeout-s", "1");
        assertEquals(2, none.rc(), none.out());
        assertTrue(none.out().contains("tail: the embedded Kafka broker is not installed")
            && none.out().contains("pass --bootstrap-servers"), none.out());
    }
}
