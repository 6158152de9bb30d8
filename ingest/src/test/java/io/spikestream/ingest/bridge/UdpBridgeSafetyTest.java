package io.spikestream.ingest.bridge;

import io.spikestream.ingest.format.SensorGeometry;
import io.spikestream.ingest.kafka.TestKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;

import static io.spikestream.ingest.bridge.SpifDecoderTest.datagram;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bridge against hostile or broken surroundings: senders outside the allow-list are dropped and counted, the
 * kernel's drops for the socket are read, a producer that refuses sends stops the bridge thread with a reason its
 * owner can see.
 */
class UdpBridgeSafetyTest {

    private static final UdpBridge.Options OPTIONS = new UdpBridge.Options("cam-safe", new SensorGeometry(34, 34), "unused",
        4096, 10_000L);

    @Test
    void allowListsMatchAddressesAndCidrBlocksOfBothFamilies() throws Exception {
        SourceAllowList list = SourceAllowList.parse(List.of("10.1.2.3", "192.168.7.0/24,fd00::/8", " ::1 "));
        assertTrue(list.allows(InetAddress.getByName("10.1.2.3")));
        assertFalse(list.allows(InetAddress.getByName("10.1.2.4")));
        assertTrue(list.allows(InetAddress.getByName("192.168.7.200")));
        assertFalse(list.allows(InetAddress.getByName("192.168.8.1")));
        assertTrue(list.allows(InetAddress.getByName("fd12::1")));
        assertTrue(list.allows(InetAddress.getByName("::1")));
        assertFalse(list.allows(InetAddress.getByName("127.0.0.1")));
        assertTrue(SourceAllowList.parse(List.of("172.16.0.0/12")).allows(InetAddress.getByName("172.31.255.255")));
        assertFalse(SourceAllowList.parse(List.of("172.16.0.0/12")).allows(InetAddress.getByName("172.32.0.0")));
        assertTrue(SourceAllowList.parse(List.of()).acceptsAny());
        for (String bad : List.of("camera.local", "10.0.0.0/33", "10.0.0.0/x", "1.2.3.4.5")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SourceAllowList.parse(List.of(bad)));
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void datagramsFromSendersOutsideTheAllowListAreDroppedAndCounted() throws Exception {
        String topic = TestKafka.topic("bridge-allow", 1);
        UdpBridge.Options options = new UdpBridge.Options("cam-allow", new SensorGeometry(34, 34), topic, 4096, 1_000L);
        byte[] d = datagram(SpifLayout.word(1, 2, 1, false));
        try (var producer = TestKafka.producer();
             UdpBridge refusing = UdpBridge.bind(new InetSocketAddress("127.0.0.1", 0), producer, options, InstantSource.system())
                 .allowOnly(SourceAllowList.parse(List.of("10.9.9.9", "::1"))).start();
             UdpBridge accepting = UdpBridge.bind(new InetSocketAddress("127.0.0.1", 0), producer, options, InstantSource.system())
                 .allowOnly(SourceAllowList.parse(List.of("127.0.0.0/8"))).start();
             DatagramSocket sender = new DatagramSocket()) {
            for (int i = 0; i < 3; i++) {
                sender.send(new DatagramPacket(d, d.length, refusing.localAddress()));
                sender.send(new DatagramPacket(d, d.length, accepting.localAddress()));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> refusing.stats().rejectedSources() == 3
                && accepting.stats().events() == 3);
            assertEquals(0, refusing.stats().datagrams(), "rejected before decoding");
            assertEquals(0, refusing.stats().events());
            assertEquals(0, accepting.stats().rejectedSources());
            assertTrue(refusing.stats().line().contains(" rejected_sources=3 "), refusing.stats().line());
        }
    }

    @Test
    void theKernelsDropsOfASocketAreRead() throws Exception {
        try (DatagramSocket full = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             DatagramSocket sender = new DatagramSocket()) {
            full.setReceiveBufferSize(2048); // never read: the kernel drops what does not fit
            int port = full.getLocalPort();
            assertEquals(0, KernelUdpDrops.of(port), "a fresh socket has no drops (Linux /proc/net/udp)");
            byte[] payload = new byte[1000];
            for (int i = 0; i < 500; i++) {
                sender.send(new DatagramPacket(payload, payload.length, full.getLocalSocketAddress()));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> KernelUdpDrops.of(port) > 0);
        }
    }

    @Test
    void aProcTableIsParsedByPortAndUnknownIsMinusOne(@TempDir Path dir) throws Exception {
        Path udp = dir.resolve("udp");
        Files.writeString(udp, """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
              12: 0100007F:9C40 00000000:0000 07 00000000 00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 17
              13: 0100007F:9C41 00000000:0000 07 00000000 00000000 00:00000000 00000000     0        0 4243 2 0000000000000000 5
            """);
        assertEquals(17, KernelUdpDrops.of(0x9C40, List.of(udp)));
        assertEquals(5, KernelUdpDrops.of(0x9C41, List.of(udp)));
        assertEquals(-1, KernelUdpDrops.of(0x9C42, List.of(udp)));
        assertEquals(-1, KernelUdpDrops.of(0x9C40, List.of(dir.resolve("absent"))));
    }

    @Test
    void aBridgeWhoseProducerRefusesSendsStopsWithAReason() throws Exception {
        var producer = TestKafka.producer();
        producer.close(); // a closed producer throws on send, as one whose client was shut down under it
        try (UdpBridge bridge = UdpBridge.bind(new InetSocketAddress("127.0.0.1", 0), producer, OPTIONS, InstantSource.system())
                 .start();
             DatagramSocket sender = new DatagramSocket()) {
            assertNull(bridge.failure());
            byte[] d = datagram(SpifLayout.word(1, 2, 1, false));
            sender.send(new DatagramPacket(d, d.length, bridge.localAddress()));
            await().atMost(Duration.ofSeconds(30)).until(() -> bridge.failure() != null);
            assertTrue(bridge.failure() instanceof IllegalStateException, bridge.failure().toString());
        }
    }
}
