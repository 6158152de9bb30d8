package io.spikestream.app.learn;

import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;

import io.spikestream.network.checkpoint.CheckpointWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The e-prop learner is exactly what it was before the learner became rule-agnostic: a fixed stream (training
 * windows, a window scored without learning, then learning switched off) gives predictions and a final checkpoint
 * whose SHA-256 digests were recorded with the learner as it was before {@code LearnerModel} existed (commit
 * 6a8b4e7). Same digest of the checkpoint = same state, bit for bit, and the same checkpoint format and shape, so
 * checkpoints written before the change still restore. The checkpoint digests were re-recorded once, when the engine
 * began to deliver coinciding input spikes as NEST does (a parrot's event of multiplicity m as m events at every
 * synapse, docs/nest-semantics.md); with that delivery switched back, the old digests are reproduced.
 */
class EpropPathUnchangedTest {

    static Settings settings(String rule) throws Exception {
        return Settings.load(List.of(), List.of("network.n_rec=40", "network.rule=" + rule, "time.lateness_us=50000",
            "sensor.hot_pixel_refractory_us=300", "optimizer.type=adam", "optimizer.eta=0.001", "optimizer.batch_size=2"));
    }

    @ParameterizedTest
    @CsvSource({
        "fast, f850d2b874c9cd8b10bdd773e050109136e1e31c013e009566be98113ccb4e2b, 9bca5fba3bf4380d219091d6f69f6d63b76379f3162a10d4544343a63d61d960",
        "nest, 598c44e821602c0070c0dcada5ef167e4c9cb7151f0c1c645aa2d46f75b66d87, a4239a0479f9e84d5b9497da6e33adf03907934618c15b6bc88c2b0bd33a2b2c"})
    void predictionsAndCheckpointAreBitIdenticalToTheRecordedOnes(String rule, String predictionDigest,
                                                                   String checkpointDigest) throws Exception {
        List<StreamLearner.Prediction> out = new ArrayList<>();
        byte[] state;
        try (StreamLearner l = new StreamLearner(settings(rule), out::add)) {
            l.setWindowPolicy(id -> !id.endsWith("0.bin"));
            StreamScript first = StreamScript.nmnist(4, 900, 1500);
            first.items.forEach(i -> i.apply(l));
            l.flushWindows();
            l.setLearning(false);
            StreamScript.nmnist(2, 900, 1500, 4, first.endUs).items.forEach(i -> i.apply(l));
            l.finish();
            CheckpointWriter w = new CheckpointWriter(l.checkpointShape());
            l.addCheckpointSections(w);
            state = w.toBytes();
        }
        assertEquals(6, out.size());
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        ByteBuffer b = ByteBuffer.allocate(64);
        for (StreamLearner.Prediction p : out) {
            md.update(p.sampleId().getBytes(StandardCharsets.UTF_8));
            b.clear();
            b.putLong(p.windowStartUs()).putLong(p.windowEndUs()).putInt(p.label()).putInt(p.predicted())
                .putLong(Double.doubleToRawLongBits(p.loss())).putLong(p.modelVersion()).put((byte) (p.learning() ? 1 : 0));
            md.update(b.array(), 0, b.position());
            for (double s : p.scores()) {
                b.clear();
                b.putLong(Double.doubleToRawLongBits(s));
                md.update(b.array(), 0, 8);
            }
        }
        String preds = HexFormat.of().formatHex(md.digest());
        String ckpt = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(state));
        assertEquals(predictionDigest, preds, rule + ": predictions");
        assertEquals(checkpointDigest, ckpt, rule + ": checkpoint (" + state.length + " bytes)");
    }
}
