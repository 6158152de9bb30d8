package io.spikestream.ingest.replay;

import java.util.List;
import java.util.Locale;

/**
 * What a replay published. {@link #line()} is the command's final output line; its field names are stable.
 *
 * @param files    recordings published completely
 * @param failures one message per recording that could not be (fully) published, naming file and byte offset
 * @param bytes    bytes of record values written (event batches and labels)
 */
public record ReplaySummary(int files, long events, long batches, long labels, long bytes, long elapsedNanos,
                            List<String> failures) {

    public double megabytes() {
        return bytes / 1e6;
    }

    public double seconds() {
        return elapsedNanos / 1e9;
    }

    public long eventsPerSecond() {
        return elapsedNanos <= 0 ? 0 : Math.round(events / seconds());
    }

    public String line() {
        return String.format(Locale.ROOT,
            "replayed files=%d events=%d batches=%d labels=%d bytes=%d MB=%.2f seconds=%.3f events_per_s=%d failed=%d",
            files, events, batches, labels, bytes, megabytes(), seconds(), eventsPerSecond(), failures.size());
    }
}
