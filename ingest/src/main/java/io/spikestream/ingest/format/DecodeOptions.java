package io.spikestream.ingest.format;

/**
 * How a decoder treats what the recording does not say and what it gets wrong.
 *
 * <ul>
 *   <li>{@code fallbackGeometry}: the sensor size to use when the header names none; {@code null} means the
 *       format's documented default (see README "Recordings and formats"). A geometry stated in the header
 *       always wins.</li>
 *   <li>{@code lenient}: when false (the default) an event outside the sensor geometry is a
 *       {@link DecodeException}; when true it is skipped and counted in {@link EventReader#skippedEvents()}.
 *       Structural damage (truncated records, corrupt headers or packets) is an error in both modes.</li>
 *   <li>{@code maxPacketBytes}: the largest compressed or decompressed packet or IOHeader (AEDAT 4) a decoder
 *       will hold in memory; a length field beyond it is an error, not an allocation.</li>
 * </ul>
 */
public record DecodeOptions(SensorGeometry fallbackGeometry, boolean lenient, int maxPacketBytes) {

    /** 64 MiB: four million AEDAT 4 events in one packet, far above what recorders write (a few thousand). */
    public static final int MAX_PACKET_BYTES_DEFAULT = 64 << 20;

    /** Strict decoding, header or format-default geometry. */
    public static final DecodeOptions DEFAULT = new DecodeOptions(null, false, MAX_PACKET_BYTES_DEFAULT);

    public DecodeOptions {
        if (maxPacketBytes < 1024) {
            throw new IllegalArgumentException("maxPacketBytes must be at least 1024, got " + maxPacketBytes);
        }
    }

    public DecodeOptions withLenient(boolean value) {
        return new DecodeOptions(fallbackGeometry, value, maxPacketBytes);
    }

    public DecodeOptions withFallbackGeometry(SensorGeometry value) {
        return new DecodeOptions(value, lenient, maxPacketBytes);
    }

    public DecodeOptions withMaxPacketBytes(int value) {
        return new DecodeOptions(fallbackGeometry, lenient, value);
    }

    SensorGeometry geometryOr(SensorGeometry formatDefault) {
        return fallbackGeometry != null ? fallbackGeometry : formatDefault;
    }
}
