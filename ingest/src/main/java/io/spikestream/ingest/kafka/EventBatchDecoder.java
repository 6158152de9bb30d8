package io.spikestream.ingest.kafka;

import io.spikestream.schemas.DvsEventBatch;
import io.spikestream.schemas.EventBatchLayout;
import io.spikestream.schemas.InvalidEventBatchException;
import io.spikestream.schemas.RecordDecodeException;
import io.spikestream.schemas.SingleObjectCodec;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes {@link DvsEventBatch} values into {@link SensorEvents}, rejecting bad headers, unknown schemas,
 * malformed bodies, a key other than the batch's sensor id ({@link SensorKeys}), inconsistent packed arrays and events
 * outside the declared sensor geometry. A batch is accepted or rejected whole: one event outside the declared
 * geometry means the batch's geometry or coordinates are wrong, so none of its coordinates can be trusted to reach
 * the right input neurons (README, "Bad records").
 * Consumer thread only (not threadsafe).
 */
public final class EventBatchDecoder implements RecordDecoder<SensorEvents> {

    private final SingleObjectCodec<DvsEventBatch> codec = SpikestreamSchemas.codec(DvsEventBatch.class);

    @Override
    public SensorEvents decode(ConsumerRecord<String, byte[]> record) throws RejectedRecordException {
        DvsEventBatch batch;
        try {
            batch = codec.decode(record.value());
        } catch (RecordDecodeException e) {
            throw new RejectedRecordException(AvroRecordDecoder.reasonOf(e), e.detail(), e);
        }
        SensorKeys.requireKeyIsSensor(record, batch.getSensorId(), "batch " + batch.getSequence());
        int n = Math.max(0, batch.getCount());
        // The packed arrays are checked against count before anything is allocated from it.
        if (batch.getX().remaining() != 2L * n) {
            throw new RejectedRecordException(io.spikestream.schemas.DeadLetterReason.INVALID_CONTENT,
                "batch " + batch.getSequence() + " of sensor " + batch.getSensorId() + ": count " + batch.getCount()
                    + " but x holds " + batch.getX().remaining() + " bytes", null);
        }
        int[] x = new int[n];
        int[] y = new int[n];
        byte[] polarity = new byte[n];
        long[] t = new long[n];
        try {
            EventBatchLayout.unpack(batch, x, y, polarity, t);
        } catch (InvalidEventBatchException e) {
            throw new RejectedRecordException(e.reason(), e.getMessage(), e);
        }
        return new SensorEvents(batch.getSensorId(), batch.getWidth(), batch.getHeight(), batch.getSequence(), n,
            x, y, polarity, t, batch.getStreamOffsetUs(), batch.getSourceFile(), batch.getSourceEventIndex());
    }
}
