package io.spikestream.ingest.kafka;

import io.spikestream.schemas.DeadLetterReason;
import io.spikestream.schemas.RecordDecodeException;
import io.spikestream.schemas.SingleObjectCodec;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Decodes single-object encoded values of one record type (labels, predictions, checkpoints...). */
public final class AvroRecordDecoder<T extends SpecificRecord> implements RecordDecoder<T> {

    private final SingleObjectCodec<T> codec;

    public AvroRecordDecoder(Class<T> type) {
        this.codec = SpikestreamSchemas.codec(type);
    }

    @Override
    public T decode(ConsumerRecord<String, byte[]> record) throws RejectedRecordException {
        try {
            return codec.decode(record.value());
        } catch (RecordDecodeException e) {
            throw new RejectedRecordException(reasonOf(e), e.detail(), e);
        }
    }

    public static DeadLetterReason reasonOf(RecordDecodeException e) {
        return switch (e.kind()) {
            case BAD_HEADER -> DeadLetterReason.BAD_HEADER;
            case UNKNOWN_SCHEMA -> DeadLetterReason.UNKNOWN_SCHEMA;
            case MALFORMED_BODY -> DeadLetterReason.MALFORMED_BODY;
            case WRONG_TYPE -> DeadLetterReason.INVALID_CONTENT;
        };
    }
}
