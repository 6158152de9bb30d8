package io.spikestream.schemas;

import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Avro single-object encoding of one record type, without a registry:
 * <pre>
 *   0      2                10
 *   +------+----------------+---------------------------+
 *   | C3 01| fingerprint LE | Avro binary body           |
 *   +------+----------------+---------------------------+
 * </pre>
 * The fingerprint is the CRC-64-AVRO of the writer schema's parsing canonical form. Decoding looks it up in
 * {@link SpikestreamSchemas#store()} (current and older schemas) and resolves the writer schema to the current
 * one, so records written with an older compatible version decode into today's class.
 *
 * <p>Threadsafe: Avro's message encoder and decoder keep their buffers per thread.
 */
public final class SingleObjectCodec<T extends SpecificRecord> {

    /** Length of the single-object header: 2 marker bytes and an 8-byte fingerprint. */
    public static final int HEADER_LENGTH = 10;
    public static final byte MARKER_0 = (byte) 0xC3;
    public static final byte MARKER_1 = (byte) 0x01;

    private final Class<T> type;
    private final Schema schema;
    private final long fingerprint;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    SingleObjectCodec(Class<T> type) {
        this.type = type;
        this.schema = SpikestreamSchemas.schemaOf(type);
        this.fingerprint = SpikestreamSchemas.fingerprint(schema);
        SpecificData model = new SpecificData(type.getClassLoader());
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.decoder = new BinaryMessageDecoder<>(model, schema, SpikestreamSchemas.store());
    }

    public Class<T> type() {
        return type;
    }

    public Schema schema() {
        return schema;
    }

    /** Fingerprint of the current (writer) schema. */
    public long fingerprint() {
        return fingerprint;
    }

    public byte[] encode(T record) {
        try {
            ByteBuffer buffer = encoder.encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            // Encoding into memory only fails on a bug (e.g. a null in a non-null field).
            throw new UncheckedIOException("cannot encode " + type.getSimpleName(), e);
        }
    }

    /**
     * Decodes a single-object encoded value.
     *
     * @throws RecordDecodeException for a bad header, an unknown fingerprint, another record type or a
     *                               malformed body; never any other exception for any input
     */
    public T decode(byte[] bytes) throws RecordDecodeException {
        long writerFingerprint = readFingerprint(bytes);
        Schema writer = SpikestreamSchemas.find(writerFingerprint);
        if (writer == null) {
            throw new RecordDecodeException(RecordDecodeException.Kind.UNKNOWN_SCHEMA, writerFingerprint,
                "schema fingerprint " + SpikestreamSchemas.hex(writerFingerprint)
                    + " is not a known version of any spikestream record (expected "
                    + type.getSimpleName() + ")", null);
        }
        if (!writer.getFullName().equals(schema.getFullName())) {
            throw new RecordDecodeException(RecordDecodeException.Kind.WRONG_TYPE, writerFingerprint,
                "value is a " + writer.getFullName() + ", expected " + schema.getFullName(), null);
        }
        try {
            return decoder.decode(bytes);
        } catch (IOException | RuntimeException e) {
            throw new RecordDecodeException(RecordDecodeException.Kind.MALFORMED_BODY, writerFingerprint,
                "Avro body of " + type.getSimpleName() + " (" + bytes.length + " bytes) does not decode: " + e, e);
        }
    }

    /**
     * Reads and checks the header of a single-object encoded value.
     *
     * @throws RecordDecodeException with kind {@code BAD_HEADER} when it is too short or lacks the marker
     */
    public static long readFingerprint(byte[] bytes) throws RecordDecodeException {
        if (bytes == null || bytes.length < HEADER_LENGTH) {
            throw new RecordDecodeException(RecordDecodeException.Kind.BAD_HEADER, 0,
                "value of " + (bytes == null ? "null" : bytes.length + " bytes")
                    + " is shorter than the " + HEADER_LENGTH + "-byte single-object header", null);
        }
        if (bytes[0] != MARKER_0 || bytes[1] != MARKER_1) {
            throw new RecordDecodeException(RecordDecodeException.Kind.BAD_HEADER, 0,
                String.format("value starts with %02X %02X, not the single-object marker C3 01",
                    bytes[0] & 0xFF, bytes[1] & 0xFF), null);
        }
        return ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }
}
