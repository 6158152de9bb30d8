package io.spikestream.ingest.kafka;

import io.spikestream.schemas.DeadLetterReason;
import io.spikestream.schemas.DvsEventBatch;
import io.spikestream.schemas.EventBatchLayout;
import io.spikestream.schemas.LabelRecord;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The events topic's decoder: labels decode as they are by default; with label checks (continuous time) a label no
 * learner could use is rejected with its reason, for the dead-letter topic.
 */
class StreamItemDecoderTest {

    static ConsumerRecord<String, byte[]> label(Integer cls, long start, long end) {
        LabelRecord l = LabelRecord.newBuilder().setSensorId("cam").setSampleId("s1").setWindowStartUs(start)
            .setWindowEndUs(end).setLabel(cls).setLabelName(null).setTargets(List.of()).setSourceFile(null).build();
        return new ConsumerRecord<>("events", 0, 7L, "cam", SpikestreamSchemas.codec(LabelRecord.class).encode(l));
    }

    @Test
    void withoutChecksEveryWellFormedLabelPasses() throws Exception {
        StreamItemDecoder d = new StreamItemDecoder();
        StreamItem.Label l = assertInstanceOf(StreamItem.Label.class, d.decode(label(null, 0, 10)));
        assertEquals(-1, l.label());
        assertEquals(42, ((StreamItem.Label) d.decode(label(42, 0, 10))).label());
    }

    @Test
    void withChecksUnusableLabelsAreRejectedWithTheirReason() throws Exception {
        StreamItemDecoder d = StreamItemDecoder.withLabelChecks(10, 1_000_000, true);
        assertEquals(3, ((StreamItem.Label) d.decode(label(3, 0, 1_000_000))).label());
        for (Object[] c : new Object[][] {{null, 10L, "no class (null)"}, {-2, 10L, "no class (-2)"},
            {10, 10L, "class 10 outside 0..9"}, {1, 1_000_001L, "longer than time.max_label_us 1000000"}}) {
            RejectedRecordException e = assertThrows(RejectedRecordException.class,
                () -> d.decode(label((Integer) c[0], 0, (Long) c[1])));
            assertEquals(DeadLetterReason.INVALID_CONTENT, e.reason());
            assertTrue(e.getMessage().startsWith("label s1 of sensor cam: ") && e.getMessage().contains((String) c[2]),
                e.getMessage());
        }
        // per_window keeps a label without a class (an unsupervised window), but not an unknown class
        StreamItemDecoder perWindow = StreamItemDecoder.withLabelChecks(10, Long.MAX_VALUE, false);
        assertEquals(-1, ((StreamItem.Label) perWindow.decode(label(null, 0, 10))).label());
        assertThrows(RejectedRecordException.class, () -> perWindow.decode(label(11, 0, 10)));
    }

    static ConsumerRecord<String, byte[]> labelOf(String sensor) {
        LabelRecord l = LabelRecord.newBuilder().setSensorId(sensor).setSampleId("s1").setWindowStartUs(0)
            .setWindowEndUs(10).setLabel(1).setLabelName(null).setTargets(List.of()).setSourceFile(null).build();
        return new ConsumerRecord<>("events", 0, 7L, sensor, SpikestreamSchemas.codec(LabelRecord.class).encode(l));
    }

    static ConsumerRecord<String, byte[]> batchOf(String sensor) {
        DvsEventBatch b = EventBatchLayout.pack(new EventBatchLayout.Header(sensor, 34, 34, 5, 0, null, 0),
            new int[] {1}, new int[] {1}, new byte[1], new long[] {100}, 0, 1);
        return new ConsumerRecord<>("events", 0, 8L, sensor, SpikestreamSchemas.codec(DvsEventBatch.class).encode(b));
    }

    @Test
    void aSensorIdWhoseCheckpointDirectoryNameCannotFitIsRejectedInEveryDecoder() throws Exception {
        // 85 bytes, each escaped to 3 characters at worst: 255, the file-name limit; one byte more is refused
        String longest = "€".repeat(28) + "x"; // 28 * 3 + 1 = 85 UTF-8 bytes
        String tooLong = "€".repeat(28) + "xy"; // 86
        String asciiTooLong = "c".repeat(86);
        for (StreamItemDecoder d : List.of(new StreamItemDecoder(), StreamItemDecoder.withLabelChecks(10, 1_000_000, true))) {
            assertEquals(longest, ((StreamItem.Label) d.decode(labelOf(longest))).sensorId());
            assertEquals(longest, assertInstanceOf(StreamItem.Events.class, d.decode(batchOf(longest))).sensorId());
            for (String id : List.of(tooLong, asciiTooLong)) {
                for (ConsumerRecord<String, byte[]> r : List.of(labelOf(id), batchOf(id))) {
                    RejectedRecordException e = assertThrows(RejectedRecordException.class, () -> d.decode(r));
                    assertEquals(DeadLetterReason.INVALID_CONTENT, e.reason());
                    assertTrue(e.getMessage().contains("of sensor '" + id.substring(0, Math.min(id.length(), 40)) + "...': sensor id of 86 UTF-8 "
                        + "bytes, longer than the limit of 85"), e.getMessage());
                }
            }
        }
    }
}
