package io.spikestream.benchmarks.ingest;

import io.spikestream.ingest.kafka.ClientConfigs;
import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.ingest.kafka.EventBatchDecoder;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.KafkaRecordSource;
import io.spikestream.ingest.kafka.SensorEvents;
import io.spikestream.ingest.kafka.SourceOptions;
import io.spikestream.ingest.kafka.SourceSignal;
import io.spikestream.ingest.kafka.Topics;
import io.spikestream.ingest.replay.ReplayClock;
import io.spikestream.ingest.replay.ReplayOptions;
import io.spikestream.ingest.replay.ReplayPlan;
import io.spikestream.ingest.replay.ReplayProgress;
import io.spikestream.ingest.replay.ReplaySummary;
import io.spikestream.ingest.replay.Replayer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Writes the "Kafka: event batches, replay, source" section of {@code BENCHMARKS.md}: the JMH cost of the
 * event-batch wire format ({@link EventBatchCodecBenchmark}) and end-to-end rates against the embedded broker: the
 * N-MNIST training tree replayed as fast as possible, then read back through {@link KafkaRecordSource} (decode,
 * geometry check, acknowledgement and commit of every batch). Invoked by {@code benchmarks/kafka.sh}.
 */
public final class KafkaBenchmarkReport {

    static final String SECTION = "## Kafka: event batches, replay, source";
    static final int RUNS = 3;

    private KafkaBenchmarkReport() {
    }

    public static void main(String[] args) throws Exception {
        Path markdown = Path.of(args.length > 0 ? args[0] : "BENCHMARKS.md");
        String command = args.length > 1 ? args[1] : "benchmarks/kafka.sh";
        String shared = System.getProperty("spikestream.shared", "../shared");

        List<String[]> codecRows = codec(shared);
        List<double[]> e2e = new ArrayList<>();
        ReplaySummary last = null;
        Path train = Path.of(shared, "data/nmnist/Train");
        try (EmbeddedKafka broker = EmbeddedKafka.start()) {
            KafkaEndpoint endpoint = KafkaEndpoint.of(broker);
            for (int run = 0; run < RUNS; run++) {
                String events = "bench.events." + run;
                String labels = "bench.labels." + run;
                Topics.ensure(endpoint, List.of(Topics.standard(1).get(0).named(events),
                    Topics.standard(1).get(1).named(labels), Topics.standard(1).get(4)));
                try (var producer = new KafkaProducer<String, byte[]>(ClientConfigs.producer(endpoint, "bench"))) {
                    last = new Replayer(producer, ReplayOptions.defaults().withTopics(events, labels),
                        ReplayClock.SYSTEM, ReplayProgress.NONE).replay(ReplayPlan.of(List.of(train), null));
                }
                double consumed = consume(endpoint, events, last.batches(), last.events());
                e2e.add(new double[] {last.eventsPerSecond(), consumed});
                System.out.println(last.line() + String.format(Locale.ROOT, " consume_events_per_s=%.0f", consumed));
            }
        }
        String section = render(codecRows, e2e, last, command);
        write(markdown, section);
        System.out.println(section);
    }

    private static List<String[]> codec(String shared) throws RunnerException {
        Options options = new OptionsBuilder()
            .include(EventBatchCodecBenchmark.class.getName() + ".(encode|decode)$")
            .jvmArgsAppend("-Dspikestream.shared=" + shared)
            .build();
        Collection<RunResult> results = new Runner(options).run();
        List<String[]> rows = new ArrayList<>();
        for (RunResult r : results) {
            String op = r.getParams().getBenchmark().substring(r.getParams().getBenchmark().lastIndexOf('.') + 1);
            Result<?> events = r.getSecondaryResults().get("events");
            rows.add(new String[] {op, r.getParams().getParam("batchEvents"),
                String.format(Locale.ROOT, "%.1f ± %.1f", events.getScore() / 1e6, events.getScoreError() / 1e6)});
        }
        return rows;
    }

    /** Reads every batch of a topic through the reactive source, acknowledging each; returns events per second. */
    private static double consume(KafkaEndpoint endpoint, String topic, long batches, long events)
        throws InterruptedException {
        KafkaRecordSource<SensorEvents> source = KafkaRecordSource.create(endpoint,
            SourceOptions.of("bench-" + topic, topic), new EventBatchDecoder());
        CountDownLatch done = new CountDownLatch(1);
        AtomicLong seenBatches = new AtomicLong();
        AtomicLong seenEvents = new AtomicLong();
        long start = System.nanoTime();
        var subscription = source.flux().subscribe(s -> {
            if (s instanceof SourceSignal.Record<SensorEvents> r) {
                seenEvents.addAndGet(r.value().count());
                r.acknowledge();
                if (seenBatches.incrementAndGet() == batches) {
                    done.countDown();
                }
            }
        });
        if (!done.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("consumed only " + seenBatches.get() + " of " + batches + " batches");
        }
        long elapsed = System.nanoTime() - start;
        subscription.dispose();
        source.awaitClosed(java.time.Duration.ofSeconds(60));
        if (seenEvents.get() != events) {
            throw new IllegalStateException("consumed " + seenEvents.get() + " events, replayed " + events);
        }
        return events / (elapsed / 1e9);
    }

    static String render(List<String[]> codecRows, List<double[]> e2e, ReplaySummary summary, String command) {
        StringBuilder s = new StringBuilder();
        s.append(SECTION).append("\n\n");
        s.append("Wire format of event batches (`EventBatchCodecBenchmark`, JMH, one thread, 1 fork, 3 x 1 s warm-up, "
            + "5 x 1 s measurement, score ± 99.9% error): *encode* packs primitive arrays into a `DvsEventBatch` and "
            + "single-object encodes it; *decode* decodes it and unpacks into arrays with the geometry check. Input: "
            + "the first 2^20 events of the N-MNIST training samples.\n\n");
        s.append("| operation | events per batch | M events/s |\n|---|---:|---:|\n");
        for (String[] row : codecRows) {
            s.append("| ").append(row[0]).append(" | ").append(row[1]).append(" | ").append(row[2]).append(" |\n");
        }
        double[] replay = e2e.stream().mapToDouble(r -> r[0]).sorted().toArray();
        double[] consume = e2e.stream().mapToDouble(r -> r[1]).sorted().toArray();
        s.append("\nEnd to end against the embedded broker in the same JVM (both share the 2 cores): the N-MNIST "
            + "training tree (").append(summary.files()).append(" recordings, ")
            .append(String.format(Locale.ROOT, "%,d", summary.events())).append(" events, ")
            .append(summary.batches()).append(" batches of up to 1024 events, ")
            .append(String.format(Locale.ROOT, "%.2f", summary.megabytes()))
            .append(" MB of values, about ")
            .append(String.format(Locale.ROOT, "%.2f", (double) summary.bytes() / summary.events()))
            .append(" bytes per event) replayed with `--as-fast-as-possible` (lz4, acks=all, idempotent), then "
                + "consumed through `KafkaRecordSource` (decode, geometry check, acknowledgement and commit of "
                + "every batch); ").append(RUNS).append(" runs, median [min, max] (the first run includes JIT warm-up; "
                + "replay decodes each labelled recording twice, once to find its label window).\n\n");
        s.append("| stage | M events/s |\n|---|---:|\n");
        s.append(String.format(Locale.ROOT, "| replay (publish, flushed) | %.2f [%.2f, %.2f] |%n",
            replay[replay.length / 2] / 1e6, replay[0] / 1e6, replay[replay.length - 1] / 1e6));
        s.append(String.format(Locale.ROOT, "| reactive source (from subscription to last batch) | %.2f [%.2f, %.2f] |%n",
            consume[consume.length / 2] / 1e6, consume[0] / 1e6, consume[consume.length - 1] / 1e6));
        s.append("\n- Machine: ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
            .append(" cores visible, shared with other work at the time.\n");
        s.append("- JVM: ").append(System.getProperty("java.vm.name")).append(' ')
            .append(System.getProperty("java.runtime.version")).append(".\n");
        s.append("- Command: `").append(command).append("`\n");
        s.append("- Date: ").append(LocalDate.now()).append("\n");
        return s.toString();
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(System.getProperty("os.arch"));
        } catch (IOException e) {
            return System.getProperty("os.arch");
        }
    }

    /** Replaces this section (up to the next "## " heading) or appends it. */
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
