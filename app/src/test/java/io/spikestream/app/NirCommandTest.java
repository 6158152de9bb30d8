package io.spikestream.app;

import io.spikestream.app.durable.CheckpointStore;
import io.spikestream.app.durable.ModelInfo;
import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;
import io.spikestream.nir.NirFile;
import io.spikestream.nir.NirGraph;
import io.spikestream.nir.NirNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code import nir} of a graph the reference Python package wrote (snnTorch's shape, float32) into a checkpoint
 * store, restored the way {@code learn} restores a model (its settings file, {@code requireShape}, {@code restore}):
 * the network holds the file's weights bit for bit, {@code export nir} of it gives them back bit for bit, and it keeps
 * learning from a labelled stream (weights move from the imported ones, by learning-sized steps). Bad input is
 * refused with exit 2 and a message naming it.
 */
class NirCommandTest {

    /** The nir module's fixtures (written by the reference package, tests/nir/write_fixtures.py). */
    static Path fixture(String name) {
        return Path.of("..", "nir", "src", "test", "resources", "nir", name).toAbsolutePath().normalize();
    }

    /** The three weight matrices of a graph in the order w_in, w_rec, w_out (by the nodes' roles, not their names). */
    static List<double[][]> weights(NirGraph g, String in, String rec, String out) {
        List<double[][]> w = new ArrayList<>();
        for (String n : List.of(in, rec, out)) {
            w.add(switch (g.nodes().get(n)) {
                case NirNode.Affine a -> a.weight();
                case NirNode.Linear l -> l.weight();
                default -> throw new AssertionError(n);
            });
        }
        return w;
    }

    static void assertBits(double[][] a, double[][] b, String what) {
        assertEquals(a.length, b.length, what);
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                assertEquals(Double.doubleToRawLongBits(a[i][j]), Double.doubleToRawLongBits(b[i][j]),
                    what + "[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void importedGraphRestoresAsLearnRestoresItExportsBackExactlyAndKeepsLearning(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("store");
        Path source = fixture("recurrent_float32.nir");
        CheckpointCommandTest.Run imp = CheckpointCommandTest.run("import", "nir", source.toString(),
            "--checkpoint-dir", store.toString(), "--model", "cam-7", "--set", "sensor.width=3", "--set", "sensor.height=1",
            "--set", "optimizer.type=adam", "--set", "optimizer.eta=0.01");
        assertEquals(0, imp.rc(), imp.err());
        Path settingsFile = store.resolve("cam-7.settings.json");
        assertTrue(imp.out().startsWith("imported nir model=cam-7 version=1 inputs=6 hidden=4 outputs=3 "
            + "rec_model=eprop_iaf_psc_delta file="), imp.out());
        assertTrue(imp.out().strip().endsWith("settings=" + settingsFile), imp.out());

        List<double[][]> original = weights(NirFile.read(source), "fc_in", "rec", "fc_out");
        Path exported = dir.resolve("again.nir");
        CheckpointCommandTest.Run exp = CheckpointCommandTest.run("export", "nir", "--checkpoint-dir", store.toString(),
            "--model", "cam-7", "--out", exported.toString());
        assertEquals(0, exp.rc(), exp.err());
        assertTrue(exp.out().contains("exported nir model=cam-7 inputs=6 hidden=4 outputs=3 synapses=48 file=" + exported),
            exp.out());
        List<double[][]> back = weights(NirFile.read(exported), "w_in", "w_rec", "w_out");
        for (int k = 0; k < 3; k++) {
            assertBits(original.get(k), back.get(k), "export of the import, matrix " + k);
        }

        // as learn does: the settings file builds the template, the newest checkpoint must have its shape and restores
        Settings s = StreamLearner.resolveTimeMode(Settings.load(List.of(settingsFile.toString()), List.of()), "continuous");
        List<StreamLearner.Prediction> predictions = new ArrayList<>();
        double[] before;
        double[] after;
        try (StreamLearner l = new StreamLearner(s, predictions::add);
             CheckpointStore.Opened o = CheckpointStore.existing(store).openNewest("cam-7").orElseThrow()) {
            o.reader().requireShape(l.checkpointShape());
            l.restore(o.reader());
            before = StreamLearner.weights(l.projections().get("recurrent->readout"));
            feed(l, 12);
            l.finish();
            assertEquals(12, l.counters().windowsLearned);
            after = StreamLearner.weights(l.projections().get("recurrent->readout"));
            CheckpointStore.existing(store).write(new ModelInfo("cam-7", 2, l.streamTimeUs(), l.network().currentStep(),
                0), List.of(), l);
        }
        double[] fileOut = java.util.Arrays.stream(original.get(2)).flatMapToDouble(java.util.Arrays::stream).toArray();
        // storage order of a dense all-to-all projection is by source then target: compare as sorted multisets
        double[] a = before.clone();
        double[] b = fileOut.clone();
        java.util.Arrays.sort(a);
        java.util.Arrays.sort(b);
        assertEquals(java.util.Arrays.toString(b), java.util.Arrays.toString(a), "restored readout weights are the file's");
        assertNotEquals(java.util.Arrays.toString(before), java.util.Arrays.toString(after), "it learned");
        double maxStep = 0;
        for (int i = 0; i < before.length; i++) {
            maxStep = Math.max(maxStep, Math.abs(after[i] - before[i]));
        }
        assertTrue(maxStep > 0 && maxStep < 0.5, "learning moved the imported weights by steps, max " + maxStep);
        assertTrue(predictions.stream().anyMatch(p -> p.label() >= 0), "labelled predictions came out");

        // the learned model exports too, now with its learned weights
        CheckpointCommandTest.Run exp2 = CheckpointCommandTest.run("export", "nir", "--checkpoint",
            CheckpointStore.existing(store).versions("cam-7").getFirst().file().toString(), "--out",
            dir.resolve("learned.nir").toString());
        assertEquals(0, exp2.rc(), exp2.err());
        double[] learnedOut = java.util.Arrays.stream(weights(NirFile.read(dir.resolve("learned.nir")), "w_in", "w_rec",
            "w_out").get(2)).flatMapToDouble(java.util.Arrays::stream).toArray();
        double[] c = after.clone();
        java.util.Arrays.sort(c);
        java.util.Arrays.sort(learnedOut);
        assertEquals(java.util.Arrays.toString(c), java.util.Arrays.toString(learnedOut));
    }

    /** {@code n} labelled 100 ms samples on a 3x1 sensor: class k fires pixel k (both polarities) every 0.5 ms. */
    static void feed(StreamLearner l, int n) {
        long t0 = 1_000_000;
        for (int k = 0; k < n; k++) {
            int label = k % 3;
            long start = t0 + k * 100_000L;
            l.onLabel("s" + k, start, start + 100_000, label);
            int m = 200;
            int[] x = new int[m];
            int[] y = new int[m];
            byte[] p = new byte[m];
            long[] t = new long[m];
            for (int i = 0; i < m; i++) {
                x[i] = label;
                p[i] = (byte) (i & 1);
                t[i] = start + i * 500L;
            }
            l.onEvents(x, y, p, t, m);
        }
    }

    @Test
    void whatCannotBeImportedOrExportedIsRefusedNamingIt(@TempDir Path dir) throws Exception {
        CheckpointCommandTest.Run wrongSensor = CheckpointCommandTest.run("import", "nir",
            fixture("recurrent_float32.nir").toString(), "--checkpoint-dir", dir.resolve("s").toString(), "--model", "m");
        assertEquals(2, wrongSensor.rc());
        assertTrue(wrongSensor.err().startsWith("import nir: the graph has 6 inputs, the sensor settings give 2312"),
            wrongSensor.err());
        CheckpointCommandTest.Run cuba = CheckpointCommandTest.run("import", "nir", fixture("cubalif.nir").toString(),
            "--checkpoint-dir", dir.resolve("s").toString(), "--model", "m");
        assertEquals(2, cuba.rc());
        assertTrue(cuba.err().contains("'lif' is a CubaLIF"), cuba.err());
        CheckpointCommandTest.Run rule = CheckpointCommandTest.run("import", "nir", fixture("recurrent_float32.nir").toString(),
            "--checkpoint-dir", dir.resolve("s").toString(), "--model", "m", "--set", "network.rule=superspike");
        assertEquals(2, rule.rc());
        assertTrue(rule.err().contains("not 'superspike'"), rule.err());
        CheckpointCommandTest.Run none = CheckpointCommandTest.run("export", "nir", "--checkpoint-dir",
            dir.resolve("empty").toString(), "--model", "m", "--out", dir.resolve("x.nir").toString());
        assertEquals(2, none.rc());
        assertTrue(none.err().startsWith("export nir: "), none.err());
        Files.writeString(dir.resolve("not-a-checkpoint"), "hello");
        CheckpointCommandTest.Run bad = CheckpointCommandTest.run("export", "nir", "--checkpoint",
            dir.resolve("not-a-checkpoint").toString(), "--out", dir.resolve("x.nir").toString());
        assertEquals(2, bad.rc());
        assertTrue(bad.err().contains("not-a-checkpoint"), bad.err());
    }
}
