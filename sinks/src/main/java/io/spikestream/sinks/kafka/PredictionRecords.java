package io.spikestream.sinks.kafka;

import io.spikestream.schemas.Prediction;

import java.util.ArrayList;
import java.util.List;

/**
 * Maps {@link WindowPrediction} to the Avro {@link Prediction} record and back. The only lossy step is
 * {@code scores}, written as Avro floats: {@code fromAvro(toAvro(p))} equals {@code p} when every score is a
 * float value. Absent values travel as Avro nulls: label -1, a NaN loss or confidence, majority -1, latency -1. Stateless.
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
            .setKind(p.kind())
            .setConfidence(Double.isNaN(p.confidence()) ? null : p.confidence())
            .setMajorityClass(p.majority() < 0 ? null : p.majority())
            .setFirstCorrectLatencyUs(p.firstCorrectUs() < 0 ? null : p.firstCorrectUs())
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
            r.getLoss() == null ? Double.NaN : r.getLoss(), r.getModelVersion(), r.getLearning(), r.getKind(),
            r.getConfidence() == null ? Double.NaN : r.getConfidence(),
            r.getMajorityClass() == null ? -1 : r.getMajorityClass(),
            r.getFirstCorrectLatencyUs() == null ? -1L : r.getFirstCorrectLatencyUs());
    }
}
