package io.spikestream.ingest.kafka;

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
 * is rejected (and dead-lettered by the source). With {@link #withLabelChecks} a label that no learner could use is
 * rejected here too, with its reason (class outside the model's classes, no class where a continuous learner needs
 * one, an interval longer than the limit), so it reaches the dead-letter topic instead of the learner.
 */
public final class StreamItemDecoder implements RecordDecoder<StreamItem> {

    private final int classes;
    private final long maxLabelUs;
    private final boolean needsClass;

    /** Events and labels as they are (the learner judges the labels). */
    public StreamItemDecoder() {
        this(Integer.MAX_VALUE, Long.MAX_VALUE, false);
    }

    private StreamItemDecoder(int classes, long maxLabelUs, boolean needsClass) {
        this.classes = classes;
        this.maxLabelUs = maxLabelUs;
        this.needsClass = needsClass;
    }

    /**
     * Rejects labels of a class outside 0..classes-1, intervals longer than {@code maxLabelUs}, and (when
     * {@code needsClass}, continuous time) labels without a class.
     */
    public static StreamItemDecoder withLabelChecks(int classes, long maxLabelUs, boolean needsClass) {
        return new StreamItemDecoder(classes, maxLabelUs, needsClass);
    }

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
            String refused = classes == Integer.MAX_VALUE ? null // no checks: the learner judges
                : label >= classes ? "class " + label + " outside 0.." + (classes - 1)
                : label < 0 && (needsClass || l.getLabel() != null) ? "no class (" + l.getLabel() + ")"
                : l.getWindowEndUs() - l.getWindowStartUs() > maxLabelUs ? "interval of "
                    + (l.getWindowEndUs() - l.getWindowStartUs()) + " us, longer than time.max_label_us " + maxLabelUs
                : null;
            if (refused != null) {
                throw new RejectedRecordException(DeadLetterReason.INVALID_CONTENT, "label " + l.getSampleId()
                    + " of sensor " + l.getSensorId() + ": " + refused, null);
            }
            return new StreamItem.Label(l.getSensorId(), l.getSampleId(), l.getWindowStartUs(), l.getWindowEndUs(), label);
        }
        throw new RejectedRecordException(DeadLetterReason.INVALID_CONTENT, "a " + name
            + " record does not belong on the learner's input topics", null);
    }
}
