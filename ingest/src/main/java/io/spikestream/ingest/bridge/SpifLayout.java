package io.spikestream.ingest.bridge;

/**
 * The SPIF 32-bit event word, as AEStream's UDP output and SPIF ({@code spiffer}) send it: each UDP datagram is a
 * sequence of 32-bit words in little-endian byte order (AEStream writes host-order {@code uint32_t}s, and its hosts
 * are x86/ARM little-endian).
 * <pre>
 *   bit 31     30 ........ 16   15         14 ........ 0
 *   +--------+----------------+----------+----------------+
 *   | no-ts  |  x (15 bits)   | polarity |  y (15 bits)   |
 *   +--------+----------------+----------+----------------+
 * </pre>
 * {@code no-ts = 1}: the word is a whole event, without time. {@code no-ts = 0}: the next word is the event's
 * 32-bit timestamp (AEStream: microseconds, wrapping every 2^32 us, about 71.6 minutes). Polarity 1 = ON.
 * Checked against SpiNNakerManchester/spif {@code spiffer/README.md} and aestream
 * {@code src/output/dvs_to_udp.cpp}.
 *
 * <p>Constants and static accessors only (a descriptor, in Agrona's sense).
 */
public final class SpifLayout {

    public static final int WORD_BYTES = 4;
    public static final int NO_TIMESTAMP_BIT = 31;
    public static final int X_SHIFT = 16;
    public static final int POLARITY_BIT = 15;
    public static final int COORDINATE_MASK = 0x7FFF;
    /** Largest datagram AEStream sends (its UDP payload limit); anything up to 64 KiB is accepted. */
    public static final int MAX_DATAGRAM_BYTES = 65_536;

    private SpifLayout() {
    }

    public static boolean hasTimestamp(int word) {
        return (word >>> NO_TIMESTAMP_BIT) == 0;
    }

    public static int x(int word) {
        return (word >>> X_SHIFT) & COORDINATE_MASK;
    }

    public static int y(int word) {
        return word & COORDINATE_MASK;
    }

    public static int polarity(int word) {
        return (word >>> POLARITY_BIT) & 1;
    }

    /** Encodes an event word; {@code withTimestamp} clears bit 31 (the caller writes the timestamp word next). */
    public static int word(int x, int y, int polarity, boolean withTimestamp) {
        return (withTimestamp ? 0 : 1 << NO_TIMESTAMP_BIT) | (x & COORDINATE_MASK) << X_SHIFT
            | (polarity & 1) << POLARITY_BIT | (y & COORDINATE_MASK);
    }
}
