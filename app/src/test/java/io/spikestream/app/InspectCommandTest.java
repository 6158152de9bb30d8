package io.spikestream.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class InspectCommandTest {

    static Path shared() {
        String prop = System.getProperty("spikestream.shared");
        if (prop != null && Files.isDirectory(Path.of(prop))) {
            return Path.of(prop);
        }
        return Path.of("").toAbsolutePath().getParent().resolveSibling("shared");
    }

    record Run(int exit, List<String> lines) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out));
        int exit = cli.execute(args);
        return new Run(exit, out.toString().lines().toList());
    }

    @Test
    void printsOneStableLinePerFileAndASummary() {
        Path evt3 = shared().resolve("data/formats/evt3/evt3_sample.raw");
        Path nmnist = shared().resolve("data/nmnist/Test/0/00004.bin");
        Run r = run("inspect", evt3.toString(), nmnist.toString());
        assertEquals(0, r.exit());
        assertEquals(3, r.lines().size(), r.lines().toString());
        assertEquals(evt3 + ": format=EVT3 events=219596 on=115532 off=104064 geometry=1280x720 first_us=11718656"
            + " last_us=11727457 duration_us=8801 skipped=0", r.lines().get(0));
        String n = r.lines().get(1);
        long on = Long.parseLong(n.replaceAll(".* on=(\\d+) .*", "$1"));
        assertTrue(on > 0 && on < 5293, n);
        assertEquals(nmnist + ": format=NMNIST_BIN events=5293 on=" + on + " off=" + (5293 - on)
            + " geometry=34x34 first_us=581 last_us=308529 duration_us=307948 skipped=0", n);
        assertEquals("inspect: files=2 ok=2 failed=0 events=224889", r.lines().get(2));
    }

    @Test
    void aBadFilePrintsAnErrorLineAndTheOthersStillPrint(@TempDir Path dir) throws IOException {
        Path good = shared().resolve("data/formats/dat/sample_ncars.dat");
        Path truncated = dir.resolve("cut.bin");
        byte[] bytes = Files.readAllBytes(shared().resolve("data/nmnist/Test/0/00004.bin"));
        Files.write(truncated, Arrays.copyOf(bytes, 5 * 100 + 2));
        Path unknown = dir.resolve("notes.txt");
        Files.writeString(unknown, "hello");
        Path missing = dir.resolve("missing.raw");
        Run r = run("inspect", truncated.toString(), good.toString(), unknown.toString(), missing.toString());
        assertEquals(1, r.exit());
        assertEquals(5, r.lines().size(), r.lines().toString());
        assertEquals(truncated + ": error at byte 500: truncated record: 2 of 5 bytes", r.lines().get(0));
        assertTrue(r.lines().get(1).startsWith(good + ": format=DAT events=2009 on=1350 off=659 geometry=304x240"),
            r.lines().get(1));
        assertTrue(r.lines().get(2).startsWith(unknown + ": error at byte 0: unrecognised recording format"),
            r.lines().get(2));
        assertEquals(missing + ": error: no such file", r.lines().get(3));
        assertEquals("inspect: files=4 ok=1 failed=3 events=2009", r.lines().get(4));
    }

    @Test
    void lenientAndGeometryOptions(@TempDir Path dir) throws IOException {
        byte[] bytes = Files.readAllBytes(shared().resolve("data/nmnist/Test/0/00004.bin"));
        bytes[5 * 10] = 40; // x = 40 on the 34x34 sensor
        Path bad = dir.resolve("x40.bin");
        Files.write(bad, bytes);
        Run strict = run("inspect", bad.toString());
        assertEquals(1, strict.exit());
        assertEquals(bad + ": error at byte 50: event at (40, " + (bytes[51] & 0xFF) + ") outside the 34x34 sensor",
            strict.lines().get(0));
        Run lenient = run("inspect", "--lenient", bad.toString());
        assertEquals(0, lenient.exit());
        assertTrue(lenient.lines().get(0).contains(" events=5292 ") && lenient.lines().get(0).endsWith(" skipped=1"),
            lenient.lines().get(0));
        Run wide = run("inspect", "--geometry", "64x64", bad.toString());
        assertEquals(0, wide.exit());
        assertTrue(wide.lines().get(0).contains(" events=5293 ") && wide.lines().get(0).contains(" geometry=64x64 "));
        assertEquals(2, run("inspect", "--geometry", "64by64", bad.toString()).exit());
    }
}
