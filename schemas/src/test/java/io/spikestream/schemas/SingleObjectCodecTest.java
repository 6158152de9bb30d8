package io.spikestream.schemas;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SingleObjectCodecTest {

    static List<SpecificRecord> samples() {
        return List.of(
            EventBatchLayout.pack(new EventBatchLayout.Header("cam-0", 34, 34, 3, 0, "Test/1/00002.bin", 0),
                new int[] {0, 33, 7}, new int[] {33, 0, 7}, new byte[] {1, 0, 1}, new long[] {10, 11, 500}, 0, 3),
            LabelRecord.newBuilder().setSensorId("cam-0").setSampleId("Test/1/00002.bin").setWindowStartUs(0)
                .setWindowEndUs(300_000).setLabel(1).setLabelName("1").build(),
            Prediction.newBuilder().setSensorId("cam-0").setWindowStartUs(0).setWindowEndUs(300_000)
                .setPredictedClass(4).setScores(List.of(0.1f, 0.9f)).setModelId("m").setModelVersion(17).build(),
            CheckpointRecord.newBuilder().setModelId("m").setVersion(2).setStreamTimeUs(1_000)
                .setOffsets(List.of(new PartitionOffset("spikestream.events", 0, 42L, null)))
                .setPayload(ByteBuffer.wrap(new byte[] {1, 2, 3})).setPayloadBytes(3).setChecksum(99).build(),
            DeadLetter.newBuilder().setOriginTopic("t").setOriginPartition(1).setOriginOffset(5)
                .setOriginTimestampMs(7).setReasonCode(DeadLetterReason.UNKNOWN_SCHEMA).setReason("why")
                .setValue(ByteBuffer.wrap(new byte[] {9})).build());
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void everyRecordTypeRoundTripsWithTheSingleObjectHeader() throws Exception {
        AnyRecordDecoder any = new AnyRecordDecoder();
        for (SpecificRecord record : samples()) {
            SingleObjectCodec codec = SpikestreamSchemas.codec(record.getClass());
            byte[] bytes = codec.encode(record);
            assertEquals((byte) 0xC3, bytes[0]);
            assertEquals((byte) 0x01, bytes[1]);
            long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(SpikestreamSchemas.fingerprint(record.getSchema()), fingerprint);
            assertEquals(record, codec.decode(bytes));
            assertEquals(record, any.decode(bytes));
        }
    }

    @Test
    void badHeadersAndOtherTypesAreTypedErrors() {
        SingleObjectCodec<LabelRecord> labels = SpikestreamSchemas.codec(LabelRecord.class);
        RecordDecodeException shortValue = assertThrows(RecordDecodeException.class,
            () -> labels.decode(new byte[] {(byte) 0xC3, 1, 0}));
        assertEquals(RecordDecodeException.Kind.BAD_HEADER, shortValue.kind());
        RecordDecodeException noMarker = assertThrows(RecordDecodeException.class,
            () -> labels.decode("{\"json\": true}".getBytes()));
        assertEquals(RecordDecodeException.Kind.BAD_HEADER, noMarker.kind());
        assertTrue(noMarker.getMessage().contains("7B 22"), noMarker.getMessage());

        byte[] prediction = SpikestreamSchemas.codec(Prediction.class).encode((Prediction) samples().get(2));
        RecordDecodeException wrong = assertThrows(RecordDecodeException.class, () -> labels.decode(prediction));
        assertEquals(RecordDecodeException.Kind.WRONG_TYPE, wrong.kind());
    }

    @Test
    void truncatedBodyIsMalformed() {
        SingleObjectCodec<LabelRecord> labels = SpikestreamSchemas.codec(LabelRecord.class);
        byte[] good = labels.encode((LabelRecord) samples().get(1));
        RecordDecodeException e = assertThrows(RecordDecodeException.class,
            () -> labels.decode(Arrays.copyOf(good, good.length - 3)));
        assertEquals(RecordDecodeException.Kind.MALFORMED_BODY, e.kind());
    }

    /** Seeded random corruption of valid values: decoding either succeeds or throws the typed error, nothing else. */
    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void corruptedValuesNeverEscapeAsOtherExceptions() {
        SplittableRandom random = new SplittableRandom(20261123L);
        int typedErrors = 0;
        for (SpecificRecord record : samples()) {
            SingleObjectCodec codec = SpikestreamSchemas.codec(record.getClass());
            byte[] good = codec.encode(record);
            for (int round = 0; round < 2_000; round++) {
                byte[] bad = Arrays.copyOf(good, 1 + random.nextInt(good.length + 8));
                int flips = 1 + random.nextInt(4);
                for (int f = 0; f < flips; f++) {
                    int at = SingleObjectCodec.HEADER_LENGTH + random.nextInt(Math.max(1, bad.length - 10));
                    if (at < bad.length) {
                        bad[at] = (byte) random.nextInt(256);
                    }
                }
                try {
                    codec.decode(bad);
                } catch (RecordDecodeException e) {
                    typedErrors++;
                }
            }
        }
        assertTrue(typedErrors > 1_000, "most corruptions are detected, got " + typedErrors);
    }

    @Test
    void kafkaSerdeRoundTripsAndReportsBadValuesAsSerializationException() {
        LabelRecord label = (LabelRecord) samples().get(1);
        try (SingleObjectSerializer<LabelRecord> serializer = new SingleObjectSerializer<>();
             SingleObjectDeserializer<LabelRecord> deserializer = new SingleObjectDeserializer<>()) {
            deserializer.configure(Map.of(SingleObjectDeserializer.RECORD_CLASS_CONFIG, LabelRecord.class.getName()),
                false);
            byte[] bytes = serializer.serialize("spikestream.labels", label);
            assertEquals(label, deserializer.deserialize("spikestream.labels", bytes));
            SerializationException e = assertThrows(SerializationException.class,
                () -> deserializer.deserialize("spikestream.labels", new byte[] {1, 2, 3}));
            assertInstanceOf(RecordDecodeException.class, e.getCause());
            assertTrue(e.getMessage().startsWith("topic spikestream.labels: BAD_HEADER"), e.getMessage());
            assertArrayEquals(null, serializer.serialize("t", null));
        }
    }

    /**
     * Avro 1.12 refuses to instantiate generated classes outside trusted packages ("Forbidden ... not trusted"):
     * in a fresh JVM, {@code DeadLetter.getDecoder().decode(...)} fails that way. Loading {@link SpikestreamSchemas}
     * trusts the generated package, after which even the generated static decoders work.
     */
    @Test
    void generatedDecodersWorkOnceTheSchemasAreLoaded() throws Exception {
        SpikestreamSchemas.store();
        CheckpointRecord checkpoint = (CheckpointRecord) samples().get(3);
        ByteBuffer bytes = CheckpointRecord.getEncoder().encode(checkpoint);
        assertEquals(checkpoint, CheckpointRecord.getDecoder().decode(bytes));
        assertTrue(org.apache.avro.util.ClassSecurityValidator.getGlobal().isTrusted(PartitionOffset.class));
        assertTrue(org.apache.avro.util.ClassSecurityValidator.getGlobal().isTrusted(DeadLetterReason.class));
    }
}
