package io.spikestream.app.learn;

import io.spikestream.learner.StreamLearner;
import io.spikestream.network.checkpoint.CheckpointReader;
import io.spikestream.network.checkpoint.CheckpointWriter;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A script played by one learner straight through, or stopped after any item, checkpointed to a file and restored into
 * a fresh learner that plays the rest: what the checkpoint tests compare (predictions and final state, bit for bit).
 */
final class CheckpointReplay {

    /** Opens a fresh learner (the same settings every time) that adds its predictions to {@code out}. */
    @FunctionalInterface
    interface Learners {
        StreamLearner open(List<StreamLearner.Prediction> out) throws Exception;
    }

    /** The predictions made and the learner's checkpoint bytes after {@link StreamLearner#finish()}. */
    record Result(List<StreamLearner.Prediction> predictions, byte[] finalState) {
    }

    private CheckpointReplay() {
    }

    /** Every checkpoint section of {@code l}, as bytes. */
    static byte[] state(StreamLearner l) {
        CheckpointWriter w = new CheckpointWriter(l.checkpointShape());
        l.addCheckpointSections(w);
        return w.toBytes();
    }

    /** One learner plays the whole script and finishes. */
    static Result straight(Learners learners, StreamScript script) throws Exception {
        List<StreamLearner.Prediction> out = new ArrayList<>();
        try (StreamLearner l = learners.open(out)) {
            script.items.forEach(i -> i.apply(l));
            l.finish();
            return new Result(out, state(l));
        }
    }

    /**
     * A learner plays items [0, stop) and is checkpointed into {@code file} and closed; a fresh learner checks the
     * checkpoint's shape, restores it, plays the rest and finishes. The predictions of both, in order.
     */
    static Result stoppedAndRestored(Learners learners, StreamScript script, int stop, Path file) throws Exception {
        List<StreamLearner.Prediction> got = new ArrayList<>();
        try (StreamLearner a = learners.open(got)) {
            script.items.subList(0, stop).forEach(i -> i.apply(a));
            CheckpointWriter w = new CheckpointWriter(a.checkpointShape());
            a.addCheckpointSections(w);
            w.writeAtomically(file);
        }
        try (StreamLearner b = learners.open(got); CheckpointReader r = CheckpointReader.open(file)) {
            r.requireShape(b.checkpointShape());
            b.restore(r);
            script.items.subList(stop, script.items.size()).forEach(i -> i.apply(b));
            b.finish();
            return new Result(got, state(b));
        }
    }
}
