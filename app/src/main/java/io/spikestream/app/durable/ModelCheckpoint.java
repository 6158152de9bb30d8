package io.spikestream.app.durable;

import io.spikestream.learner.StreamLearner;
import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.CheckpointReader;
import io.spikestream.network.checkpoint.CheckpointWriter;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.util.ArrayList;
import java.util.List;

/**
 * The sections a model checkpoint adds to the learner's (which holds the network's): {@code model} (id, version,
 * stream time, step, creation time) and {@code offsets} (an {@link InputPosition} per input partition the model
 * consumed). Both are written in the same file as the learned state, so state and offsets are durable together
 * or not at all.
 */
public final class ModelCheckpoint {

    public static final String MODEL = "model";
    public static final String OFFSETS = "offsets";

    private ModelCheckpoint() {
    }

    /** A writer for the complete checkpoint of {@code learner}. */
    public static CheckpointWriter writer(ModelInfo info, List<InputPosition> positions, StreamLearner learner) {
        CheckpointWriter w = new CheckpointWriter(learner.checkpointShape());
        w.section(MODEL, out -> writeInfo(out, info));
        w.section(OFFSETS, out -> writePositions(out, positions));
        learner.addCheckpointSections(w);
        return w;
    }

    /** A copy of a verified checkpoint with new {@code model} and {@code offsets} sections (import, rename). */
    public static CheckpointWriter rewrite(CheckpointReader r, ModelInfo info, List<InputPosition> positions)
        throws CheckpointException {
        CheckpointWriter w = new CheckpointWriter(r.shape());
        w.section(MODEL, out -> writeInfo(out, info));
        w.section(OFFSETS, out -> writePositions(out, positions));
        for (String name : r.sectionNames()) {
            if (!name.equals(MODEL) && !name.equals(OFFSETS)) {
                StateReader body = r.section(name);
                w.section(name, out -> out.putRaw(body.body()));
            }
        }
        return w;
    }

    private static void writeInfo(StateWriter out, ModelInfo info) {
        out.putString(info.modelId());
        out.putLong(info.version());
        out.putLong(info.streamTimeUs());
        out.putLong(info.step());
        out.putLong(info.createdMs());
    }

    private static void writePositions(StateWriter out, List<InputPosition> positions) {
        out.putInt(positions.size());
        for (InputPosition p : positions) {
            out.putString(p.topic());
            out.putInt(p.partition());
            out.putLong(p.next());
            out.putLong(p.floor());
        }
    }

    public static ModelInfo readInfo(CheckpointReader r) throws CheckpointException {
        StateReader in = r.section(MODEL);
        ModelInfo info = new ModelInfo(in.getString(), in.getLong(), in.getLong(), in.getLong(), in.getLong());
        in.expectEnd();
        return info;
    }

    public static List<InputPosition> readPositions(CheckpointReader r) throws CheckpointException {
        StateReader in = r.section(OFFSETS);
        int n = in.getInt();
        if (n < 0 || n > 1 << 20) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, r.origin() + ": " + n + " input positions");
        }
        List<InputPosition> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new InputPosition(in.getString(), in.getInt(), in.getLong(), in.getLong()));
        }
        in.expectEnd();
        return out;
    }
}
