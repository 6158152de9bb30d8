package io.spikestream.app;

import io.spikestream.ingest.bridge.SourceAllowList;
import io.spikestream.ingest.bridge.UdpBridge;
import io.spikestream.ingest.format.SensorGeometry;
import io.spikestream.sinks.metrics.MetricsEndpoint;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bridge's drop and error counters are scraped from its /metrics endpoint with the values the bridge counted. */
class BridgeMetricsTest {

    @Test
    void rejectedSendersKernelDropsSendErrorsAndLivenessAreExported() throws Exception {
        // nothing reaches the producer (every sender is refused), so it never needs a broker
        Map<String, Object> config = Map.of("bootstrap.servers", "127.0.0.1:1",
            "key.serializer", StringSerializer.class.getName(), "value.serializer", ByteArraySerializer.class.getName());
        try (var producer = new KafkaProducer<String, byte[]>(config);
             UdpBridge bridge = UdpBridge.bind(new InetSocketAddress("127.0.0.1", 0), producer,
                 new UdpBridge.Options("cam", new SensorGeometry(34, 34), "t", 16, 1_000L), InstantSource.system())
                 .allowOnly(SourceAllowList.parse(List.of("10.0.0.1"))).start();
             MetricsEndpoint metrics = BridgeMetrics.serve(bridge.stats(), () -> bridge.failure() == null, "127.0.0.1", 0);
             DatagramSocket sender = new DatagramSocket()) {
            byte[] d = new byte[8];
            for (int i = 0; i < 4; i++) {
                sender.send(new DatagramPacket(d, d.length, bridge.localAddress()));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> bridge.stats().rejectedSources() == 4);
            String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metrics.uri().toString())).build(),
                HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(text.contains("spikestream_bridge_dropped_total{reason=\"rejected_source\"} 4.0"), text);
            assertTrue(text.contains("spikestream_bridge_dropped_total{reason=\"malformed_datagram\"} 0.0"), text);
            assertTrue(text.contains("spikestream_bridge_send_errors_total 0.0"), text);
            assertTrue(text.contains("spikestream_bridge_kernel_drops 0.0"), "Linux reports the socket's drops: " + text);
            assertTrue(text.contains("spikestream_bridge_up 1.0"), text);
            assertTrue(text.contains("spikestream_bridge_datagrams_total 0.0"), text);
        }
    }
}
