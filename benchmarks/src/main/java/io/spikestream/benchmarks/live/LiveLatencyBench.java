package io.spikestream.benchmarks.live;

import io.spikestream.app.learn.NmnistSamples;
import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.schemas.DvsEventBatch;
import io.spikestream.schemas.EventBatchLayout;
import io.spikestream.schemas.Prediction;
import io.spikestream.schemas.SingleObjectCodec;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The latency a camera user feels, whole path: an event batch sent by a producer at live rate (one batch per
 * millisecond of stream time, paced by the wall clock) -> events topic -> {@code ./spikestream run} (default settings:
 * continuous time, reorder slack 2 ms, a tick every 10 ms) -> predictions topic -> a consumer. For every batch: wall time
 * from its send to the arrival of the first tick prediction whose span ends after the batch's newest event (the first
 * prediction covering it); p50, p99 and max. Embedded broker unless a bootstrap address is given.
 *
 * <p>Usage: {@code LiveLatencyBench DATA_DIR [SECONDS] [n_rec] [bootstrap]}.
 */
public final class LiveLatencyBench {

    /** Stream seconds sent before the measured ones. */
    static final int WARMUP_S = 3;

    private LiveLatencyBench() {
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 10;
        int nRec = args.length > 2 ? Integer.parseInt(args[2]) : 150;
        EmbeddedKafka embedded = args.length > 3 ? null : EmbeddedKafka.start();
        String bs = embedded != null ? embedded.bootstrapServers() : args[3];
        String sensor = "latency-" + Long.toHexString(System.nanoTime());
        List<NmnistSamples.Sample> samples = NmnistSamples.list(data.resolve("Test"));

        // the deployment, as an operator starts it
        Thread run = new Thread(() -> io.spikestream.app.Main.execute("run", "--bootstrap-servers", bs, "--set",
            "network.n_rec=" + nRec, "--set", "output.metrics_port=0", "--set", "pipeline.group_id=" + sensor), "run");
        run.start();

        ConcurrentLinkedQueue<long[]> received = new ConcurrentLinkedQueue<>(); // {recvNanos, windowEndUs}
        String probe = sensor + "-probe";
        java.util.concurrent.CountDownLatch probed = new java.util.concurrent.CountDownLatch(1);
        Thread consumer = new Thread(() -> {
            SingleObjectCodec<Prediction> codec = SpikestreamSchemas.codec(Prediction.class);
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bs, "group.id",
                sensor + "-check", "auto.offset.reset", "earliest", "fetch.max.wait.ms", "5"), new StringDeserializer(),
                new ByteArrayDeserializer())) {
                c.subscribe(List.of("spikestream.predictions"));
                while (!Thread.currentThread().isInterrupted()) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(50))) {
                        long now = System.nanoTime();
                        if (r.key().equals(probe)) {
                            probed.countDown();
                        } else if (r.key().equals(sensor)) {
                            Prediction p = codec.decode(r.value());
                            if (p.getKind().equals("tick")) {
                                received.add(new long[] {now, p.getWindowEndUs()});
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
            while (!probed.await(2, java.util.concurrent.TimeUnit.SECONDS)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no prediction for the probe sensor within 120 s: is `run` up?");
                }
                producer.send(new ProducerRecord<>("spikestream.events", probe, batches.encode(b)));
            }
        }
        List<long[]> sent = new ArrayList<>(); // {sendNanos, newest event time}
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bs, "linger.ms", "0",
            "acks", "1"), new StringSerializer(), new ByteArraySerializer())) {
            long offset = 0;
            long seq = 0;
            long wall0 = System.nanoTime();
            int k = 0;
            // 3 s of warm-up first (the learner is built on the sensor's first record and the JIT warms up), then the
            // measured seconds, then 1 s more (the end of a stream is closed only by the idle timeout: not measured)
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
                    while (System.nanoTime() < due) {
                        Thread.onSpinWait();
                    }
                    DvsEventBatch b = EventBatchLayout.pack(EventBatchLayout.Header.live(sensor, 34, 34, seq++, from),
                        r.x(), r.y(), r.p(), t, from, to - from);
                    sent.add(new long[] {System.nanoTime(), t[to - 1]});
                    producer.send(new ProducerRecord<>("spikestream.events", sensor, batches.encode(b)));
                    from = to;
                }
                offset += r.lastUs() + 1 + 5_000;
            }
        }
        // the idle timeout (1 s) moves the sensor past its last batch; wait for the prediction covering it
        long lastSent = sent.get(sent.size() - 1)[1];
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (received.stream().noneMatch(x -> x[1] >= lastSent) && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
        }
        consumer.interrupt();
        consumer.join();
        run.interrupt();
        run.join();
        if (embedded != null) {
            embedded.close();
        }

        long[][] preds = received.toArray(new long[0][]);
        long[] lat = new long[sent.size()];
        int secs = (int) Math.ceil(seconds) + 1;
        long[] worstPerSecond = new long[secs];
        int n = 0;
        int j = 0;
        for (long[] s : sent) {
            while (j < preds.length && preds[j][1] <= s[1]) {
                j++;
            }
            if (s[1] < WARMUP_S * 1_000_000L || s[1] >= (WARMUP_S + seconds) * 1e6) {
                continue;
            }
            if (j < preds.length) {
                lat[n] = preds[j][0] - s[0];
                int sec = (int) Math.min(secs - 1, s[1] / 1_000_000 - WARMUP_S);
                worstPerSecond[sec] = Math.max(worstPerSecond[sec], lat[n]);
                n++;
            }
        }
        StringBuilder perSecond = new StringBuilder();
        for (long w : worstPerSecond) {
            perSecond.append(perSecond.isEmpty() ? "" : ",").append(String.format(Locale.ROOT, "%.0f", w / 1e6));
        }
        lat = Arrays.copyOf(lat, n);
        Arrays.sort(lat);
        System.out.printf(Locale.ROOT, "latency warmup_s=" + WARMUP_S + " batches=%d measured=%d ticks=%d p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f "
                + "stream_s=%.1f n_rec=%d reorder_slack_us=2000 predict_every_ms=10 producer_linger_ms=0 "
                + "prediction_linger_ms=5 consumer_fetch_max_wait_ms=5 worst_ms_per_stream_second=%s%n", sent.size(), n,
            preds.length,
            q(lat, 0.5), q(lat, 0.9), q(lat, 0.99), n == 0 ? Double.NaN : lat[n - 1] / 1e6, seconds, nRec, perSecond);
        System.exit(0);
    }

    private static double q(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }
}
