package io.spikestream.app.tail;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.spikestream.schemas.RecordDecodeException;
import io.spikestream.schemas.SingleObjectCodec;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders one Kafka record of any spikestream topic as one line of JSON, decoded generically: the writer schema is
 * looked up by the fingerprint in the value's single-object header and the body is read as an Avro
 * {@link GenericRecord} of that schema, so every field the writer put there is printed under its schema name, whatever
 * the version (a Prediction written by a newer or older build prints the fields it has, not a hard-coded list).
 *
 * <p>Shape of a line: the record's fields, plus {@code "@type"} (the record's schema name, null when the value is not a
 * spikestream record), {@code "@schema"} (the writer schema's fingerprint, 16 hex digits) and {@code "@kafka"} (topic,
 * partition, offset, timestampMs, key). "@" cannot start an Avro field name, so these never collide with a field.
 * Two record types are summarised rather than dumped:
 * <ul>
 *   <li>DvsEventBatch: the packed event arrays (x, y, polarity, timestampDeltas) are replaced by
 *       {@code lastTimestampUs} (firstTimestampUs plus the decoded deltas), one line per batch;</li>
 *   <li>any bytes field (a dead letter's key and value, an inline checkpoint payload): {@code {"length": N,
 *       "base64": "..."}} with at most {@link #BYTES_SHOWN} bytes shown and {@code "truncated": true} when cut. A dead
 *       letter's key is also shown as text ({@code "keyText"}) when it is UTF-8.</li>
 * </ul>
 * A value that does not decode gives a line with {@code "@type": null} and {@code "@error"} naming why; it never
 * stops the tail. Not threadsafe (one reader per instance and thread).
 */
public final class RecordJson {

    /** Most bytes of a bytes field shown (base64) in a line. */
    public static final int BYTES_SHOWN = 256;

    private static final String EVENT_BATCH = "io.spikestream.schemas.DvsEventBatch";
    private static final String DEAD_LETTER = "io.spikestream.schemas.DeadLetter";
    private static final List<String> PACKED_EVENT_FIELDS = List.of("x", "y", "polarity", "timestampDeltas");

    private final JsonFactory json = new JsonFactory();
    private final Map<Long, GenericDatumReader<GenericRecord>> readers = new HashMap<>();
    private BinaryDecoder decoder;

    /** Where the record was read; {@code key} may be null. */
    public record Origin(String topic, int partition, long offset, long timestampMs, String key) {
    }

    /** The JSON line (without a line break) of one record. */
    public String line(Origin origin, byte[] value) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            GenericRecord record = null;
            String error = null;
            long fingerprint = 0;
            try {
                fingerprint = SingleObjectCodec.readFingerprint(value);
                record = decode(fingerprint, value);
            } catch (RecordDecodeException e) {
                error = e.getMessage();
            }
            if (record == null) {
                g.writeNullField("@type");
                g.writeStringField("@error", error);
                g.writeNumberField("valueLength", value == null ? 0 : value.length);
            } else {
                g.writeStringField("@type", record.getSchema().getName());
                g.writeStringField("@schema", SpikestreamSchemas.hex(fingerprint));
                writeFields(g, record);
            }
            g.writeObjectFieldStart("@kafka");
            g.writeStringField("topic", origin.topic());
            g.writeNumberField("partition", origin.partition());
            g.writeNumberField("offset", origin.offset());
            g.writeNumberField("timestampMs", origin.timestampMs());
            g.writeStringField("key", origin.key());
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write JSON to memory", e);
        }
        return out.toString();
    }

    private GenericRecord decode(long fingerprint, byte[] value) throws RecordDecodeException {
        Schema writer = SpikestreamSchemas.find(fingerprint);
        if (writer == null) {
            throw new RecordDecodeException(RecordDecodeException.Kind.UNKNOWN_SCHEMA, fingerprint,
                "schema fingerprint " + SpikestreamSchemas.hex(fingerprint) + " is not a known version of any spikestream record",
                null);
        }
        GenericDatumReader<GenericRecord> reader = readers.computeIfAbsent(fingerprint,
            f -> new GenericDatumReader<>(writer, writer, GenericData.get()));
        decoder = DecoderFactory.get().binaryDecoder(value, SingleObjectCodec.HEADER_LENGTH,
            value.length - SingleObjectCodec.HEADER_LENGTH, decoder);
        try {
            GenericRecord record = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new IOException((value.length - SingleObjectCodec.HEADER_LENGTH) + "-byte body has bytes after the record");
            }
            return record;
        } catch (IOException | RuntimeException e) {
            throw new RecordDecodeException(RecordDecodeException.Kind.MALFORMED_BODY, fingerprint,
                "Avro body of " + writer.getName() + " (" + value.length + " bytes) does not decode: " + e, e);
        }
    }

    private void writeFields(JsonGenerator g, GenericRecord record) throws IOException {
        boolean eventBatch = record.getSchema().getFullName().equals(EVENT_BATCH);
        for (Schema.Field f : record.getSchema().getFields()) {
            if (eventBatch && PACKED_EVENT_FIELDS.contains(f.name())) {
                continue;
            }
            g.writeFieldName(f.name());
            writeValue(g, record.get(f.pos()));
            if (eventBatch && f.name().equals("firstTimestampUs")) {
                g.writeFieldName("lastTimestampUs");
                Long last = lastTimestamp(record);
                if (last == null) {
                    g.writeNull();
                } else {
                    g.writeNumber(last);
                }
            }
        }
        if (record.getSchema().getFullName().equals(DEAD_LETTER) && record.get("key") instanceof ByteBuffer key) {
            String text = utf8(key);
            if (text != null) {
                g.writeStringField("keyText", text);
            }
        }
    }

    private static void writeValue(JsonGenerator g, Object v) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case GenericRecord r -> {
                g.writeStartObject();
                for (Schema.Field f : r.getSchema().getFields()) {
                    g.writeFieldName(f.name());
                    writeValue(g, r.get(f.pos()));
                }
                g.writeEndObject();
            }
            case Integer i -> g.writeNumber(i);
            case Long l -> g.writeNumber(l);
            case Float f -> g.writeNumber(f); // NaN and infinities are written as quoted strings (Jackson's default)
            case Double d -> g.writeNumber(d);
            case Boolean b -> g.writeBoolean(b);
            case ByteBuffer b -> writeBytes(g, b);
            case GenericData.Fixed f -> writeBytes(g, ByteBuffer.wrap(f.bytes()));
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    g.writeFieldName(String.valueOf(e.getKey()));
                    writeValue(g, e.getValue());
                }
                g.writeEndObject();
            }
            case Iterable<?> items -> {
                g.writeStartArray();
                for (Object item : items) {
                    writeValue(g, item);
                }
                g.writeEndArray();
            }
            default -> g.writeString(v.toString()); // strings (Utf8) and enum symbols
        }
    }

    private static void writeBytes(JsonGenerator g, ByteBuffer b) throws IOException {
        ByteBuffer view = b.duplicate();
        int length = view.remaining();
        byte[] shown = new byte[Math.min(length, BYTES_SHOWN)];
        view.get(shown);
        g.writeStartObject();
        g.writeNumberField("length", length);
        g.writeStringField("base64", Base64.getEncoder().encodeToString(shown));
        if (shown.length < length) {
            g.writeBooleanField("truncated", true);
        }
        g.writeEndObject();
    }

    /** firstTimestampUs plus the zig-zag LEB128 deltas (EventBatchLayout's packing); null when they do not decode. */
    static Long lastTimestamp(GenericRecord batch) {
        Object count = batch.get("count");
        Object first = batch.get("firstTimestampUs");
        Object deltas = batch.get("timestampDeltas");
        if (!(count instanceof Integer n) || !(first instanceof Long t) || !(deltas instanceof ByteBuffer ds)) {
            return null;
        }
        if (n <= 0) {
            return n == 0 ? t : null;
        }
        long time = t;
        int pos = ds.position();
        final int limit = ds.limit();
        for (int i = 1; i < n; i++) {
            long z = 0;
            int shift = 0;
            while (true) {
                if (pos >= limit || shift >= 70) {
                    return null;
                }
                byte b = ds.get(pos++);
                z |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    break;
                }
                shift += 7;
            }
            time += (z >>> 1) ^ -(z & 1);
        }
        return pos == limit ? time : null;
    }

    private static String utf8(ByteBuffer b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(b.duplicate()).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
