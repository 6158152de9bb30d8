package io.spikestream.sinks.kafka;

import io.spikestream.schemas.Prediction;

import java.util.ArrayList;
import java.util.List;

/**
 * Maps {@link WindowPrediction} to the Avro {@link Prediction} record and back. The only lossy step is
 * {@code scores}, written as Avro floats: {@code fromAvro(toAvro(p))} equals {@code p} when every score is a
 * float value. Absent values travel as Avro nulls: label -1 and a NaN loss. Stateless.
 */
public final class PredictionRecords {

    private PredictionRecords() {
    }

    /** The Avro record of {@code p}, made by model {@code modelId}. */
    public static Prediction toAvro(WindowPrediction p, String modelId) {
        List<Float> scores = new ArrayList<>(p.scores().length);
        for (double s : p.scores()) {
            scores.add((float) s);
        }
        return Prediction.newBuilder()
            .setSensorId(p.sensorId())
            .setSampleId(p.sampleId())
            .setWindowStartUs(p.windowStartUs())
            .setWindowEndUs(p.windowEndUs())
            .setPredictedClass(p.predicted())
            .setScores(scores)
            .setModelId(modelId)
            .setModelVersion(p.modelVersion())
            .setLabel(p.label() < 0 ? null : p.label())
            .setLoss(Double.isNaN(p.loss()) ? null : p.loss())
            .setLearning(p.learning())
            .build();
    }

    /** The plain form of a record read from the topic (any schema version: absent fields read as absent). */
    public static WindowPrediction fromAvro(Prediction r) {
        List<Float> list = r.getScores();
        double[] scores = new double[list.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = list.get(i);
        }
        return new WindowPrediction(r.getSensorId(), r.getSampleId(), r.getWindowStartUs(), r.getWindowEndUs(),
            r.getLabel() == null ? -1 : r.getLabel(), r.getPredictedClass(), scores,
            r.getLoss() == null ? Double.NaN : r.getLoss(), r.getModelVersion(), r.getLearning());
    }
}
