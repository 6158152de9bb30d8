package io.spikestream.ingest.kafka;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddedKafkaPortTest {

    @Test
    void aFixedPortThatIsTakenIsAClearErrorNotAHang() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> EmbeddedKafka.start(taken.getLocalPort()));
            StringBuilder chain = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                chain.append(t).append(" / ");
            }
            assertTrue(chain.toString().contains("Address already in use")
                || chain.toString().contains("BindException"), chain.toString());
        }
    }
}
