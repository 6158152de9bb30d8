package io.spikestream.sinks.kafka;

import java.util.Arrays;
import java.util.Objects;

/**
 * What the learner predicted for one sensor over one scored window, as plain data: the input of
 * {@link PredictionPublisher}, mapped field by field onto the Avro {@code Prediction} record.
 *
 * @param sensorId      the sensor whose events were scored (the record key)
 * @param sampleId      identifies the sample (e.g. {@code Test/3/00011.bin}), or null
 * @param windowStartUs inclusive start of the window, microseconds, stream time
 * @param windowEndUs   exclusive end of the window, microseconds, stream time
 * @param label         the true class when known at prediction time, -1 when not (Avro: null)
 * @param predicted     the predicted class, -1 when none
 * @param scores        one score per class; written as Avro floats, so each is rounded to the nearest float
 * @param loss          the window's loss, NaN when not computed (Avro: null)
 * @param modelVersion  number of learning updates applied when the prediction was made
 * @param learning      whether the learner learned from the window after predicting it (train phase)
 * @param kind          {@code window}, {@code tick} or {@code interval} (Prediction schema v3)
 * @param confidence    softmax probability of the predicted class, NaN when not computed (Avro: null)
 * @param majority      {@code interval}: the class most of its ticks predicted, -1 when none (Avro: null)
 * @param firstCorrectUs {@code interval}: stream time from its start to the end of its first correct tick, -1 when
 *                      none (Avro: null)
 */
public record WindowPrediction(String sensorId, String sampleId, long windowStartUs, long windowEndUs, int label,
                               int predicted, double[] scores, double loss, long modelVersion, boolean learning,
                               String kind, double confidence, int majority, long firstCorrectUs) {

    public static final String WINDOW = "window";
    public static final String TICK = "tick";
    public static final String INTERVAL = "interval";

    public WindowPrediction {
        Objects.requireNonNull(sensorId, "sensorId");
        Objects.requireNonNull(scores, "scores");
        Objects.requireNonNull(kind, "kind");
    }

    /** A labelled window's prediction (kind {@code window}, no confidence). */
    public WindowPrediction(String sensorId, String sampleId, long windowStartUs, long windowEndUs, int label,
                            int predicted, double[] scores, double loss, long modelVersion, boolean learning) {
        this(sensorId, sampleId, windowStartUs, windowEndUs, label, predicted, scores, loss, modelVersion, learning,
            WINDOW, Double.NaN, -1, -1L);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WindowPrediction p && sensorId.equals(p.sensorId) && Objects.equals(sampleId, p.sampleId)
            && windowStartUs == p.windowStartUs && windowEndUs == p.windowEndUs && label == p.label
            && predicted == p.predicted && Arrays.equals(scores, p.scores)
            && Double.compare(loss, p.loss) == 0 && modelVersion == p.modelVersion && learning == p.learning
            && kind.equals(p.kind) && Double.compare(confidence, p.confidence) == 0 && majority == p.majority
            && firstCorrectUs == p.firstCorrectUs;
    }

    @Override
    public int hashCode() {
        return Objects.hash(sensorId, sampleId, windowStartUs, windowEndUs, label, predicted, Arrays.hashCode(scores),
            loss, modelVersion, learning, kind, confidence, majority, firstCorrectUs);
    }

    @Override
    public String toString() {
        return "WindowPrediction[sensor=" + sensorId + ", sample=" + sampleId + ", window=[" + windowStartUs + ", "
            + windowEndUs + "), label=" + label + ", predicted=" + predicted + ", scores=" + Arrays.toString(scores)
            + ", loss=" + loss + ", modelVersion=" + modelVersion + ", learning=" + learning + ", kind=" + kind
            + ", confidence=" + confidence + ", majority=" + majority + ", firstCorrectUs=" + firstCorrectUs + "]";
    }
}
