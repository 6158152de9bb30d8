package io.spikestream.ingest.bridge;

import io.spikestream.ingest.format.EventBatch;
import io.spikestream.ingest.format.SensorGeometry;

/**
 * Decodes SPIF datagrams (see {@link SpifLayout}) into an {@link EventBatch}, with times on the bridge's time line:
 * Unix-epoch microseconds. An event without timestamp gets the datagram's arrival time. Timestamped events keep
 * their device timing: the 32-bit device clock is unwrapped to 64 bits and mapped to the time line by the offset
 * fixed at the first timestamped event ({@code arrival - deviceTime} of that event).
 *
 * <p>Device counter resets (a camera restart, a power cycle of the SPIF board): the counter steps back. A step back is
 * taken for a wrap of the 32-bit counter only when the device time it implies across the wrap is no more than the
 * arrival times advanced plus {@link #WRAP_SLACK_US} (a real wrap happens 71.6 minutes after the previous one, while
 * the datagrams keep arriving); any other step back is a reset. On a reset the device clock is re-aligned so that the
 * event continues the time line where it was (at the later of the previous event's time and its own arrival): the
 * stream sees no jump, the learner no re-anchoring; logged once, counted ({@link BridgeStats#clockRealigns}).
 *
 * <p>Bad input is counted in {@link BridgeStats}, never thrown: a malformed datagram is dropped whole; a truncated
 * last event and events outside the geometry are dropped one by one, and the rest of the datagram is kept.
 * Not threadsafe: the bridge thread only.
 */
public final class SpifDecoder {

    private static final long WRAP = 1L << 32;
    /** How far device time may run ahead of the arrival times across a counter wrap (device-side buffering, bursts). */
    static final long WRAP_SLACK_US = 10_000_000L;
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(SpifDecoder.class.getName());

    private final SensorGeometry geometry;
    private final BridgeStats stats;
    private boolean aligned;
    private long deviceToStreamUs;
    private long lastDeviceRaw = -1;
    private long deviceEpochs;
    private long lastArrivalUs;
    private long lastStreamUs;
    private boolean resetLogged;

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
        boolean reset = false;
        if (lastDeviceRaw >= 0 && deviceRaw < lastDeviceRaw) {
            long acrossWrap = WRAP - lastDeviceRaw + deviceRaw;
            if (lastDeviceRaw - deviceRaw > WRAP / 2 && acrossWrap <= arrivalUs - lastArrivalUs + WRAP_SLACK_US) {
                deviceEpochs++;
            } else {
                reset = true;
            }
        }
        lastDeviceRaw = deviceRaw;
        long device = deviceEpochs * WRAP + deviceRaw;
        if (!aligned) {
            aligned = true;
            deviceToStreamUs = arrivalUs - device;
        } else if (reset) {
            deviceToStreamUs = Math.max(lastStreamUs, arrivalUs) - device;
            stats.clockRealigns.incrementAndGet();
            if (!resetLogged) {
                resetLogged = true;
                LOG.warning("device clock went back (counter reset: camera or board restarted); re-aligned so the stream "
                    + "time line continues at " + (device + deviceToStreamUs) + " us (counted; logged once)");
            }
        }
        lastArrivalUs = arrivalUs;
        lastStreamUs = device + deviceToStreamUs;
        return lastStreamUs;
    }

    private static int littleEndianInt(byte[] b, int i) {
        return (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (b[i + 3] & 0xFF) << 24;
    }
}
