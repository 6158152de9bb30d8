package io.spikestream.app.pipeline;

import io.spikestream.ingest.kafka.AvroRecordDecoder;
import io.spikestream.ingest.kafka.EventBatchDecoder;
import io.spikestream.ingest.kafka.RecordDecoder;
import io.spikestream.ingest.kafka.RejectedRecordException;
import io.spikestream.ingest.kafka.SensorKeys;
import io.spikestream.schemas.DeadLetterReason;
import io.spikestream.schemas.DvsEventBatch;
import io.spikestream.schemas.LabelRecord;
import io.spikestream.schemas.RecordDecodeException;
import io.spikestream.schemas.SingleObjectCodec;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes a record of the events topic into an event batch or a label, by the schema fingerprint every value
 * carries (single-object encoding): replay can then put labels into the events topic, in the same partition as
 * their sensor's events, so that labels and events reach the learner in one deterministic order. Anything else
 * is rejected (and dead-lettered by the source).
 */
final class StreamItemDecoder implements RecordDecoder<StreamItem> {

    private final EventBatchDecoder events = new EventBatchDecoder();
    private final SingleObjectCodec<LabelRecord> labels = SpikestreamSchemas.codec(LabelRecord.class);
    private final String batchName = SpikestreamSchemas.codec(DvsEventBatch.class).schema().getFullName();
    private final String labelName = labels.schema().getFullName();

    @Override
    public StreamItem decode(ConsumerRecord<String, byte[]> record) throws RejectedRecordException {
        Schema writer;
        try {
            writer = SpikestreamSchemas.find(SingleObjectCodec.readFingerprint(record.value()));
        } catch (RecordDecodeException e) {
            throw new RejectedRecordException(AvroRecordDecoder.reasonOf(e), e.detail(), e);
        }
        if (writer == null) {
            throw new RejectedRecordException(DeadLetterReason.UNKNOWN_SCHEMA, "unknown schema fingerprint", null);
        }
        String name = writer.getFullName();
        if (name.equals(batchName)) {
            return new StreamItem.Events(events.decode(record));
        }
        if (name.equals(labelName)) {
            LabelRecord l;
            try {
                l = labels.decode(record.value());
            } catch (RecordDecodeException e) {
                throw new RejectedRecordException(AvroRecordDecoder.reasonOf(e), e.detail(), e);
            }
            if (l.getWindowEndUs() <= l.getWindowStartUs()) {
                throw new RejectedRecordException(DeadLetterReason.INVALID_CONTENT, "label " + l.getSampleId()
                    + " has an empty window [" + l.getWindowStartUs() + ", " + l.getWindowEndUs() + ")", null);
            }
            SensorKeys.requireKeyIsSensor(record, l.getSensorId(), "label " + l.getSampleId());
            int label = l.getLabel() == null ? -1 : l.getLabel();
            return new StreamItem.Label(l.getSensorId(), l.getSampleId(), l.getWindowStartUs(), l.getWindowEndUs(), label);
        }
        throw new RejectedRecordException(DeadLetterReason.INVALID_CONTENT, "a " + name
            + " record does not belong on the learner's input topics", null);
    }
}
