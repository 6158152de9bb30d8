package io.spikestream.benchmarks.ingest;

import io.spikestream.ingest.format.DecodeOptions;
import io.spikestream.ingest.format.EventFiles;
import io.spikestream.ingest.format.EventFormat;
import io.spikestream.ingest.format.EventReader;
import io.spikestream.ingest.format.RecordingSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link DecoderThroughputBenchmark} and writes its table as the "Decoders" section of {@code BENCHMARKS.md}
 * (replacing the previous one, leaving other sections alone). Invoked by {@code benchmarks/decoders.sh}.
 *
 * <p>Usage: {@code DecoderBenchmarkReport BENCHMARKS.md [command-line to record]}.
 */
public final class DecoderBenchmarkReport {

    static final String SECTION = "## Decoders";
    static final double TARGET_EVENTS_PER_S = 50e6;

    private DecoderBenchmarkReport() {
    }

    public static void main(String[] args) throws RunnerException, IOException {
        Path markdown = Path.of(args.length > 0 ? args[0] : "BENCHMARKS.md");
        String command = args.length > 1 ? args[1] : "benchmarks/decoders.sh";
        Options options = new OptionsBuilder()
            .include(DecoderThroughputBenchmark.class.getName() + ".decode")
            .jvmArgsAppend("-Dspikestream.shared=" + System.getProperty("spikestream.shared", "../shared"))
            .build();
        Collection<RunResult> results = new Runner(options).run();

        Map<EventFormat, Row> rows = new LinkedHashMap<>();
        for (RunResult r : results) {
            EventFormat format = EventFormat.valueOf(r.getParams().getParam("format"));
            String source = r.getParams().getParam("source");
            Result<?> events = r.getSecondaryResults().get("events");
            Row row = rows.computeIfAbsent(format, Row::new);
            if (source.equals("memory")) {
                row.memory = events.getScore();
                row.memoryError = events.getScoreError();
            } else {
                row.file = events.getScore();
                row.fileError = events.getScoreError();
            }
        }
        for (Row row : rows.values()) {
            byte[] bytes = DecoderThroughputBenchmark.recording(row.format);
            row.bytes = bytes.length;
            try (EventReader reader = EventFiles.open(bytes, "bench", row.format, DecodeOptions.DEFAULT)) {
                row.events = RecordingSummary.of(reader).events();
            }
        }
        String section = render(new ArrayList<>(rows.values()), command);
        write(markdown, section);
        System.out.println(section);
    }

    static final class Row {
        final EventFormat format;
        double memory;
        double memoryError;
        double file;
        double fileError;
        long bytes;
        long events;

        Row(EventFormat format) {
            this.format = format;
        }
    }

    static String render(List<Row> rows, String command) throws IOException {
        StringBuilder s = new StringBuilder();
        s.append(SECTION).append("\n\n");
        s.append("Single-threaded decode throughput of the real recordings in `../shared/data` (one core; "
            + "`DecoderThroughputBenchmark`, JMH, 1 fork, 3 x 1 s warm-up, 5 x 1 s measurement, score ± 99.9% "
            + "error). One operation decodes a whole recording through one reused 8192-event batch; N-MNIST is the "
            + "concatenation of the 669 training samples. *memory*: decoding a byte array (decoder cost alone); "
            + "*file*: streaming the same bytes from a page-cached file through the 64 KiB read window. "
            + "Target: at least 50 M events/s per core for N-MNIST and EVT 3.0.\n\n");
        s.append("| format | recording | events | bytes/event | memory: M events/s | file: M events/s "
            + "| memory: MB/s | target |\n");
        s.append("|---|---|---:|---:|---:|---:|---:|---|\n");
        for (Row r : rows) {
            boolean targeted = r.format == EventFormat.NMNIST_BIN || r.format == EventFormat.EVT3;
            String target = !targeted ? "–" : (Math.min(r.memory, r.file) >= TARGET_EVENTS_PER_S ? "met" : "MISSED");
            s.append(String.format(Locale.ROOT, "| %s | %s | %,d | %.2f | %.1f ± %.1f | %.1f ± %.1f | %.0f | %s |%n",
                r.format, recordingName(r.format), r.events, (double) r.bytes / r.events, r.memory / 1e6,
                r.memoryError / 1e6, r.file / 1e6, r.fileError / 1e6, r.memory * r.bytes / r.events / 1e6, target));
        }
        s.append("\n");
        s.append("- Machine: ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
            .append(" cores visible (the benchmark runs one thread), shared with other work at the time.\n");
        s.append("- JVM: ").append(System.getProperty("java.vm.name")).append(' ')
            .append(System.getProperty("java.runtime.version")).append(", benchmark JVM `-Xmx1g`.\n");
        s.append("- Command: `").append(command).append("`\n");
        s.append("- Date: ").append(LocalDate.now()).append("\n");
        s.append("- AEDAT 4 includes LZ4 decompression of every event packet (lz4-java blocks; frames whose linked "
            + "blocks refer back fall back to commons-compress, about 50x slower) and skips the other streams.\n");
        return s.toString();
    }

    private static String recordingName(EventFormat f) {
        return switch (f) {
            case NMNIST_BIN -> "`nmnist/Train/**/*.bin` concatenated";
            case EVT2 -> "`formats/evt2/evt2_sample.raw`";
            case EVT3 -> "`formats/evt3/evt3_sample.raw`";
            case DAT -> "`formats/dat/sample_ncars.dat`";
            case AEDAT4 -> "`formats/aedat4/sample.aedat4`";
            default -> "–";
        };
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(System.getProperty("os.arch"));
        } catch (IOException e) {
            return System.getProperty("os.arch");
        }
    }

    /** Replaces the "## Decoders" section (up to the next "## " heading) or appends it. */
    static void write(Path markdown, String section) throws IOException {
        String text = Files.exists(markdown) ? Files.readString(markdown)
            : "# Benchmarks\n\nEvery table here is produced by a committed script; each section names its command.\n\n";
        int start = text.indexOf(SECTION + "\n");
        String updated;
        if (start < 0) {
            updated = text + (text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n") + section;
        } else {
            int next = text.indexOf("\n## ", start + SECTION.length());
            updated = text.substring(0, start) + section + (next < 0 ? "" : text.substring(next));
        }
        Files.writeString(markdown, updated);
    }
}
