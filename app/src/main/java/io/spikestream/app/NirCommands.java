package io.spikestream.app;

import io.spikestream.app.durable.CheckpointStore;
import io.spikestream.app.durable.DurabilityPolicy;
import io.spikestream.app.durable.ModelCheckpoint;
import io.spikestream.app.durable.ModelInfo;
import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;
import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.CheckpointReader;
import io.spikestream.nir.LearnerNir;
import io.spikestream.nir.NirException;
import io.spikestream.nir.NirExport;
import io.spikestream.nir.NirFile;
import io.spikestream.nir.NirImport;
import io.spikestream.nir.RecurrentSpec;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ./spikestream export nir} and {@code ./spikestream import nir}: thin wrappers over the {@code nir} module
 * (docs/nir.md). Errors print {@code export nir: <what and where>} / {@code import nir: ...} on stderr, exit 2.
 */
final class NirCommands {

    private NirCommands() {
    }

    static int fail(String command, Exception e) {
        System.err.println(command + ": " + e.getMessage());
        return 2;
    }

    /** The learner a checkpoint holds: settings from its shape, network and rule state restored. */
    static StreamLearner restore(CheckpointReader r) throws IOException {
        String shape = r.shape();
        String prefix = "learner settings ";
        int end = shape.indexOf("\nnetwork ");
        if (!shape.startsWith(prefix) || end < 0) {
            throw new NirException(r.origin() + ": not a learner checkpoint (its shape does not start with the "
                + "learner's settings)");
        }
        Path tmp = Files.createTempFile("spikestream-shape", ".json");
        try {
            Files.writeString(tmp, shape.substring(prefix.length(), end));
            Settings s = Settings.load(List.of(tmp.toString()), List.of());
            StreamLearner l = new StreamLearner(s, p -> { });
            try {
                r.requireShape(l.checkpointShape());
                l.restore(r);
                return l;
            } catch (RuntimeException | CheckpointException e) {
                l.close();
                throw e;
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true, description = "Export a model to another format.",
        subcommands = ExportNir.class)
    static final class Export implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(System.out);
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true, description = "Import a model from another format.",
        subcommands = ImportNir.class)
    static final class Import implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(System.out);
        }
    }

    /**
     * Writes a learner checkpoint's network as a NIR graph. Prints one {@code approximation: ...} line per documented
     * approximation, then {@code exported nir model=ID inputs=N hidden=N outputs=N synapses=N file=F}.
     */
    @Command(name = "nir", mixinStandardHelpOptions = true,
        description = "Write a model's network as a NIR graph (HDF5): input, Affine, LIF with its recurrent Linear, "
            + "Affine, LI, output. See docs/nir.md.")
    static final class ExportNir implements Callable<Integer> {

        static final class Source {
            @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "A checkpoint file.")
            Path checkpoint;

            @Option(names = "--checkpoint-dir", required = true, paramLabel = "DIR",
                description = "A checkpoint store (with --model: its newest valid checkpoint).")
            Path dir;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Source source;

        @Option(names = "--model", paramLabel = "ID", description = "Model (sensor) id in --checkpoint-dir.")
        String model;

        @Option(names = "--out", required = true, paramLabel = "FILE.nir", description = "Where to write the graph.")
        Path out;

        @Option(names = "--approximate", description = "Allow the documented approximations that drop something "
            + "(refractoriness t_ref > 0); without it they are refused.")
        boolean approximate;

        @Override
        public Integer call() {
            try {
                String id;
                StreamLearner learner;
                if (source.checkpoint != null) {
                    try (CheckpointReader r = CheckpointReader.open(source.checkpoint)) {
                        id = ModelCheckpoint.readInfo(r).modelId();
                        learner = restore(r);
                    }
                } else {
                    if (model == null) {
                        throw new NirException("--checkpoint-dir needs --model");
                    }
                    id = model;
                    try (CheckpointStore.Opened o = CheckpointStore.existing(source.dir).openNewest(model)
                        .orElseThrow(() -> new NirException("model '" + model + "' has no checkpoint in " + source.dir))) {
                        learner = restore(o.reader());
                    }
                }
                try (learner) {
                    RecurrentSpec spec = LearnerNir.spec(learner);
                    NirExport.Result result = NirExport.toGraph(spec, approximate);
                    NirFile.write(result.graph(), out);
                    for (String a : result.approximations()) {
                        System.out.println("approximation: " + a);
                    }
                    long synapses = 0;
                    for (var p : learner.projections().values()) {
                        synapses += p.size();
                    }
                    System.out.printf(Locale.ROOT, "exported nir model=%s inputs=%d hidden=%d outputs=%d synapses=%d file=%s%n",
                        id, spec.inputs(), spec.hidden(), spec.outputs(), synapses, out);
                }
                return 0;
            } catch (IOException | RuntimeException e) {
                return fail("export nir", e);
            }
        }
    }

    /**
     * Turns a NIR graph into a model of a checkpoint store: a learner of the graph's shape and parameters with its
     * weights, written as the model's newest checkpoint, and the settings that learner needs written as a complete
     * settings file for {@code learn --config} / {@code run --config}. Prints
     * {@code imported nir model=ID version=N inputs=N hidden=N outputs=N rec_model=M file=F settings=S}.
     */
    @Command(name = "nir", mixinStandardHelpOptions = true,
        description = "Turn a NIR graph (input -> Affine/Linear -> LIF (+ recurrent) -> Affine/Linear -> LI -> output) "
            + "into a model that learn and run keep training. See docs/nir.md.")
    static final class ImportNir implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "FILE.nir", description = "The NIR graph.")
        Path file;

        @Option(names = "--checkpoint-dir", required = true, paramLabel = "DIR", description = "Checkpoint store (created if absent).")
        Path dir;

        @Option(names = "--model", required = true, paramLabel = "ID", description = "Model (sensor) id to import as.")
        String model;

        @Option(names = "--config", paramLabel = "FILE", description = "Learner settings (JSON) over the documented "
            + "defaults: everything the graph does not decide (sensor, time, optimizer, learning parameters).")
        List<String> configs = new ArrayList<>();

        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one setting.")
        List<String> overrides = new ArrayList<>();

        @Option(names = "--tau-unit", defaultValue = "ms", paramLabel = "ms|s",
            description = "Unit of the file's time constants: ms (NIR's documented unit, default) or s (snnTorch).")
        String tauUnit;

        @Option(names = "--settings-out", paramLabel = "FILE",
            description = "Where to write the model's settings (default: DIR/ID.settings.json).")
        Path settingsOut;

        @Override
        public Integer call() {
            try {
                double tauScale = switch (tauUnit) {
                    case "ms" -> 1.0;
                    case "s" -> 1000.0;
                    default -> throw new NirException("--tau-unit must be ms or s, got '" + tauUnit + "'");
                };
                RecurrentSpec spec = NirImport.toSpec(NirFile.read(file), tauScale, 1.0);
                Settings base = StreamLearner.resolveTimeMode(Settings.load(configs, overrides), "continuous");
                // the same policy learn applies to this store (checkpoint.keep versions per model)
                CheckpointStore store = CheckpointStore.open(dir, DurabilityPolicy.from(base).keep(), InstantSource.system());
                Path out = settingsOut != null ? settingsOut : dir.resolve(model + ".settings.json");
                Settings settings = LearnerNir.settings(spec, base, out);
                try (StreamLearner learner = LearnerNir.learner(spec, settings)) {
                    long version = store.nextVersion(model, 0);
                    Path written = store.write(new ModelInfo(model, version, 0, 0, System.currentTimeMillis()), List.of(),
                        learner);
                    System.out.printf(Locale.ROOT, "imported nir model=%s version=%d inputs=%d hidden=%d outputs=%d "
                            + "rec_model=%s file=%s settings=%s%n", model, version, spec.inputs(), spec.hidden(),
                        spec.outputs(), spec.recModel(), written, out);
                }
                return 0;
            } catch (IOException | RuntimeException e) {
                return fail("import nir", e);
            }
        }
    }
}
