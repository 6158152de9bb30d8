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

/** Prediction version 2 (label, loss, learning) still reads records written with version 1. */
class PredictionEvolutionTest {

    private static final String NAME = "io.spikestream.schemas.Prediction";

    @Test
    void version1IsInTheHistoryWithItsOwnFingerprint() {
        List<Schema> history = SpikestreamSchemas.history(NAME);
        assertEquals(1, history.size());
        Schema v1 = history.get(0);
        assertEquals(8, v1.getFields().size());
        assertEquals(11, Prediction.getClassSchema().getFields().size());
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
}
