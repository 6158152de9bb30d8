package io.spikestream.tests;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher's AOT cache (Java 25, JEP 483/514/515): a command started with the options {@code ./spikestream}
 * adds when a cache file exists runs from a trained cache (the JVM maps it), and runs the same, with the same output
 * and exit code, when the file is damaged, truncated or gone: the JVM falls back to loading classes itself, and the
 * launcher's logging options keep its complaints out of the command's output. The options are read from the launcher
 * script, so that a change there is what is tested.
 */
class LauncherAotCacheTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @TempDir
    static Path dir;

    private static List<String> launcherAotOptions;
    private static String classPath;
    private static Path trained;

    @BeforeAll
    static void trainACache() throws Exception {
        String launcher = Files.readString(ROOT.resolve("spikestream"));
        Matcher m = Pattern.compile("JVM_OPTS\\+=\\((-XX:AOTCache=\"\\$AOT_CACHE\"[^)]*)\\)").matcher(launcher);
        assertTrue(m.find(), "the launcher adds -XX:AOTCache=\"$AOT_CACHE\" and its logging options");
        launcherAotOptions = Arrays.stream(m.group(1).trim().split("\\s+")).toList();
        // jar files only (an AOT cache cannot hold classes from folders): the launcher runs from the jars of a package
        // build; a Maven run that stops at 'test' lists module folders, which are packed into jars here
        List<String> entries = new ArrayList<>();
        entries.add(ROOT.resolve("app/target/classes").toString());
        entries.addAll(List.of(Files.readString(ROOT.resolve("app/target/classpath.txt")).strip().split(File.pathSeparator)));
        StringBuilder cp = new StringBuilder();
        for (String entry : entries) {
            Path e = Path.of(entry);
            if (Files.isDirectory(e)) {
                Path jar = dir.resolve("module-" + cp.length() + ".jar");
                int rc = java.util.spi.ToolProvider.findFirst("jar").orElseThrow()
                    .run(System.out, System.err, "cf", jar.toString(), "-C", e.toString(), ".");
                assertEquals(0, rc, "jar of " + e);
                e = jar;
            }
            cp.append(cp.isEmpty() ? "" : File.pathSeparator).append(e);
        }
        classPath = cp.toString();
        trained = dir.resolve("trained.aot");
        Result training = java(List.of("-XX:AOTCacheOutput=" + trained, "-Xlog:aot=off", "-Xlog:cds=off"), "--version");
        assertEquals(0, training.rc(), training.out());
        assertTrue(Files.size(trained) > 1_000_000, "a cache of the classes loaded: " + Files.size(trained) + " bytes");
    }

    private record Result(int rc, String out) {
    }

    private static Result java(List<String> options, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--enable-native-access=ALL-UNNAMED", "-Xmx256m"));
        command.addAll(options);
        command.addAll(List.of("-cp", classPath, "io.spikestream.app.Main"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the command ends");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** The launcher's options with its cache path replaced by {@code cache}. */
    private static List<String> launcherOptions(Path cache) {
        return launcherAotOptions.stream().map(o -> o.replace("\"$AOT_CACHE\"", cache.toString())).toList();
    }

    @Test
    void aTrainedCacheIsMappedAndUsed() throws Exception {
        // the launcher's options with logging of the cache switched back on: the JVM says it uses the cache
        List<String> options = new ArrayList<>(launcherOptions(trained));
        options.add("-Xlog:aot=info");
        Result r = java(options, "--version");
        assertEquals(0, r.rc(), r.out());
        assertTrue(r.out().contains("Using AOT-linked classes: true"), r.out());
        assertTrue(r.out().contains("spikestream 0.1.0"), r.out());
    }

    @Test
    void withTheLauncherOptionsTheCommandsOutputIsTheSameWithOrWithoutAUsableCache() throws Exception {
        Path garbage = dir.resolve("garbage.aot");
        byte[] noise = new byte[100_000];
        new java.util.Random(7).nextBytes(noise);
        Files.write(garbage, noise);
        Path truncated = dir.resolve("truncated.aot");
        byte[] whole = Files.readAllBytes(trained);
        Files.write(truncated, Arrays.copyOf(whole, whole.length / 3));
        Path absent = dir.resolve("never-written.aot");

        Result plain = java(List.of(), "--version");
        assertEquals(new Result(0, "spikestream 0.1.0\n"), plain);
        for (Path cache : List.of(trained, garbage, truncated, absent)) {
            assertEquals(plain, java(launcherOptions(cache), "--version"), "with cache " + cache.getFileName());
        }
    }

    @Test
    void withoutTheLaunchersLoggingOptionsABadCacheWouldShowInTheOutput() throws Exception {
        // why the launcher switches the JVM's messages about the cache off: they go to standard output by default
        Path garbage = dir.resolve("garbage-2.aot");
        Files.write(garbage, new byte[4096]);
        Result r = java(List.of("-XX:AOTCache=" + garbage), "--version");
        assertEquals(0, r.rc(), r.out());
        assertTrue(r.out().contains("spikestream 0.1.0") && r.out().contains("[aot]"), r.out());
    }
}
