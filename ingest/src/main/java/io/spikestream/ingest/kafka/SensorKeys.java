package io.spikestream.ingest.kafka;

import io.spikestream.schemas.DeadLetterReason;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Records of the events topic are keyed by their sensor id: the key picks the partition, so one sensor's records stay
 * in one partition, in order, read by one consumer. A record whose key is missing or differs from the sensor id it
 * carries could land in another partition than its sensor's other records and give that sensor's model a second
 * writer (the model is chosen by the sensor id in the value), so it is rejected and dead-lettered.
 */
public final class SensorKeys {

    private SensorKeys() {
    }

    /**
     * @throws RejectedRecordException when the record's key is not {@code sensorId}
     */
    public static void requireKeyIsSensor(ConsumerRecord<String, byte[]> record, String sensorId, String what)
        throws RejectedRecordException {
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
