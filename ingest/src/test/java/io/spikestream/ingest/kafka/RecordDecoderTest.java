package io.spikestream.ingest.kafka;

import io.spikestream.schemas.DeadLetterReason;
import io.spikestream.schemas.DvsEventBatch;
import io.spikestream.schemas.EventBatchLayout;
import io.spikestream.schemas.LabelRecord;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordDecoderTest {

    @Test
    void byTopicPicksTheDecoderAndRejectsOtherTopics() throws Exception {
        byte[] batch = SpikestreamSchemas.codec(DvsEventBatch.class).encode(EventBatchLayout.pack(
            new EventBatchLayout.Header("cam", 34, 34, 0, 0, null, 0),
            new int[] {1}, new int[] {2}, new byte[] {1}, new long[] {3}, 0, 1));
        byte[] label = SpikestreamSchemas.codec(LabelRecord.class).encode(LabelRecord.newBuilder()
            .setSensorId("cam").setSampleId("s").setWindowStartUs(0).setWindowEndUs(1).setLabel(2).build());
        RecordDecoder<Object> decoder = RecordDecoder.byTopic(Map.of(
            "events", new EventBatchDecoder(), "labels", new AvroRecordDecoder<>(LabelRecord.class)));

        assertInstanceOf(SensorEvents.class, decoder.decode(new ConsumerRecord<>("events", 0, 0, "cam", batch)));
        SpecificRecord l = (SpecificRecord) decoder.decode(new ConsumerRecord<>("labels", 0, 0, "cam", label));
        assertEquals(2, ((LabelRecord) l).getLabel());
        RejectedRecordException swapped = assertThrows(RejectedRecordException.class,
            () -> decoder.decode(new ConsumerRecord<>("labels", 0, 1, "cam", batch)));
        assertEquals(DeadLetterReason.INVALID_CONTENT, swapped.reason());
        assertTrue(swapped.getMessage().contains("is a io.spikestream.schemas.DvsEventBatch, expected"),
            swapped.getMessage());
        RejectedRecordException unknown = assertThrows(RejectedRecordException.class,
            () -> decoder.decode(new ConsumerRecord<>("other", 0, 0, "cam", label)));
        assertEquals("no decoder for topic other (known: [events, labels])", unknown.getMessage());
    }
}
