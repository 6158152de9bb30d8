package io.spikestream.schemas;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

import java.util.HashMap;
import java.util.Map;

/**
 * Decodes a value of any spikestream record type, choosing the type from the fingerprint in its single-object
 * header (current or older schema version). Useful where one topic or tool sees several record types.
 * Threadsafe.
 */
public final class AnyRecordDecoder {

    private final Map<String, SingleObjectCodec<? extends SpecificRecord>> byFullName = new HashMap<>();

    public AnyRecordDecoder() {
        for (Class<? extends SpecificRecord> type : SpikestreamSchemas.RECORD_TYPES) {
            SingleObjectCodec<? extends SpecificRecord> codec = SpikestreamSchemas.codec(type);
            byFullName.put(codec.schema().getFullName(), codec);
        }
    }

    /**
     * @throws RecordDecodeException for a bad header, an unknown fingerprint or a malformed body
     */
    public SpecificRecord decode(byte[] bytes) throws RecordDecodeException {
        long fingerprint = SingleObjectCodec.readFingerprint(bytes);
        Schema writer = SpikestreamSchemas.find(fingerprint);
        if (writer == null) {
            throw new RecordDecodeException(RecordDecodeException.Kind.UNKNOWN_SCHEMA, fingerprint,
                "schema fingerprint " + SpikestreamSchemas.hex(fingerprint)
                    + " is not a known version of any spikestream record", null);
        }
        return byFullName.get(writer.getFullName()).decode(bytes);
    }
}
