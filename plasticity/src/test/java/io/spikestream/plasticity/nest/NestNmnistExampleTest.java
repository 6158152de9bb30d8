package io.spikestream.plasticity.nest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NEST 3.10's own e-prop N-MNIST example on 10 real samples ({@code shared/fixtures/nest-nmnist/nmnist_example_g10},
 * NEST on 2 virtual processes): input spike generators with coinciding times, parrots relaying them with
 * multiplicity, the final-update generator, NEST's delivery order. Every spike, multimeter column, weight-recorder
 * row, final weight and the per-sample predictions are bit-identical on 1 and 2 engine threads; the only rows
 * not reproduced are the 17 that NEST 3.10 writes for flush events from a stale event object (see
 * {@code NestFlushArtifacts} and docs/nest-semantics.md).
 */
class NestNmnistExampleTest {

    static Path caseDir() {
        return Fixtures.shared().resolve("fixtures").resolve("nest-nmnist").resolve("nmnist_example_g10");
    }

    @ParameterizedTest(name = "{0} thread(s)")
    @ValueSource(ints = {1, 2})
    void reproducesNestsNmnistExampleBitForBit(int threads) throws Exception {
        FixtureCase fc = FixtureCase.load(caseDir());
        try (FixtureCase.Run run = fc.run(threads)) {
            FixtureComparison c = FixtureComparison.compare(fc, run);
            String report = c.report();
            System.out.print(report);
            assertTrue(c.passed(), report);
            for (FixtureComparison.Metric m : c.metrics()) {
                assertEquals(0.0, m.maxAbs, () -> m.name + " not bit-identical\n" + report);
            }
            assertEquals(46511, c.metric("spikes[2566]").n);
            assertEquals(4474, c.metric("spikes[2567]").n);
            assertEquals(46490, c.metric("weights_final").n);
            assertEquals(10, c.metric("predictions").n);
            FixtureComparison.Metric wr = c.metric("weight_recorder[2568]");
            assertEquals(460, wr.n);
            assertTrue(wr.note.contains("nest_flush_artifacts=17"), wr.note);
        }
    }

    @Test
    void aWeightRecorderRowThatIsNoFlushArtifactStillFails(@TempDir Path tmp) throws Exception {
        // the same case with one extra NEST row: sender 2393 at 740 ms, one step after its flush event at 739 ms
        Path dir = tmp.resolve("nmnist_example_g10");
        Files.createDirectory(dir);
        try (var files = Files.list(caseDir())) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        dir.resolve("weight_recorder_2568.csv").toFile().setWritable(true);
        Files.writeString(dir.resolve("weight_recorder_2568.csv"), "740.0,2393,2393,0.010415208447096381,0,22331\n",
            StandardOpenOption.APPEND);
        FixtureCase fc = FixtureCase.load(dir);
        try (FixtureCase.Run run = fc.run(1)) {
            FixtureComparison c = FixtureComparison.compare(fc, run);
            FixtureComparison.Metric wr = c.metric("weight_recorder[2568]");
            assertFalse(wr.passed(), wr.toString());
            assertEquals(1, wr.missing, wr.toString());
            assertFalse(c.passed());
        }
    }
}
