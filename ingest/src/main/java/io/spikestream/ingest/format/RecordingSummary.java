package io.spikestream.ingest.format;

import java.io.IOException;

/**
 * What {@code ./spikestream inspect} prints about one recording: format, geometry, event count, ON/OFF counts, first
 * and last timestamp and the events skipped under the lenient policy. Computed by streaming the whole recording
 * through one reused batch, so memory stays constant.
 *
 * @param firstUs timestamp of the first event, or -1 when there is none
 * @param lastUs  timestamp of the last event, or -1 when there is none
 */
public record RecordingSummary(EventFormat format, SensorGeometry geometry, long events, long on, long off,
                               long firstUs, long lastUs, long skipped) {

    public long durationUs() {
        return events == 0 ? 0 : lastUs - firstUs;
    }

    /** Reads {@code reader} to the end (it is not closed). */
    public static RecordingSummary of(EventReader reader) throws IOException {
        EventBatch batch = new EventBatch(8192);
        long events = 0;
        long on = 0;
        long first = -1;
        long last = -1;
        int n;
        while ((n = reader.read(batch)) >= 0) {
            if (events == 0 && n > 0) {
                first = batch.timestampUs[0];
            }
            final byte[] p = batch.polarity;
            int batchOn = 0;
            for (int i = 0; i < n; i++) {
                batchOn += p[i];
            }
            on += batchOn;
            events += n;
            last = batch.timestampUs[n - 1];
        }
        return new RecordingSummary(reader.format(), reader.geometry(), events, on, events - on, first, last,
            reader.skippedEvents());
    }
}
