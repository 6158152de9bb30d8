package io.spikestream.benchmarks.ingest;

import io.spikestream.ingest.format.EventBatch;
import io.spikestream.ingest.format.EventFiles;
import io.spikestream.ingest.format.EventReader;
import io.spikestream.schemas.DvsEventBatch;
import io.spikestream.schemas.EventBatchLayout;
import io.spikestream.schemas.InvalidEventBatchException;
import io.spikestream.schemas.RecordDecodeException;
import io.spikestream.schemas.SingleObjectCodec;
import io.spikestream.schemas.SpikestreamSchemas;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Cost of the wire format of event batches, one thread: {@code encode} packs primitive arrays into a
 * {@link DvsEventBatch} and single-object encodes it (what replay and the bridge do per batch); {@code decode}
 * decodes the bytes and unpacks them into arrays with the geometry check (what the reactive source does). Input: the
 * first 2^20 events of the N-MNIST training samples, cut into batches of {@code batchEvents}; one operation is one
 * batch, cycling through them.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g"})
public class EventBatchCodecBenchmark {

    static final int EVENTS = 1 << 20;

    @Param({"1024", "8192"})
    public int batchEvents;

    private int[] x;
    private int[] y;
    private byte[] p;
    private long[] t;
    private byte[][] encoded;
    private int next;
    private final SingleObjectCodec<DvsEventBatch> codec = SpikestreamSchemas.codec(DvsEventBatch.class);
    private int[] ox;
    private int[] oy;
    private byte[] op;
    private long[] ot;

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        public long events;
    }

    @Setup
    public void setUp() throws IOException {
        x = new int[EVENTS];
        y = new int[EVENTS];
        p = new byte[EVENTS];
        t = new long[EVENTS];
        int n = 0;
        Path train = Path.of(System.getProperty("spikestream.shared", "../shared"), "data/nmnist/Train");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(train)) {
            files = walk.filter(f -> f.toString().endsWith(".bin")).sorted().toList();
        }
        EventBatch batch = new EventBatch(8192);
        long offset = 0;
        for (Path f : files) {
            if (n == EVENTS) {
                break;
            }
            long last = 0;
            try (EventReader reader = EventFiles.open(f)) {
                int k;
                while (n < EVENTS && (k = reader.read(batch)) >= 0) {
                    int take = Math.min(k, EVENTS - n);
                    System.arraycopy(batch.x, 0, x, n, take);
                    System.arraycopy(batch.y, 0, y, n, take);
                    System.arraycopy(batch.polarity, 0, p, n, take);
                    for (int i = 0; i < take; i++) {
                        t[n + i] = batch.timestampUs[i] + offset;
                        last = batch.timestampUs[i];
                    }
                    n += take;
                }
            }
            offset += last + 1;
        }
        if (n < EVENTS) {
            throw new IllegalStateException("only " + n + " N-MNIST events under " + train);
        }
        int batches = EVENTS / batchEvents;
        encoded = new byte[batches][];
        for (int b = 0; b < batches; b++) {
            encoded[b] = encode(b);
        }
        ox = new int[batchEvents];
        oy = new int[batchEvents];
        op = new byte[batchEvents];
        ot = new long[batchEvents];
    }

    private byte[] encode(int b) {
        DvsEventBatch record = EventBatchLayout.pack(
            new EventBatchLayout.Header("bench", 34, 34, b, 0, null, (long) b * batchEvents),
            x, y, p, t, b * batchEvents, batchEvents);
        return codec.encode(record);
    }

    /** Mean bytes per event on the wire (values only, before Kafka's compression). */
    public double bytesPerEvent() {
        return Arrays.stream(encoded).mapToLong(e -> e.length).sum() / (double) EVENTS;
    }

    @Benchmark
    public byte[] encode(Counters counters) {
        int b = next;
        next = (b + 1) % encoded.length;
        counters.events += batchEvents;
        return encode(b);
    }

    @Benchmark
    public long decode(Counters counters) throws RecordDecodeException, InvalidEventBatchException {
        int b = next;
        next = (b + 1) % encoded.length;
        DvsEventBatch record = codec.decode(encoded[b]);
        int n = EventBatchLayout.unpack(record, ox, oy, op, ot);
        counters.events += n;
        return ot[n - 1];
    }
}
