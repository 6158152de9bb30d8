package io.spikestream.ingest.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class RecordingSummaryTest {

    @Test
    void summarisesTheEvt3SampleAndAnEmptyRecording() throws IOException {
        try (EventReader r = EventFiles.open(SharedData.data("formats/evt3/evt3_sample.raw"))) {
            RecordingSummary s = RecordingSummary.of(r);
            assertEquals(new RecordingSummary(EventFormat.EVT3, new SensorGeometry(1280, 720), 219_596, 115_532,
                104_064, 11_718_656, 11_727_457, 0), s);
            assertEquals(8_801, s.durationUs());
        }
        try (EventReader r = EventFiles.open(SharedData.data("formats/aedat2/davis346_header_only.aedat"))) {
            RecordingSummary s = RecordingSummary.of(r);
            assertEquals(new RecordingSummary(EventFormat.AEDAT2, new SensorGeometry(346, 260), 0, 0, 0, -1, -1, 0),
                s);
            assertEquals(0, s.durationUs());
        }
    }
}
