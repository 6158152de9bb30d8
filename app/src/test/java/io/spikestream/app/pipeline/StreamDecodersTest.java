package io.spikestream.app.pipeline;

import io.spikestream.ingest.kafka.RejectedRecordException;
import io.spikestream.ingest.kafka.StreamItem;
import io.spikestream.ingest.kafka.StreamItemDecoder;
import io.spikestream.learner.Settings;
import io.spikestream.schemas.LabelRecord;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decoder of {@code learn} and {@code run}: in both time modes a label window longer than time.max_label_us is
 * refused (in per_window mode it would grow the learner's input ring with its length); an unsupervised window
 * (no class) passes in per_window mode only.
 */
class StreamDecodersTest {

    private static final long DAYS = 3L * 24 * 3600 * 1_000_000;

    static ConsumerRecord<String, byte[]> label(Integer cls, long lengthUs) {
        LabelRecord l = LabelRecord.newBuilder().setSensorId("cam").setSampleId("s").setWindowStartUs(1_000)
            .setWindowEndUs(1_000 + lengthUs).setLabel(cls).build();
        return new ConsumerRecord<>("events", 0, 3L, "cam", SpikestreamSchemas.codec(LabelRecord.class).encode(l));
    }

    @Test
    void aWindowOfDaysIsRefusedInEitherTimeMode() throws Exception {
        for (String mode : List.of("per_window", "continuous")) {
            StreamItemDecoder d = StreamDecoders.forLearner(Settings.load(List.of(), List.of("time.mode=" + mode)));
            assertEquals(4, ((StreamItem.Label) d.decode(label(4, 336_040))).label(), mode);
            assertEquals(4, ((StreamItem.Label) d.decode(label(4, 10_000_000))).label(), mode);
            RejectedRecordException e = assertThrows(RejectedRecordException.class, () -> d.decode(label(4, DAYS)), mode);
            assertTrue(e.getMessage().contains("interval of " + DAYS + " us, longer than time.max_label_us 10000000"),
                e.getMessage());
            assertThrows(RejectedRecordException.class, () -> d.decode(label(10, 1_000)), mode);
            if (mode.equals("per_window")) {
                assertEquals(-1, ((StreamItem.Label) d.decode(label(null, 1_000))).label());
            } else {
                assertThrows(RejectedRecordException.class, () -> d.decode(label(null, 1_000)));
            }
        }
    }
}
