package io.spikestream.ingest.bridge;

import io.spikestream.ingest.format.SensorGeometry;
import io.spikestream.ingest.kafka.EventBatchDecoder;
import io.spikestream.ingest.kafka.SensorEvents;
import io.spikestream.ingest.kafka.TestKafka;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.spikestream.ingest.bridge.SpifDecoderTest.datagram;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Datagrams over loopback, good and bad, through the bridge into the embedded broker and back. */
class UdpBridgeTest {

    /** A wall clock the test moves by hand. */
    static final class ManualClock implements InstantSource {
        volatile Instant now = Instant.parse("2026-11-23T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        long micros() {
            return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
        }
    }

    @Test
    void exactlyTheValidEventsArriveAndBadDatagramsAreCounted() throws Exception {
        String topic = TestKafka.topic("bridge-events", 2);
        ManualClock clock = new ManualClock();
        UdpBridge.Options options = new UdpBridge.Options("cam-udp", new SensorGeometry(346, 260), topic, 4096,
            10_000_000L);
        List<byte[]> datagrams = List.of(
            datagram(SpifLayout.word(10, 20, 1, false), SpifLayout.word(11, 21, 0, false),
                SpifLayout.word(345, 259, 1, false)),
            datagram(SpifLayout.word(1, 1, 0, true), 1_000, SpifLayout.word(2, 2, 1, true), 1_500),
            new byte[] {1, 2, 3, 4, 5, 6, 7},                                        // malformed
            datagram(SpifLayout.word(5, 5, 1, false), SpifLayout.word(6, 6, 0, true)), // truncated last event
            datagram(SpifLayout.word(346, 0, 1, false), SpifLayout.word(0, 260, 1, false),
                SpifLayout.word(100, 100, 0, false)),                                 // two outside 346x260
            new byte[0]);                                                             // malformed (empty)
        long[] arrivals = new long[datagrams.size()];

        try (var producer = TestKafka.producer();
             UdpBridge bridge = UdpBridge.bind(new InetSocketAddress("127.0.0.1", 0), producer, options, clock).start();
             DatagramSocket sender = new DatagramSocket()) {
            InetSocketAddress target = bridge.localAddress();
            for (int i = 0; i < datagrams.size(); i++) {
                clock.now = clock.now.plusMillis(3);
                arrivals[i] = clock.micros();
                byte[] d = datagrams.get(i);
                sender.send(new DatagramPacket(d, d.length, target));
                int expected = i + 1;
                await().atMost(Duration.ofSeconds(30)).until(() -> bridge.stats().datagrams() == expected);
                if (i == 1) {
                    // The first batch is older than the flush interval once the clock moves 11 s on.
                    clock.now = clock.now.plusSeconds(11);
                    await().atMost(Duration.ofSeconds(30)).until(() -> bridge.stats().batches() == 1);
                }
            }
            bridge.close();
            BridgeStats stats = bridge.stats();
            assertEquals(6, stats.datagrams());
            assertEquals(2, stats.malformedDatagrams());
            assertEquals(1, stats.truncatedEvents());
            assertEquals(2, stats.outOfGeometryEvents());
            assertEquals(7, stats.events());
            assertEquals(2, stats.batches());
            assertEquals("bridge datagrams=6 events=7 batches=2 malformed_datagrams=2 truncated_events=1 out_of_geometry=2"
                + " rejected_sources=0 kernel_drops=" + stats.kernelDrops() + " send_errors=0", stats.line());
        }

        List<ConsumerRecord<String, byte[]>> records = TestKafka.readAll(topic, 2);
        EventBatchDecoder decoder = new EventBatchDecoder();
        List<SensorEvents> batches = new ArrayList<>();
        for (var r : records) {
            assertEquals("cam-udp", r.key());
            batches.add(decoder.decode(r));
        }
        assertEquals(List.of(0L, 1L), batches.stream().map(SensorEvents::sequence).toList());
        assertEquals(List.of(0L, 5L), batches.stream().map(SensorEvents::sourceEventIndex).toList());
        int[] x = concat(batches, SensorEvents::x);
        int[] y = concat(batches, SensorEvents::y);
        assertArrayEquals(new int[] {10, 11, 345, 1, 2, 5, 100}, x);
        assertArrayEquals(new int[] {20, 21, 259, 1, 2, 5, 100}, y);
        byte[] p = new byte[7];
        long[] t = new long[7];
        int at = 0;
        for (SensorEvents b : batches) {
            System.arraycopy(b.polarity(), 0, p, at, b.count());
            System.arraycopy(b.timestampUs(), 0, t, at, b.count());
            at += b.count();
            assertEquals(346, b.width());
            assertEquals(260, b.height());
        }
        assertArrayEquals(new byte[] {1, 0, 1, 0, 1, 1, 0}, p);
        assertArrayEquals(new long[] {arrivals[0], arrivals[0], arrivals[0], arrivals[1], arrivals[1] + 500,
            arrivals[3], arrivals[4]}, t);
    }

    @Test
    void aQuietSocketIsCheckedAtLeastOncePerFlushIntervalSoTheLastBatchLeavesOnTime() throws Exception {
        ManualClock clock = new ManualClock();
        long[][] flushUsToTimeoutMs = {{5_000, 5}, {10_000, 10}, {300, 1}, {1_500, 2}, {10_000_000, UdpBridge.RECEIVE_TIMEOUT_MS}};
        for (long[] c : flushUsToTimeoutMs) {
            UdpBridge.Options options = new UdpBridge.Options("cam-t", new SensorGeometry(34, 34), "unused", 4096, c[0]);
            try (var producer = new org.apache.kafka.clients.producer.MockProducer<String, byte[]>();
                 UdpBridge bridge = UdpBridge.bind(new InetSocketAddress("127.0.0.1", 0), producer, options, clock)) {
                assertEquals(c[1], bridge.receiveTimeoutMs(), "flush interval " + c[0] + " us");
            }
        }
    }

    private static int[] concat(List<SensorEvents> batches, java.util.function.Function<SensorEvents, int[]> f) {
        int[] out = new int[0];
        for (SensorEvents b : batches) {
            int n = out.length;
            out = Arrays.copyOf(out, n + b.count());
            System.arraycopy(f.apply(b), 0, out, n, b.count());
        }
        return out;
    }
}
