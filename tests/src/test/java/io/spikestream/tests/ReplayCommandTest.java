package io.spikestream.tests;

import io.spikestream.app.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The replay command on its default embedded broker: a damaged recording is named, counted, and sets the exit code. */
class ReplayCommandTest {

    @Test
    void aDamagedRecordingIsNamedCountedAndFailsTheExitCodeWhileTheRestIsPublished(@TempDir Path dir) throws Exception {
        Path source = ExternalBrokerTest.shared().resolve("data/nmnist/Test/2");
        Path[] samples;
        try (var list = Files.list(source)) {
            samples = list.sorted().limit(2).toArray(Path[]::new);
        }
        Files.createDirectories(dir.resolve("2"));
        Files.copy(samples[0], dir.resolve("2/good.bin"));
        byte[] bytes = Files.readAllBytes(samples[1]);
        Files.write(dir.resolve("2/cut.bin"), Arrays.copyOf(bytes, bytes.length - 1));
        long goodEvents = Files.size(samples[0]) / 5;

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        int rc;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            rc = Main.execute("replay", "--as-fast-as-possible", "--no-progress", dir.toString());
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        String o = out.toString(StandardCharsets.UTF_8);
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, rc, o + e);
        assertTrue(o.contains("replayed files=1 events=" + goodEvents + " "), o);
        assertTrue(o.contains(" labels=1 "), o);
        assertTrue(o.strip().endsWith("failed=1"), o);
        assertTrue(e.contains("started an embedded broker"), e);
        assertTrue(e.contains("replay: failed ") && e.contains("cut.bin") && e.contains("truncated record"), e);
    }
}
