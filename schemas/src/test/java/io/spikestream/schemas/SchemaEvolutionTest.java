package io.spikestream.schemas;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchemaEvolutionTest {

    private static Schema history(String fullName, int index) {
        return SpikestreamSchemas.history(fullName).get(index);
    }

    private static byte[] encodeGeneric(Schema schema, GenericRecord record) throws IOException {
        ByteBuffer buffer = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(record);
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    @Test
    void historyHoldsTheOlderVersionsWithDistinctFingerprints() {
        Schema v1 = history("io.spikestream.schemas.LabelRecord", 0);
        Schema v2 = LabelRecord.getClassSchema();
        assertEquals(6, v1.getFields().size());
        assertEquals(8, v2.getFields().size());
        assertTrue(SpikestreamSchemas.fingerprint(v1) != SpikestreamSchemas.fingerprint(v2));
        assertEquals(v1, SpikestreamSchemas.find(SpikestreamSchemas.fingerprint(v1)));
        assertEquals(1, SpikestreamSchemas.history("io.spikestream.schemas.DvsEventBatch").size());
    }

    @Test
    void currentReaderReadsRecordsWrittenWithTheOldSchema() throws Exception {
        Schema v1 = history("io.spikestream.schemas.LabelRecord", 0);
        GenericRecord old = new GenericData.Record(v1);
        old.put("sensorId", "cam-1");
        old.put("sampleId", "Test/7/00001.bin");
        old.put("windowStartUs", 1_000L);
        old.put("windowEndUs", 316_000L);
        old.put("label", 7);
        old.put("labelName", "7");
        byte[] bytes = encodeGeneric(v1, old);

        LabelRecord now = SpikestreamSchemas.codec(LabelRecord.class).decode(bytes);

        assertEquals("cam-1", now.getSensorId());
        assertEquals("Test/7/00001.bin", now.getSampleId());
        assertEquals(1_000L, now.getWindowStartUs());
        assertEquals(316_000L, now.getWindowEndUs());
        assertEquals(7, now.getLabel());
        assertEquals("7", now.getLabelName());
        assertEquals(List.of(), now.getTargets(), "field added in v2 takes its default");
        assertNull(now.getSourceFile());
    }

    @Test
    void oldReaderReadsRecordsWrittenWithTheCurrentSchema() throws Exception {
        LabelRecord current = LabelRecord.newBuilder()
            .setSensorId("cam-2").setSampleId("s-9").setWindowStartUs(5).setWindowEndUs(10)
            .setLabel(3).setLabelName("three").setTargets(List.of(0.5f, -1f)).setSourceFile("a/b.bin").build();
        byte[] bytes = SpikestreamSchemas.codec(LabelRecord.class).encode(current);

        Schema v1 = history("io.spikestream.schemas.LabelRecord", 0);
        BinaryMessageDecoder<GenericRecord> oldReader =
            new BinaryMessageDecoder<>(GenericData.get(), v1, SpikestreamSchemas.store());
        GenericRecord seen = oldReader.decode(bytes);

        assertEquals(v1, seen.getSchema());
        assertEquals("cam-2", seen.get("sensorId").toString());
        assertEquals(3, seen.get("label"));
        assertEquals(10L, seen.get("windowEndUs"));
        assertNull(v1.getField("targets"), "the old reader simply does not see fields it does not know");
    }

    @Test
    void oldEventBatchReaderAndWriterInteroperateWithTheCurrentOne() throws Exception {
        Schema v1 = history("io.spikestream.schemas.DvsEventBatch", 0);
        DvsEventBatch current = EventBatchLayout.pack(
            new EventBatchLayout.Header("cam", 34, 34, 12, 1_000_000L, "Test/0/1.bin", 40),
            new int[] {1, 33}, new int[] {0, 2}, new byte[] {1, 0}, new long[] {100, 90}, 0, 2);
        byte[] newBytes = SpikestreamSchemas.codec(DvsEventBatch.class).encode(current);
        GenericRecord seenByOld = new BinaryMessageDecoder<GenericRecord>(GenericData.get(), v1,
            SpikestreamSchemas.store()).decode(newBytes);
        assertEquals(12L, seenByOld.get("sequence"));
        assertEquals(2, seenByOld.get("count"));

        byte[] oldBytes = encodeGeneric(v1, seenByOld);
        DvsEventBatch back = SpikestreamSchemas.codec(DvsEventBatch.class).decode(oldBytes);
        assertEquals(0L, back.getStreamOffsetUs(), "defaults fill the fields v1 lacks");
        assertNull(back.getSourceFile());
        assertEquals(-1L, back.getSourceEventIndex());
        int[] x = new int[2];
        int[] y = new int[2];
        byte[] p = new byte[2];
        long[] t = new long[2];
        assertEquals(2, EventBatchLayout.unpack(back, x, y, p, t));
        assertArrayEquals(new int[] {1, 33}, x);
        assertArrayEquals(new long[] {100, 90}, t);
    }

    @Test
    void aRecordFromAnUnknownNewerSchemaIsATypedErrorNamingTheFingerprint() throws Exception {
        Schema v3;
        try (InputStream in = getClass().getResourceAsStream("/future/LabelRecord-v3.avsc")) {
            v3 = new Schema.Parser().parse(in);
        }
        GenericRecord future = new GenericData.Record(v3);
        future.put("sensorId", "cam");
        future.put("sampleId", "x");
        future.put("windowStartUs", 0L);
        future.put("windowEndUs", 1L);
        future.put("targets", List.of());
        future.put("confidence", 0.25f);
        byte[] bytes = encodeGeneric(v3, future);
        long fingerprint = SpikestreamSchemas.fingerprint(v3);

        RecordDecodeException e = assertThrows(RecordDecodeException.class,
            () -> SpikestreamSchemas.codec(LabelRecord.class).decode(bytes));
        assertEquals(RecordDecodeException.Kind.UNKNOWN_SCHEMA, e.kind());
        assertEquals(fingerprint, e.fingerprint());
        assertTrue(e.getMessage().contains(SpikestreamSchemas.hex(fingerprint)), e.getMessage());
        assertThrows(RecordDecodeException.class, () -> new AnyRecordDecoder().decode(bytes));

        // Plain Avro, for comparison, throws an unchecked MissingSchemaException; the codec turns it into the typed error.
        assertThrows(MissingSchemaException.class, () -> new BinaryMessageDecoder<GenericRecord>(
            GenericData.get(), LabelRecord.getClassSchema(), SpikestreamSchemas.store()).decode(bytes));
    }
}
