package io.spikestream.benchmarks.live;

import io.spikestream.app.learn.NmnistSamples;
import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.learner.Settings;
import io.spikestream.schemas.DvsEventBatch;
import io.spikestream.schemas.EventBatchLayout;
import io.spikestream.schemas.Prediction;
import io.spikestream.schemas.SingleObjectCodec;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The latency a camera user feels, whole path: an event batch sent by a producer at live rate (one batch per
 * millisecond of stream time, paced by the wall clock) -> events topic -> {@code ./spikestream run} (default settings:
 * continuous time, reorder slack 2 ms, a tick every 10 ms, predictions sent without linger) -> predictions topic -> a
 * consumer. For every batch: wall time from its send to the arrival of the first tick prediction whose span ends after
 * the batch's newest event (the first prediction covering it); p50, p99 and max. Embedded broker unless a bootstrap
 * address is given.
 *
 * <p>Two figures, both stated: {@code latency_start}, the first {@value #WARMUP_S} s of stream time of the first camera
 * of a fresh JVM (class loading, JIT compilation, the sensor's learner built on its first record, the first fetches),
 * and {@code latency}, the steady state after them. The run traces every tick ({@code output.latency_trace}), so
 * {@code latency_stages} splits each batch's latency into: {@code tick_wait} (until the event that closes its tick is
 * sent: the rest of the tick, the reorder slack and the readout delay, in stream time), {@code produce_to_poll} (that
 * event through the broker into the learner's consumer), {@code poll_to_apply} (the hop to the learner thread),
 * {@code apply_to_publish} (simulating up to the watermark and scoring the tick) and {@code publish_to_receive} (the
 * predictions producer, the broker and the checking consumer); medians, means, and means over the slowest 1% (what the
 * tail is made of). {@code produce_to_ack} (the closing event's send to its producer's acknowledgement: the broker's
 * append and the way back) is a part of {@code produce_to_poll}, shown beside it. GC pauses in the measured window come from the JVM's collector beans.
 *
 * <p>Usage: {@code LiveLatencyBench DATA_DIR [SECONDS] [n_rec] [bootstrap]}; system property
 * {@code spikestream.latency.set} (comma-separated {@code key=value}) passes extra {@code --set}s to {@code run}.
 */
public final class LiveLatencyBench {

    /** Stream seconds sent before the measured ones (reported as {@code latency_start}). */
    static final int WARMUP_S = 5;
    static final String[] STAGES = {"tick_wait", "produce_to_poll", "poll_to_apply", "apply_to_publish",
        "publish_to_receive", "produce_to_ack"};

    /**
     * The checking consumer's {@code fetch.max.wait.ms}. With {@code fetch.min.bytes} 1 the broker answers a waiting
     * fetch as soon as a prediction is appended, so this only paces empty fetches: 5 ms (up to 3 December) cost the
     * broker 200 empty fetches a second and bought nothing.
     */
    static final int CHECK_FETCH_MAX_WAIT_MS = 100;

    private LiveLatencyBench() {
    }

    /** A batch sent: when (nanoTime and wall us), its newest event's stream time, and its offset once acknowledged. */
    private static final class Sent {
        final long nanos;
        final long wallUs;
        final long newestUs;
        volatile long offset = -1;
        /** Wall us of the producer's acknowledgement (the broker appended it). */
        volatile long ackUs = -1;

        Sent(long nanos, long wallUs, long newestUs) {
            this.nanos = nanos;
            this.wallUs = wallUs;
            this.newestUs = newestUs;
        }
    }

    /** A tick prediction received, with the stages of the event record that closed its tick (-1: not traced). */
    private record Received(long nanos, long wallUs, long windowEndUs, long polledUs, long appliedUs, long publishedUs,
                            long triggerOffset) {
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 10;
        int nRec = args.length > 2 ? Integer.parseInt(args[2]) : 150;
        EmbeddedKafka embedded = args.length > 3 ? null : EmbeddedKafka.start();
        String bs = embedded != null ? embedded.bootstrapServers() : args[3];
        String sensor = "latency-" + Long.toHexString(System.nanoTime());
        List<NmnistSamples.Sample> samples = NmnistSamples.list(data.resolve("Test"));
        List<String> overrides = new ArrayList<>(List.of("network.n_rec=" + nRec, "output.metrics_port=0",
            "pipeline.group_id=" + sensor, "output.latency_trace=true"));
        String extra = System.getProperty("spikestream.latency.set", "");
        for (String kv : extra.split(",")) {
            if (!kv.isBlank()) {
                overrides.add(kv.trim());
            }
        }
        Settings settings = Settings.load(List.of(), overrides);

        // the deployment, as an operator starts it
        List<String> runArgs = new ArrayList<>(List.of("run", "--bootstrap-servers", bs));
        for (String o : overrides) {
            runArgs.add("--set");
            runArgs.add(o);
        }
        Thread run = new Thread(() -> io.spikestream.app.Main.execute(runArgs.toArray(new String[0])), "run");
        run.start();

        ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
        String probe = sensor + "-probe";
        CountDownLatch probed = new CountDownLatch(1);
        Thread consumer = new Thread(() -> {
            SingleObjectCodec<Prediction> codec = SpikestreamSchemas.codec(Prediction.class);
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bs, "group.id",
                sensor + "-check", "auto.offset.reset", "earliest", "fetch.max.wait.ms", Integer.toString(CHECK_FETCH_MAX_WAIT_MS)), new StringDeserializer(),
                new ByteArrayDeserializer())) {
                c.subscribe(List.of(settings.s("output.predictions_topic")));
                while (!Thread.currentThread().isInterrupted()) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(50))) {
                        long now = System.nanoTime();
                        long nowUs = wallUs();
                        if (r.key().equals(probe)) {
                            probed.countDown();
                        } else if (r.key().equals(sensor)) {
                            Prediction p = codec.decode(r.value());
                            if (p.getKind().equals("tick")) {
                                received.add(traced(now, nowUs, p.getWindowEndUs(), r.headers().lastHeader(
                                    io.spikestream.app.pipeline.LatencyTrace.HEADER)));
                            }
                        }
                    }
                }
            } catch (org.apache.kafka.common.errors.InterruptException e) {
                // stopped
            } catch (io.spikestream.schemas.RecordDecodeException e) {
                throw new IllegalStateException("a prediction did not decode", e);
            }
        }, "check");
        consumer.start();

        SingleObjectCodec<DvsEventBatch> batches = SpikestreamSchemas.codec(DvsEventBatch.class);
        String eventsTopic = settings.s("pipeline.events_topic");
        // Not measured: the run subscribes, its consumer and the checking consumer join. A probe sensor's prediction
        // arriving at the checking consumer proves both ends are live before the measured stream starts.
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bs),
            new StringSerializer(), new ByteArraySerializer())) {
            long[] t = new long[200];
            int[] xy = new int[200];
            byte[] pol = new byte[200];
            for (int i = 0; i < t.length; i++) {
                t[i] = i * 100L;
                xy[i] = i % 34;
            }
            DvsEventBatch b = EventBatchLayout.pack(EventBatchLayout.Header.live(probe, 34, 34, 0, 0), xy, xy, pol, t, 0,
                t.length);
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (!probed.await(2, TimeUnit.SECONDS)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no prediction for the probe sensor within 120 s: is `run` up?");
                }
                producer.send(new ProducerRecord<>(eventsTopic, probe, batches.encode(b)));
            }
        }
        List<Sent> sent = new ArrayList<>();
        long[][] gc = new long[2][];
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bs, "linger.ms", "0",
            "acks", "1"), new StringSerializer(), new ByteArraySerializer())) {
            long offset = 0;
            long seq = 0;
            long wall0 = System.nanoTime();
            int k = 0;
            // WARMUP_S s of start first (the learner is built on the sensor's first record and the JIT warms up), then
            // the measured seconds, then 1 s more (the end of a stream is closed only by the idle timeout: not measured)
            while (offset < (WARMUP_S + seconds + 1) * 1e6) {
                LiveStreamBench.Recording r = LiveStreamBench.load(samples.get(k++ % samples.size()));
                long[] t = new long[r.t().length];
                for (int i = 0; i < t.length; i++) {
                    t[i] = r.t()[i] + offset;
                }
                int from = 0;
                while (from < t.length) {
                    int to = from;
                    long until = t[from] + 1000;
                    while (to < t.length && t[to] < until) {
                        to++;
                    }
                    long due = wall0 + (t[to - 1] * 1000L);
                    pace(due);
                    int phase = t[to - 1] < WARMUP_S * 1_000_000L ? 0 : t[to - 1] < (WARMUP_S + seconds) * 1e6 ? 1 : 2;
                    if (phase > 0 && gc[phase - 1] == null) {
                        gc[phase - 1] = gcTotals();
                    }
                    DvsEventBatch b = EventBatchLayout.pack(EventBatchLayout.Header.live(sensor, 34, 34, seq++, from),
                        r.x(), r.y(), r.p(), t, from, to - from);
                    Sent s = new Sent(System.nanoTime(), wallUs(), t[to - 1]);
                    sent.add(s);
                    producer.send(new ProducerRecord<>(eventsTopic, sensor, batches.encode(b)), (md, e) -> {
                        if (e == null) {
                            s.ackUs = wallUs();
                            s.offset = md.offset();
                        }
                    });
                    from = to;
                }
                offset += r.lastUs() + 1 + 5_000;
            }
        }
        // the idle timeout (1 s) moves the sensor past its last batch; wait for the prediction covering it
        long lastSent = sent.get(sent.size() - 1).newestUs;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (received.stream().noneMatch(x -> x.windowEndUs() >= lastSent) && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
        }
        consumer.interrupt();
        consumer.join();
        run.interrupt();
        run.join();
        if (embedded != null) {
            embedded.close();
        }
        report(settings, sent, received.toArray(new Received[0]), seconds, nRec, gc);
        System.exit(0);
    }

    /** The latencies of one phase (start or steady state) and their stages, in send order. */
    private static final class Phase {
        final long[] lat;
        final double[][] stages;
        final long[] worstPerSecond;
        int n;
        int traced;

        Phase(int capacity, int seconds) {
            lat = new long[capacity];
            stages = new double[STAGES.length][capacity];
            worstPerSecond = new long[seconds];
        }

        void add(long latency, int second, double[] st) {
            lat[n] = latency;
            worstPerSecond[Math.min(worstPerSecond.length - 1, second)] = Math.max(
                worstPerSecond[Math.min(worstPerSecond.length - 1, second)], latency);
            for (int i = 0; i < STAGES.length; i++) {
                stages[i][n] = st == null ? Double.NaN : st[i];
            }
            traced += st == null ? 0 : 1;
            n++;
        }

        long[] sorted() {
            long[] s = Arrays.copyOf(lat, n);
            Arrays.sort(s);
            return s;
        }

        /** Per stage: median, mean, and mean over the batches at or above the phase's p99 (what its tail is made of). */
        String stages() {
            double p99 = q(sorted(), 0.99);
            StringBuilder st = new StringBuilder("traced=" + traced);
            for (int i = 0; i < STAGES.length; i++) {
                double[] all = new double[n];
                int m = 0;
                double sum = 0;
                double tailSum = 0;
                int tailN = 0;
                for (int b = 0; b < n; b++) {
                    if (Double.isNaN(stages[i][b])) {
                        continue;
                    }
                    all[m++] = stages[i][b];
                    sum += stages[i][b];
                    if (lat[b] / 1e6 >= p99) {
                        tailSum += stages[i][b];
                        tailN++;
                    }
                }
                all = Arrays.copyOf(all, m);
                Arrays.sort(all);
                st.append(String.format(Locale.ROOT, " %s_p50_ms=%.1f %s_mean_ms=%.1f %s_p99tail_mean_ms=%.1f", STAGES[i],
                    m == 0 ? Double.NaN : all[Math.max(0, (int) Math.ceil(0.5 * m) - 1)], STAGES[i],
                    m == 0 ? Double.NaN : sum / m, STAGES[i], tailN == 0 ? Double.NaN : tailSum / tailN));
            }
            return st.toString();
        }

        String figures() {
            long[] s = sorted();
            return String.format(Locale.ROOT, "p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f", q(s, 0.5), q(s, 0.9),
                q(s, 0.99), n == 0 ? Double.NaN : s[n - 1] / 1e6);
        }
    }

    private static void report(Settings s, List<Sent> sent, Received[] preds, double seconds, int nRec, long[][] gc) {
        Map<Long, Sent> byOffset = new java.util.HashMap<>();
        for (Sent x : sent) {
            byOffset.put(x.offset, x);
        }
        Phase start = new Phase(sent.size(), WARMUP_S);
        Phase steady = new Phase(sent.size(), (int) Math.ceil(seconds) + 1);
        int j = 0;
        for (Sent b : sent) {
            while (j < preds.length && preds[j].windowEndUs() <= b.newestUs) {
                j++;
            }
            if (j >= preds.length || b.newestUs >= (WARMUP_S + seconds) * 1e6) {
                continue;
            }
            Received p = preds[j];
            Sent trigger = p.triggerOffset() < 0 ? null : byOffset.get(p.triggerOffset());
            double[] st = null;
            if (trigger != null) {
                st = new double[] {trigger.wallUs - b.wallUs, p.polledUs() - trigger.wallUs, p.appliedUs() - p.polledUs(),
                    p.publishedUs() - p.appliedUs(), p.wallUs() - p.publishedUs(),
                    trigger.ackUs < 0 ? Double.NaN : trigger.ackUs - trigger.wallUs};
                for (int i = 0; i < st.length; i++) {
                    st[i] /= 1e3;
                }
            }
            int second = (int) (b.newestUs / 1_000_000);
            if (second < WARMUP_S) {
                start.add(p.nanos() - b.nanos, second, st);
            } else {
                steady.add(p.nanos() - b.nanos, second - WARMUP_S, st);
            }
        }
        String settings = String.format(Locale.ROOT, "reorder_slack_us=%d predict_every_ms=%s producer_linger_ms=0 "
                + "prediction_linger_ms=%d consumer_fetch_max_wait_ms=%d", s.l("time.reorder_slack_us"),
            fmt(s.d("output.predict_every_ms")), s.l("output.linger_ms"), CHECK_FETCH_MAX_WAIT_MS);
        System.out.printf(Locale.ROOT, "latency_start first_s=%d measured=%d %s worst_ms_per_stream_second=%s%n", WARMUP_S,
            start.n, start.figures(), perSecond(start.worstPerSecond));
        System.out.println("latency_start_stages " + start.stages());
        System.out.printf(Locale.ROOT, "latency warmup_s=" + WARMUP_S + " batches=%d measured=%d ticks=%d %s stream_s=%.1f "
                + "n_rec=%d %s worst_ms_per_stream_second=%s gc=%s collector=%s%n", sent.size(), steady.n, preds.length,
            steady.figures(), seconds, nRec, settings, perSecond(steady.worstPerSecond), gcDelta(gc), collectors());
        System.out.println("latency_stages " + steady.stages());
    }

    /**
     * Waits until {@code nanoTime} reaches {@code due}: parked, then spinning for the last {@value #SPIN_NS} ns. A
     * camera or the bridge sends when its data is there and does not burn a core waiting; spinning the whole
     * millisecond between batches (as this harness did up to 3 December) took one of the machine's two cores from the
     * broker, the learner and the consumers.
     */
    private static void pace(long due) {
        long left;
        while ((left = due - System.nanoTime()) > SPIN_NS) {
            java.util.concurrent.locks.LockSupport.parkNanos(left - SPIN_NS);
        }
        while (System.nanoTime() < due) {
            Thread.onSpinWait();
        }
    }

    /** The last stretch of a wait spent spinning: a park overshoots by about the kernel's timer slack (50 us). */
    static final long SPIN_NS = 60_000;

    /** A tick prediction received now, with the stages of its {@code spikestream.stages} header when it has one. */
    private static Received traced(long nanos, long nowUs, long windowEndUs, Header h) {
        long polled = -1;
        long applied = -1;
        long published = -1;
        long offset = -1;
        if (h != null) {
            for (String kv : new String(h.value(), StandardCharsets.US_ASCII).split(" ")) {
                int eq = kv.indexOf('=');
                String v = kv.substring(eq + 1);
                switch (kv.substring(0, eq)) {
                    case "polled_us" -> polled = Long.parseLong(v);
                    case "applied_us" -> applied = Long.parseLong(v);
                    case "published_us" -> published = Long.parseLong(v);
                    case "trigger" -> offset = Long.parseLong(v.substring(v.lastIndexOf('@') + 1));
                    default -> {
                    }
                }
            }
        }
        return new Received(nanos, nowUs, windowEndUs, polled, applied, published, offset);
    }

    private static long wallUs() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }

    /** Collections and their total time (ms) per collector bean. */
    private static long[] gcTotals() {
        List<GarbageCollectorMXBean> beans = ManagementFactory.getGarbageCollectorMXBeans();
        long[] t = new long[beans.size() * 2];
        for (int i = 0; i < beans.size(); i++) {
            t[2 * i] = beans.get(i).getCollectionCount();
            t[2 * i + 1] = beans.get(i).getCollectionTime();
        }
        return t;
    }

    /** Per collector bean, collections/ms in the measured window (ZGC's "Cycles" beans count concurrent work). */
    private static String gcDelta(long[][] gc) {
        if (gc[0] == null || gc[1] == null) {
            return "unknown";
        }
        List<GarbageCollectorMXBean> beans = ManagementFactory.getGarbageCollectorMXBeans();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < beans.size(); i++) {
            b.append(b.isEmpty() ? "" : ",").append(beans.get(i).getName().replace(' ', '_')).append(':')
                .append(gc[1][2 * i] - gc[0][2 * i]).append('/').append(gc[1][2 * i + 1] - gc[0][2 * i + 1]).append("ms");
        }
        return b.toString();
    }

    private static String collectors() {
        StringBuilder b = new StringBuilder();
        for (var bean : ManagementFactory.getGarbageCollectorMXBeans()) {
            b.append(b.isEmpty() ? "" : "+").append(bean.getName().replace(' ', '_'));
        }
        return b.toString();
    }

    private static String perSecond(long[] worst) {
        StringBuilder perSecond = new StringBuilder();
        for (long w : worst) {
            perSecond.append(perSecond.isEmpty() ? "" : ",").append(String.format(Locale.ROOT, "%.0f", w / 1e6));
        }
        return perSecond.toString();
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private static double q(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }
}
