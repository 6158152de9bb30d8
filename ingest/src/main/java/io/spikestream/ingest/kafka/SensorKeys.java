package io.spikestream.ingest.kafka;

import io.spikestream.schemas.DeadLetterReason;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.nio.charset.StandardCharsets;

/**
 * Records of the events topic are keyed by their sensor id: the key picks the partition, so one sensor's records stay
 * in one partition, in order, read by one consumer. A record whose key is missing or differs from the sensor id it
 * carries could land in another partition than its sensor's other records and give that sensor's model a second
 * writer (the model is chosen by the sensor id in the value), so it is rejected and dead-lettered.
 */
public final class SensorKeys {

    /**
     * The longest sensor id accepted, in UTF-8 bytes. A sensor id names its model, and the model's checkpoint directory
     * is the id with every byte outside {@code [A-Za-z0-9_-]} escaped as {@code %XX} (three characters): 85 bytes give
     * at most 255, the file-name limit of common filesystems (ext4, xfs, tmpfs). A longer id would make the first
     * checkpoint of its model fail, and with it the pipeline, on every restart; it is refused here, as a bad record.
     */
    public static final int MAX_SENSOR_ID_BYTES = 85;

    private SensorKeys() {
    }

    /**
     * @throws RejectedRecordException when {@code sensorId} is longer than {@link #MAX_SENSOR_ID_BYTES} in UTF-8
     */
    public static void requireUsableSensorId(String sensorId, String what) throws RejectedRecordException {
        int bytes = sensorId.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_SENSOR_ID_BYTES) {
            throw new RejectedRecordException(DeadLetterReason.INVALID_CONTENT, what + " of sensor '"
                + sensorId.substring(0, Math.min(sensorId.length(), 40)) + "...': sensor id of " + bytes
                + " UTF-8 bytes, longer than the limit of " + MAX_SENSOR_ID_BYTES
                + " (its checkpoint directory name must fit in 255 bytes)", null);
        }
    }

    /**
     * @throws RejectedRecordException when the record's key is not {@code sensorId}, or the id is too long
     *                                  ({@link #requireUsableSensorId})
     */
    public static void requireKeyIsSensor(ConsumerRecord<String, byte[]> record, String sensorId, String what)
        throws RejectedRecordException {
        requireUsableSensorId(sensorId, what);
        if (!sensorId.equals(record.key())) {
            throw new RejectedRecordException(DeadLetterReason.INVALID_CONTENT, what + " of sensor '" + shorten(sensorId)
                + "' has " + (record.key() == null ? "no key" : "key '" + shorten(record.key()) + "'")
                + "; records are keyed by their sensor id (the key chooses the partition, and so the one consumer of a "
                + "sensor)", null);
        }
    }

    private static String shorten(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
