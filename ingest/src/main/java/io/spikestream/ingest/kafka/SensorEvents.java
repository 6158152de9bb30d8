package io.spikestream.ingest.kafka;

/**
 * One decoded and validated event batch as primitive arrays (structure of arrays, one allocation per array per
 * batch, none per event): {@code x[i], y[i], polarity[i]} (1 = ON) and {@code timestampUs[i]} on the stream time
 * line, for {@code i < count}, every event inside {@code width x height}. Immutable by convention: downstream must
 * not write into the arrays.
 *
 * @param streamOffsetUs   subtract it from a timestamp to get the recording's own time (0 for live sensors)
 * @param sourceFile       provenance, null for live sensors
 * @param sourceEventIndex index of event 0 within the source, -1 if unknown
 */
public record SensorEvents(String sensorId, int width, int height, long sequence, int count,
                           int[] x, int[] y, byte[] polarity, long[] timestampUs,
                           long streamOffsetUs, String sourceFile, long sourceEventIndex) {
}
