package io.spikestream.app.durable;

/**
 * What a checkpoint says about its model.
 *
 * @param modelId      the model's id (the sensor id: the records' Kafka key)
 * @param version      1, 2, ... per model, one per checkpoint
 * @param streamTimeUs stream time of the latest event the model had consumed (Long.MIN_VALUE before any)
 * @param step         simulation step the network had reached
 * @param createdMs    wall-clock time of writing; what {@code checkpoint.expire_after_ms} measures a model's idleness on
 *                     disk by (nothing a model learns depends on it)
 */
public record ModelInfo(String modelId, long version, long streamTimeUs, long step, long createdMs) {
}
