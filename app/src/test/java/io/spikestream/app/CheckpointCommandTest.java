package io.spikestream.app;

import io.spikestream.app.durable.CheckpointStore;
import io.spikestream.app.durable.InputPosition;
import io.spikestream.app.durable.ModelInfo;
import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;
import io.spikestream.app.learn.TestStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code checkpoint list|export|import}: a model exported from one instance's store and imported into another's
 * predicts identically (bit for bit) on the same further input; damaged files are listed as invalid and refused.
 */
class CheckpointCommandTest {

    record Run(int rc, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = System.out;
        PrintStream e = System.err;
        int rc;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            rc = Main.execute(args);
        } finally {
            System.setOut(o);
            System.setErr(e);
        }
        return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Settings settings() throws Exception {
        return Settings.load(List.of(), List.of("network.n_rec=30", "optimizer.type=adam", "optimizer.eta=0.002"));
    }

    @Test
    void anExportedModelImportedElsewherePredictsIdentically(@TempDir Path dir) throws Exception {
        Settings s = settings();
        TestStreams.Script first = TestStreams.nmnist(4, 1000, 1000, 0, 0);
        List<TestStreams.Call> before = first.calls();
        List<TestStreams.Call> after = TestStreams.nmnist(4, 1000, 1000, 4, first.endUs()).calls();
        Path storeA = dir.resolve("instance-a");
        Path storeB = dir.resolve("instance-b");
        List<StreamLearner.Prediction> fromA = new ArrayList<>();
        List<StreamLearner.Prediction> fromB = new ArrayList<>();
        try (StreamLearner a = new StreamLearner(s, fromA::add)) {
            before.forEach(c -> c.call().accept(a));
            CheckpointStore.open(storeA, 3, InstantSource.system()).write(new ModelInfo("cam", 1, a.streamTimeUs(),
                a.network().currentStep(), 0), List.of(new InputPosition("events", 2, 57, 50)), a);
            fromA.clear();

            Path file = dir.resolve("exported/cam.ckpt");
            Run exp = run("checkpoint", "export", "--dir", storeA.toString(), "--model", "cam", "--out", file.toString());
            assertEquals(0, exp.rc(), exp.err());
            assertTrue(exp.out().startsWith("exported model=cam version=1 bytes=" + Files.size(file)), exp.out());
            Run imp = run("checkpoint", "import", "--dir", storeB.toString(), file.toString());
            assertEquals(0, imp.rc(), imp.err());
            assertTrue(imp.out().startsWith("imported model=cam version=1 "), imp.out());
            Run list = run("checkpoint", "list", "--dir", storeB.toString());
            assertEquals(0, list.rc(), list.err());
            assertTrue(list.out().contains("[events-2@57]") && list.out().contains(" yes"), list.out());
            assertTrue(list.out().strip().endsWith("checkpoints=1 models=1 invalid=0"), list.out());

            try (StreamLearner b = new StreamLearner(s, fromB::add);
                 CheckpointStore.Opened o = CheckpointStore.existing(storeB).openNewest("cam").orElseThrow()) {
                assertEquals(List.of(new InputPosition("events", 2, 57, -1)), o.positions(),
                    "the model's own offset travels, the exporting instance's floor does not");
                b.restore(o.reader());
                after.forEach(c -> {
                    c.call().accept(a);
                    c.call().accept(b);
                });
                a.finish();
                b.finish();
            }
        }
        // the windows pending at the transfer and the four after it (the last one completed by finish)
        assertEquals(6, fromA.size());
        assertEquals(fromA.size(), fromB.size());
        for (int i = 0; i < fromA.size(); i++) {
            assertEquals(fromA.get(i).sampleId(), fromB.get(i).sampleId());
            assertEquals(fromA.get(i).predicted(), fromB.get(i).predicted());
            assertArrayEquals(fromA.get(i).scores(), fromB.get(i).scores(), "scores of " + fromA.get(i).sampleId());
        }
    }

    @Test
    void damagedFilesAreListedInvalidAndNeverExportedOrImported(@TempDir Path dir) throws Exception {
        Settings s = settings();
        Path store = dir.resolve("store");
        CheckpointStore cs = CheckpointStore.open(store, 3, InstantSource.system());
        try (StreamLearner a = new StreamLearner(s, p -> { })) {
            TestStreams.nmnist(1, 1000, 0, 0).forEach(c -> c.call().accept(a));
            cs.write(new ModelInfo("cam", 1, a.streamTimeUs(), a.network().currentStep(), 0), List.of(), a);
            cs.write(new ModelInfo("cam", 2, a.streamTimeUs(), a.network().currentStep(), 0), List.of(), a);
        }
        Path v2 = cs.versions("cam").get(0).file();
        byte[] bytes = Files.readAllBytes(v2);
        bytes[bytes.length / 3] ^= 1;
        Files.write(v2, bytes);

        Run list = run("checkpoint", "list", "--dir", store.toString());
        assertEquals(0, list.rc());
        assertTrue(list.out().contains("no: CORRUPT") && list.out().contains("checksum mismatch"), list.out());
        assertTrue(list.out().strip().endsWith("checkpoints=2 models=1 invalid=1"), list.out());

        Run bad = run("checkpoint", "export", "--dir", store.toString(), "--model", "cam", "--version", "2", "--out",
            dir.resolve("x.ckpt").toString());
        assertEquals(2, bad.rc());
        assertTrue(bad.err().startsWith("checkpoint: ") && bad.err().contains("checksum mismatch"), bad.err());
        assertTrue(Files.notExists(dir.resolve("x.ckpt")));

        // the newest valid one is exported instead when no version is named (with the damage logged)
        Run newest = run("checkpoint", "export", "--dir", store.toString(), "--model", "cam", "--out", dir.resolve("y.ckpt").toString());
        assertEquals(0, newest.rc(), newest.err());
        assertTrue(newest.out().startsWith("exported model=cam version=1 "), newest.out());

        Files.writeString(dir.resolve("garbage.ckpt"), "not a checkpoint");
        Run imp = run("checkpoint", "import", "--dir", dir.resolve("other").toString(), dir.resolve("garbage.ckpt").toString());
        assertEquals(2, imp.rc());
        assertTrue(imp.err().contains("not a checkpoint"), imp.err());

        Run missing = run("checkpoint", "list", "--dir", dir.resolve("nowhere").toString());
        assertEquals(2, missing.rc());
        assertTrue(missing.err().contains("nowhere") && missing.err().contains("no checkpoint directory"), missing.err());
    }
}
