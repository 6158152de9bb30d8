package io.spikestream.benchmarks.ingest;

import io.spikestream.ingest.format.DecodeOptions;
import io.spikestream.ingest.format.EventBatch;
import io.spikestream.ingest.format.EventFiles;
import io.spikestream.ingest.format.EventFormat;
import io.spikestream.ingest.format.EventReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-threaded decoder throughput (one core) on the real recordings of {@code ../shared/data}: one operation
 * decodes a whole recording through one reused {@link EventBatch}; the {@code events} counter turns that into
 * events per second. N-MNIST is the concatenation of all 669 training samples (2.7 M events), so per-file set-up
 * does not dominate. {@code source=memory} decodes from a byte array (decoder cost alone), {@code source=file}
 * streams the same bytes from a (page-cached) file through the 64 KiB read window.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
public class DecoderThroughputBenchmark {

    @Param({"NMNIST_BIN", "EVT3", "EVT2", "DAT", "AEDAT4"})
    public EventFormat format;

    @Param({"memory", "file"})
    public String source;

    private byte[] bytes;
    private Path file;
    private EventBatch batch;

    /** Events decoded, reported by JMH as a rate next to the operation rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        public long events;
    }

    @Setup(Level.Trial)
    public void load() throws IOException {
        bytes = recording(format);
        batch = new EventBatch(8192);
        if (source.equals("file")) {
            file = Files.createTempFile("decoder-bench", suffix(format));
            Files.write(file, bytes);
        }
    }

    @TearDown(Level.Trial)
    public void cleanUp() throws IOException {
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }

    @Benchmark
    public long decode(Counters counters) throws IOException {
        long checksum = 0;
        try (EventReader r = file != null ? EventFiles.open(file, format, DecodeOptions.DEFAULT)
            : EventFiles.open(bytes, "bench", format, DecodeOptions.DEFAULT)) {
            int n;
            while ((n = r.read(batch)) >= 0) {
                counters.events += n;
                checksum += batch.x[n - 1] + batch.timestampUs[n - 1];
            }
        }
        return checksum;
    }

    static Path data() {
        String prop = System.getProperty("spikestream.shared");
        Path shared = prop != null ? Path.of(prop) : Path.of("..", "shared");
        if (!Files.isDirectory(shared)) {
            shared = Path.of("").toAbsolutePath().resolveSibling("shared");
        }
        return shared.resolve("data");
    }

    static byte[] recording(EventFormat format) throws IOException {
        Path data = data();
        return switch (format) {
            case NMNIST_BIN -> {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                List<Path> files;
                try (Stream<Path> s = Files.walk(data.resolve("nmnist/Train"))) {
                    files = s.filter(p -> p.toString().endsWith(".bin")).sorted().toList();
                }
                for (Path p : files) {
                    all.writeBytes(Files.readAllBytes(p));
                }
                yield all.toByteArray();
            }
            case EVT2 -> Files.readAllBytes(data.resolve("formats/evt2/evt2_sample.raw"));
            case EVT3 -> Files.readAllBytes(data.resolve("formats/evt3/evt3_sample.raw"));
            case DAT -> Files.readAllBytes(data.resolve("formats/dat/sample_ncars.dat"));
            case AEDAT4 -> Files.readAllBytes(data.resolve("formats/aedat4/sample.aedat4"));
            default -> throw new IllegalArgumentException("no real recording of " + format);
        };
    }

    private static String suffix(EventFormat f) {
        return switch (f) {
            case NMNIST_BIN -> ".bin";
            case EVT2, EVT3 -> ".raw";
            case DAT -> ".dat";
            case AEDAT4 -> ".aedat4";
            default -> ".aedat";
        };
    }
}
