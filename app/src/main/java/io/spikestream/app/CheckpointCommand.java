package io.spikestream.app;

import io.spikestream.app.durable.CheckpointSigner;
import io.spikestream.app.durable.CheckpointStore;
import io.spikestream.app.durable.CheckpointTopic;
import io.spikestream.app.durable.ModelInfo;
import io.spikestream.app.durable.TopicIds;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * {@code ./spikestream checkpoint list|export|import}: operations on a checkpoint store (the {@code --checkpoint-dir}
 * of {@code learn}). Every file is verified (structure and CRC32C of every section) before it is listed as valid,
 * exported or imported. Errors print {@code checkpoint: <what and where>} on stderr and exit with 2.
 */
@Command(name = "checkpoint", mixinStandardHelpOptions = true,
    description = "List, export and import model checkpoints.",
    subcommands = {CheckpointCommand.ListCheckpoints.class, CheckpointCommand.ExportCheckpoint.class,
        CheckpointCommand.ImportCheckpoint.class})
public final class CheckpointCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    private static int fail(Exception e) {
        System.err.println("checkpoint: " + e.getMessage());
        return 2;
    }

    /**
     * One row per checkpoint file: model, version, stream time, simulation step, input offsets, size, valid (or the
     * reason it is not); the last line is {@code checkpoints=N models=N invalid=N}.
     */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the checkpoints of a store, verified.")
    static final class ListCheckpoints implements Callable<Integer> {

        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Checkpoint store.")
        Path dir;

        @Option(names = "--model", paramLabel = "ID", description = "Only this model.")
        String model;

        @Override
        public Integer call() {
            try {
                CheckpointStore store = CheckpointStore.existing(dir);
                List<CheckpointStore.Entry> entries = model != null ? store.versions(model) : store.entries();
                System.out.printf(Locale.ROOT, "%-24s %8s %16s %10s %12s  %-40s %s%n", "model", "version", "stream_time_us",
                    "step", "bytes", "offsets", "valid");
                int invalid = 0;
                Set<String> models = new TreeSet<>();
                for (CheckpointStore.Entry e : entries) {
                    CheckpointStore.Inspection in = store.inspect(e);
                    models.add(e.modelId());
                    ModelInfo info = in.info();
                    String valid = in.valid() ? "yes" : "no: " + in.error().kind() + ": " + in.error().getMessage();
                    if (!in.valid()) {
                        invalid++;
                    }
                    System.out.printf(Locale.ROOT, "%-24s %8d %16s %10s %12d  %-40s %s%n", e.modelId(), e.version(),
                        info == null ? "-" : Long.toString(info.streamTimeUs()), info == null ? "-" : Long.toString(info.step()),
                        in.bytes(), in.valid() ? in.positions().toString() : "-", valid);
                }
                System.out.printf(Locale.ROOT, "checkpoints=%d models=%d invalid=%d%n", entries.size(), models.size(), invalid);
                return 0;
            } catch (IOException e) {
                return fail(e);
            }
        }
    }

    /** Copies a model's newest valid (or a given) checkpoint to a file: {@code exported model=ID version=N bytes=N file=F}. */
    @Command(name = "export", mixinStandardHelpOptions = true, description = "Export a model's checkpoint to a file.")
    static final class ExportCheckpoint implements Callable<Integer> {

        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Checkpoint store.")
        Path dir;

        @Option(names = "--model", required = true, paramLabel = "ID", description = "Model (sensor) id.")
        String model;

        @Option(names = "--version", defaultValue = "0", description = "Version to export (default: the newest valid one).")
        long version;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the checkpoint.")
        Path out;

        @Override
        public Integer call() {
            try {
                CheckpointStore.Entry e = CheckpointStore.existing(dir).export(model, version, out);
                System.out.printf(Locale.ROOT, "exported model=%s version=%d bytes=%d file=%s%n", e.modelId(), e.version(),
                    Files.size(out), out);
                return 0;
            } catch (IOException e) {
                return fail(e);
            }
        }
    }

    /**
     * Verifies a checkpoint file and stores it as the newest version of its model (or of {@code --model}); its input
     * floors are dropped (they belong to the exporting instance). From the checkpoints topic, the record is checked
     * before anything is written ({@link CheckpointTopic}: the model asked for, the last record of its key, payload
     * URIs only inside {@code --payload-dir}, topic ids, the HMAC signature when a key is configured). Prints
     * {@code imported model=ID version=N bytes=N file=F}.
     */
    @Command(name = "import", mixinStandardHelpOptions = true,
        description = "Import a checkpoint file, or a model's latest checkpoint from the checkpoints topic, into a store.")
    static final class ImportCheckpoint implements Callable<Integer> {

        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Checkpoint store (created if absent).")
        Path dir;

        @Option(names = "--model", paramLabel = "ID", description = "Import under this model id (default: the file's); "
            + "with --from-topic, the model to take over.")
        String model;

        @Option(names = "--from-topic", paramLabel = "TOPIC", description = "Read the model's latest checkpoint from this "
            + "compacted topic (what 'learn --publish-checkpoints' writes) instead of a file; needs --model.")
        String fromTopic;

        @Option(names = "--payload-dir", paramLabel = "DIR", description = "With --from-topic: the only directory a "
            + "checkpoint published by file URI may be read from (the store the publishing instance writes, shared); "
            + "without it such records are refused.")
        Path payloadDir;

        @Mixin
        KafkaOptions kafka;

        @Parameters(arity = "0..1", paramLabel = "FILE", description = "Checkpoint file (from 'checkpoint export').")
        Path file;

        @Override
        public Integer call() {
            try {
                CheckpointStore store = CheckpointStore.open(dir, Integer.MAX_VALUE, InstantSource.system());
                CheckpointStore.Entry e;
                if (fromTopic != null) {
                    if (model == null || file != null) {
                        throw new IllegalArgumentException("--from-topic needs --model and no FILE");
                    }
                    CheckpointSigner signer = CheckpointSigner.fromProperties(kafka.spikestreamProperties());
                    try (KafkaEndpoint endpoint = kafka.open(System.err)) {
                        CheckpointTopic.Found found = CheckpointTopic.latest(endpoint, fromTopic, model, Duration.ofSeconds(60));
                        if (signer == null && found.record().getSignature() != null) {
                            System.err.println("checkpoint: the record is signed, but no " + CheckpointSigner.KEY_PROPERTY
                                + " is configured to verify it");
                        }
                        CheckpointTopic.Trust trust = new CheckpointTopic.Trust(payloadDir, signer,
                            TopicIds.of(endpoint, CheckpointTopic.offsetTopics(found)));
                        e = CheckpointTopic.importRecord(found, fromTopic, model, store, trust);
                    }
                } else {
                    if (file == null) {
                        throw new IllegalArgumentException("give a checkpoint FILE, or --from-topic with --model");
                    }
                    e = store.importFile(file, model);
                }
                System.out.printf(Locale.ROOT, "imported model=%s version=%d bytes=%d file=%s%n", e.modelId(), e.version(),
                    Files.size(e.file()), e.file());
                return 0;
            } catch (IOException | IllegalArgumentException | IllegalStateException e) {
                return fail(e);
            }
        }
    }

}
