package io.spikestream.ingest.kafka;


/** What the learner consumes from Kafka: event batches and labels of one sensor, in partition order. */
public sealed interface StreamItem {

    String sensorId();

    record Events(SensorEvents events) implements StreamItem {
        @Override
        public String sensorId() {
            return events.sensorId();
        }
    }

    record Label(String sensorId, String sampleId, long windowStartUs, long windowEndUs, int label) implements StreamItem {
    }
}
