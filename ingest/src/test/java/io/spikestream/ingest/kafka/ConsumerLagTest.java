package io.spikestream.ingest.kafka;

import io.spikestream.schemas.LabelRecord;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.BaseSubscriber;

import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The source reports the consumer's lag after each poll: what is left behind a slow subscriber, then 0. */
class ConsumerLagTest {

    @Test
    void theLagIsWhatTheSubscriberHasNotAskedForYet() throws Exception {
        String topic = TestKafka.topic("lag", 1);
        try (var producer = TestKafka.producer()) {
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "cam", SpikestreamSchemas.codec(LabelRecord.class).encode(
                    LabelRecord.newBuilder().setSensorId("cam").setSampleId("s" + i).setWindowStartUs(i)
                        .setWindowEndUs(i + 1).build()))).get();
            }
        }
        CountingIngestMetrics metrics = new CountingIngestMetrics();
        KafkaRecordSource<LabelRecord> source = KafkaRecordSource.create(TestKafka.endpoint(),
            SourceOptions.of("g-lag", topic).withMaxPollRecords(10).withMetrics(metrics),
            new AvroRecordDecoder<>(LabelRecord.class));
        BaseSubscriber<SourceSignal<LabelRecord>> slow = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(org.reactivestreams.Subscription s) {
                s.request(2); // the assignment signal and one record: one poll of 10 records is all the source takes
            }

            @Override
            protected void hookOnNext(SourceSignal<LabelRecord> s) {
                if (s instanceof SourceSignal.Record<LabelRecord> r) {
                    r.acknowledge();
                }
            }
        };
        source.flux().subscribe(slow);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> metrics.consumerLag() == 40);
            slow.request(Long.MAX_VALUE);
            await().atMost(Duration.ofSeconds(60)).until(() -> metrics.consumerLag() == 0);
        } finally {
            slow.dispose();
        }
        assertEquals(50, metrics.polled());
    }
}
