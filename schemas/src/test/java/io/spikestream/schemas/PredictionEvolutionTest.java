package io.spikestream.schemas;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Prediction version 3 (kind, confidence, majority, latency) still reads records written with versions 1 and 2, and a
 * consumer still on version 2 reads version 3 records.
 */
class PredictionEvolutionTest {

    private static final String NAME = "io.spikestream.schemas.Prediction";

    @Test
    void version1IsInTheHistoryWithItsOwnFingerprint() {
        List<Schema> history = SpikestreamSchemas.history(NAME);
        assertEquals(2, history.size());
        Schema v1 = history.get(0);
        assertEquals(8, v1.getFields().size());
        assertEquals(11, history.get(1).getFields().size());
        assertEquals(15, Prediction.getClassSchema().getFields().size());
        assertNotEquals(SpikestreamSchemas.fingerprint(history.get(1)), SpikestreamSchemas.fingerprint(Prediction.getClassSchema()));
        assertNotEquals(SpikestreamSchemas.fingerprint(v1), SpikestreamSchemas.fingerprint(Prediction.getClassSchema()));
        assertEquals(v1, SpikestreamSchemas.find(SpikestreamSchemas.fingerprint(v1)));
    }

    @Test
    void aVersion1RecordDecodesWithNoLabelNoLossAndNotLearning() throws Exception {
        Schema v1 = SpikestreamSchemas.history(NAME).get(0);
        GenericRecord old = new GenericData.Record(v1);
        old.put("sensorId", "cam-2");
        old.put("sampleId", "Test/3/00011.bin");
        old.put("windowStartUs", 5_000L);
        old.put("windowEndUs", 305_000L);
        old.put("predictedClass", 3);
        old.put("scores", List.of(0.25f, -1.5f, 0f, 2.75f));
        old.put("modelId", "nmnist");
        old.put("modelVersion", 41L);
        ByteBuffer buffer = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old);
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);

        Prediction now = SpikestreamSchemas.codec(Prediction.class).decode(bytes);

        assertEquals("cam-2", now.getSensorId());
        assertEquals("Test/3/00011.bin", now.getSampleId());
        assertEquals(5_000L, now.getWindowStartUs());
        assertEquals(305_000L, now.getWindowEndUs());
        assertEquals(3, now.getPredictedClass());
        assertEquals(List.of(0.25f, -1.5f, 0f, 2.75f), now.getScores());
        assertEquals("nmnist", now.getModelId());
        assertEquals(41L, now.getModelVersion());
        assertNull(now.getLabel());
        assertNull(now.getLoss());
        assertFalse(now.getLearning());
    }

    @Test
    void aVersion2RecordDecodesAsAWindowWithoutConfidence() throws Exception {
        Schema v2 = SpikestreamSchemas.history(NAME).get(1);
        GenericRecord old = new GenericData.Record(v2);
        old.put("sensorId", "cam-2");
        old.put("sampleId", null);
        old.put("windowStartUs", 0L);
        old.put("windowEndUs", 10_000L);
        old.put("predictedClass", 1);
        old.put("scores", List.of(0.5f, 1.5f));
        old.put("modelId", "m");
        old.put("modelVersion", 2L);
        old.put("label", 1);
        old.put("loss", 0.25);
        old.put("learning", true);
        ByteBuffer buffer = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v2).encode(old);
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);

        Prediction now = SpikestreamSchemas.codec(Prediction.class).decode(bytes);

        assertEquals("window", now.getKind());
        assertNull(now.getConfidence());
        assertNull(now.getMajorityClass());
        assertNull(now.getFirstCorrectLatencyUs());
        assertEquals(1, now.getLabel());
        assertEquals(0.25, now.getLoss());
    }

    @Test
    void aConsumerOnVersion2ReadsAVersion3Tick() throws Exception {
        Prediction tick = Prediction.newBuilder().setSensorId("cam").setSampleId(null).setWindowStartUs(10_000L)
            .setWindowEndUs(20_000L).setPredictedClass(4).setScores(List.of(0f, 1f, 2f, 3f, 4f)).setModelId("m")
            .setModelVersion(0L).setLabel(null).setLoss(null).setLearning(false).setKind("tick").setConfidence(0.6)
            .setMajorityClass(null).setFirstCorrectLatencyUs(null).build();
        ByteBuffer encoded = new BinaryMessageEncoder<Prediction>(SpecificDataHolder.DATA, Prediction.getClassSchema())
            .encode(tick);
        Schema v2 = SpikestreamSchemas.history(NAME).get(1);
        org.apache.avro.message.BinaryMessageDecoder<GenericRecord> v2Reader =
            new org.apache.avro.message.BinaryMessageDecoder<>(GenericData.get(), v2);
        v2Reader.addSchema(Prediction.getClassSchema());
        GenericRecord seen = v2Reader.decode(encoded);
        assertEquals(4, seen.get("predictedClass"));
        assertEquals(20_000L, seen.get("windowEndUs"));
        assertNull(seen.get("label"));
        assertNull(seen.getSchema().getField("kind"));
    }

    private static final class SpecificDataHolder {
        static final org.apache.avro.specific.SpecificData DATA = org.apache.avro.specific.SpecificData.get();
    }
}
