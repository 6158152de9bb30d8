package io.spikestream.ingest.format;

/** The recording formats spikestream decodes. */
public enum EventFormat {
    /** N-MNIST / N-Caltech101 {@code .bin}: 5 bytes per event, 23-bit timestamps with an overflow marker. */
    NMNIST_BIN,
    /** jAER AEDAT 2.0 ({@code .aedat}): big-endian address/timestamp pairs, DVS128 or DAVIS layouts. */
    AEDAT2,
    /** cAER AEDAT 3.1 ({@code .aedat}): typed event packets with 28-byte headers. */
    AEDAT31,
    /** DV AEDAT 4.0 ({@code .aedat4}): flatbuffer packets, LZ4/Zstd compressed. */
    AEDAT4,
    /** Prophesee EVT 2.0 ({@code .raw}). */
    EVT2,
    /** Prophesee EVT 3.0 ({@code .raw}), vectorised events. */
    EVT3,
    /** Prophesee DAT ({@code .dat}). */
    DAT
}
