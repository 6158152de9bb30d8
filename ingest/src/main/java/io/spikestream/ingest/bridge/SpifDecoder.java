package io.spikestream.ingest.bridge;

import io.spikestream.ingest.format.EventBatch;
import io.spikestream.ingest.format.SensorGeometry;

/**
 * Decodes SPIF datagrams (see {@link SpifLayout}) into an {@link EventBatch}, with times on the bridge's time line:
 * Unix-epoch microseconds. An event without timestamp gets the datagram's arrival time. Timestamped events keep
 * their device timing: the 32-bit device clock is unwrapped to 64 bits and mapped to the time line by the offset
 * fixed at the first timestamped event ({@code arrival - deviceTime} of that event).
 *
 * <p>Bad input is counted in {@link BridgeStats}, never thrown: a malformed datagram is dropped whole; a truncated
 * last event and events outside the geometry are dropped one by one, and the rest of the datagram is kept.
 * Not threadsafe: the bridge thread only.
 */
public final class SpifDecoder {

    private static final long WRAP = 1L << 32;

    private final SensorGeometry geometry;
    private final BridgeStats stats;
    private boolean aligned;
    private long deviceToStreamUs;
    private long lastDeviceRaw = -1;
    private long deviceEpochs;

    public SpifDecoder(SensorGeometry geometry, BridgeStats stats) {
        this.geometry = geometry;
        this.stats = stats;
    }

    /** Room a datagram of {@code length} bytes may need in the batch. */
    public static int maxEvents(int length) {
        return length / SpifLayout.WORD_BYTES;
    }

    /**
     * Appends the valid events of {@code data[0, length)} to {@code batch}, which must have room for
     * {@link #maxEvents(int) maxEvents(length)} more. Returns the number of events appended.
     */
    public int decode(byte[] data, int length, long arrivalUs, EventBatch batch) {
        stats.datagrams.incrementAndGet();
        if (length <= 0 || length % SpifLayout.WORD_BYTES != 0) {
            stats.malformedDatagrams.incrementAndGet();
            return 0;
        }
        final int words = length / SpifLayout.WORD_BYTES;
        final int width = geometry.width();
        final int height = geometry.height();
        int appended = 0;
        for (int w = 0; w < words; w++) {
            int word = littleEndianInt(data, w * SpifLayout.WORD_BYTES);
            long t = arrivalUs;
            if (SpifLayout.hasTimestamp(word)) {
                if (w + 1 >= words) {
                    stats.truncatedEvents.incrementAndGet();
                    break;
                }
                w++;
                t = streamTime(littleEndianInt(data, w * SpifLayout.WORD_BYTES) & 0xFFFFFFFFL, arrivalUs);
            }
            int x = SpifLayout.x(word);
            int y = SpifLayout.y(word);
            if (x >= width || y >= height) {
                stats.outOfGeometryEvents.incrementAndGet();
                continue;
            }
            batch.add(x, y, SpifLayout.polarity(word), t);
            appended++;
        }
        stats.events.addAndGet(appended);
        return appended;
    }

    private long streamTime(long deviceRaw, long arrivalUs) {
        // A step back by more than half the 32-bit range is a wrap of the device counter, not reordering.
        if (lastDeviceRaw >= 0 && deviceRaw < lastDeviceRaw && lastDeviceRaw - deviceRaw > WRAP / 2) {
            deviceEpochs++;
        }
        lastDeviceRaw = deviceRaw;
        long device = deviceEpochs * WRAP + deviceRaw;
        if (!aligned) {
            aligned = true;
            deviceToStreamUs = arrivalUs - device;
        }
        return device + deviceToStreamUs;
    }

    private static int littleEndianInt(byte[] b, int i) {
        return (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (b[i + 3] & 0xFF) << 24;
    }
}
