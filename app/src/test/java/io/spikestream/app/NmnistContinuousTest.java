package io.spikestream.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code nmnist --set time.mode=continuous --gap-us 100000} on real recordings with silence between them (straight
 * from the files): one interval prediction per sample, the continuous scores line, and {@code test_accuracy=} last.
 */
class NmnistContinuousTest {

    static Path subset(Path dir, String split, int perClass) throws Exception {
        Path dst = dir.resolve(split);
        for (int c = 0; c < 10; c += 3) {
            Files.createDirectories(dst.resolve(Integer.toString(c)));
            try (Stream<Path> s = Files.list(Path.of("..", "data", "nmnist", split, Integer.toString(c)))) {
                for (Path f : s.sorted().limit(perClass).toList()) {
                    Files.copy(f, dst.resolve(Integer.toString(c)).resolve(f.getFileName()));
                }
            }
        }
        return dst;
    }

    @Test
    void continuousTimeWithGapsScoresIntervalsTicksAndLatency(@TempDir Path dir) throws Exception {
        Path train = subset(dir, "Train", 2);
        Path test = subset(dir, "Test", 1);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = Main.execute("nmnist", "--train", train.toString(), "--test", test.toString(), "--direct",
                "--set", "time.mode=continuous", "--gap-us", "100000", "--set", "network.n_rec=40",
                "--plots", dir.resolve("plots").toString());
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, out);
        assertTrue(out.contains("train_accuracy=") && out.contains("(prequential, 8 windows)"), out);
        assertTrue(out.contains("samples=4"), "one interval prediction per test sample:\n" + out);
        Matcher m = Pattern.compile("continuous test_tick_accuracy=(\\S+) test_majority_accuracy=(\\S+) "
            + "test_first_correct_median_ms=(\\S+) train_tick_accuracy=(\\S+) gap_us=100000").matcher(out);
        assertTrue(m.find(), out);
        double tick = Double.parseDouble(m.group(1));
        assertTrue(tick >= 0 && tick <= 1, out);
        String index = Files.readString(dir.resolve("plots").resolve("index.html"));
        assertTrue(index.contains("test: tick accuracy") && index.contains("first correct tick"), index);
        String last = out.strip().lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(last.matches("test_accuracy=\\d\\.\\d{4}"), last);
        // simulated time includes the silences: 12 recordings of about 0.3 s and 12 gaps of 0.1 s
        Matcher sim = Pattern.compile("simulated_s=(\\S+)").matcher(out);
        assertTrue(sim.find());
        assertTrue(Double.parseDouble(sim.group(1)) > 12 * 0.1 + 12 * 0.25, out);
    }
}
