package io.spikestream.ingest.kafka;

import io.spikestream.schemas.LabelRecord;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/** A broker that goes down is visible: the source reports that the consumer lost every connection to the cluster. */
class ClusterReachabilityTest {

    @Test
    void aBrokerThatStopsIsReportedUnreachable() {
        EmbeddedKafka broker = EmbeddedKafka.start(); // its own broker: this test stops it
        Disposable d = null;
        try {
            KafkaEndpoint endpoint = KafkaEndpoint.of(broker);
            Topics.ensure(endpoint, List.of(new Topics.Spec("reach", 1, Map.of())));
            CountingIngestMetrics metrics = new CountingIngestMetrics();
            KafkaRecordSource<LabelRecord> source = KafkaRecordSource.create(endpoint,
                SourceOptions.of("g-reach", "reach").withMetrics(metrics), new AvroRecordDecoder<>(LabelRecord.class));
            d = source.flux().subscribe();
            await().atMost(Duration.ofSeconds(60)).until(() -> Boolean.TRUE.equals(metrics.clusterReachable()));
            broker.close();
            await().atMost(Duration.ofSeconds(60)).until(() -> Boolean.FALSE.equals(metrics.clusterReachable()));
        } finally {
            if (d != null) {
                d.dispose();
            }
            broker.close();
        }
    }
}
