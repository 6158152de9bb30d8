package io.spikestream.learner;

import io.spikestream.network.Projection;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Predictions that do not wait for late labels ({@code time.mode = continuous}, {@code time.label_delay_us > 0}): two
 * speeds. The learner runs {@code label_delay_us} behind its sensor's watermark so that a label arriving that late
 * still finds its steps unsimulated: its learning, and so its weights, are exactly those of a run whose labels arrived
 * on time. Its tick predictions would be that late too; instead they come from this preview, a second network of the
 * same shape that runs at the watermark itself with learning off, fed the same events (and labels, for the label field
 * of its ticks), whose weights are copied from the learner every {@code output.predict_every_ms} of the learner's
 * progress. The learner keeps publishing the interval predictions (they need the label anyway).
 *
 * <p>What the preview's ticks are: the forward pass of the newest events through weights at most
 * {@code label_delay_us} plus one tick older than the learner's would be after those events; its membranes are its
 * own (driven by the same events, they do not drift). Cost: a second network (neurons, synapses, rule state: twice
 * the model's memory) and a second forward pass per event, plus one copy of the weights per tick; the memory the
 * delay itself needs is the learner's: the events of the last {@code label_delay_us} and at most
 * {@code time.max_pending_labels} labels. Not checkpointed: after a restore the preview starts at rest with the
 * restored weights, from the next event on. Not threadsafe: the learner's thread.
 */
final class PredictionPreview implements AutoCloseable {

    private final StreamLearner preview;
    private final List<Projection> source = new ArrayList<>();
    private final List<Projection> target = new ArrayList<>();
    private final long syncEverySteps;
    private long syncedAt = Long.MIN_VALUE;
    private final StreamLearner learner;

    PredictionPreview(StreamLearner learner, Settings s, StreamLearner.Listener out) throws IOException {
        this.learner = learner;
        preview = new StreamLearner(s.with("time.label_delay_us", "0"), new StreamLearner.Listener() {
            @Override
            public void onPrediction(StreamLearner.Prediction p) {
                if (p.kind() == StreamLearner.Prediction.Kind.TICK) {
                    out.onPrediction(p);
                }
            }
        });
        preview.freeze();
        for (var e : learner.projections().entrySet()) {
            source.add(e.getValue());
            target.add(preview.projections().get(e.getKey()));
        }
        syncEverySteps = Math.max(1, Math.round(s.d("output.predict_every_ms") * 1000.0 / s.l("time.us_per_step")));
        copyWeights();
    }

    /** The learner has advanced: copy its weights once it moved a tick since the last copy. */
    void sync() {
        long now = learner.network().currentStep();
        if (now - syncedAt >= syncEverySteps || now < syncedAt) {
            copyWeights();
        }
    }

    private void copyWeights() {
        for (int q = 0; q < source.size(); q++) {
            Projection a = source.get(q);
            Projection b = target.get(q);
            for (int k = 0; k < a.parts(); k++) {
                Projection.Part pa = a.part(k);
                Projection.Part pb = b.part(k);
                for (long i = 0; i < pa.nnz; i++) {
                    pb.setWeight(i, pa.weight(i));
                }
            }
        }
        syncedAt = learner.network().currentStep();
    }

    /** The learning-off learner that runs at the watermark (fed by the learner's own onEvents, onLabel, idle, finish). */
    StreamLearner ahead() {
        return preview;
    }

    @Override
    public void close() {
        preview.close();
    }
}
