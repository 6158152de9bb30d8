package io.spikestream.app.durable;

import io.spikestream.learner.StreamLearner;
import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.CheckpointReader;
import io.spikestream.network.checkpoint.CheckpointWriter;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The model checkpoints of one or more pipeline instances, in a directory:
 *
 * <pre>
 *   &lt;dir&gt;/&lt;model id, escaped&gt;/00000000000000000007.ckpt     version 7 of that model, and the {@code keep} - 1 before it
 *   &lt;dir&gt;/&lt;model id, escaped&gt;/.tmp-...                     a write in progress (or interrupted by a crash): ignored
 * </pre>
 *
 * Model ids are escaped so that any string is a safe directory name ({@code [A-Za-z0-9_-]} kept, every other byte
 * of its UTF-8 form written {@code %XX}). A checkpoint is written by {@link ModelCheckpoint} atomically (temporary
 * file, force, rename, directory force); older versions beyond {@code keep} are then deleted. A damaged newest
 * checkpoint (bad checksum, truncated) is reported with a log line and the previous good one is used; every other
 * problem (another network shape, another format version) stops recovery with an error, never a fresh start.
 *
 * <p>Threadsafe for what the pipeline does: the learner thread writes and restores, the consumer thread plans
 * recovery (reads only); verification results are cached per file (path, size, modification time).
 */
public final class CheckpointStore {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    public static final String SUFFIX = ".ckpt";
    private static final Pattern FILE = Pattern.compile("\\d{20}\\" + SUFFIX);

    /** One checkpoint file. */
    public record Entry(String modelId, long version, Path file) {
    }

    /** A verified file: its info and positions, or why it cannot be used. */
    public record Inspection(Entry entry, long bytes, ModelInfo info, List<InputPosition> positions, long shapeHash,
                             CheckpointException error) {
        public boolean valid() {
            return error == null;
        }
    }

    /** The newest usable checkpoint of a model, opened; close it after restoring. */
    public record Opened(Entry entry, ModelInfo info, List<InputPosition> positions, CheckpointReader reader,
                         boolean fellBack) implements AutoCloseable {
        @Override
        public void close() {
            reader.close();
        }
    }

    private record Cached(long size, FileTime modified, Inspection inspection) {
    }

    private final Path dir;
    private final int keep;
    private final InstantSource clock;
    private final boolean created;
    private final Map<Path, Cached> verified = new ConcurrentHashMap<>();

    private CheckpointStore(Path dir, int keep, InstantSource clock, boolean created) {
        this.dir = dir;
        this.keep = keep;
        this.clock = clock;
        this.created = created;
    }

    /**
     * Opens the store in {@code dir}. A missing directory is created (logged: that is a first start; the pipeline
     * refuses it if the consumer group has committed offsets, see {@code DurableLearning}); leftover temporary
     * files of interrupted writes are deleted.
     *
     * @param keep checkpoints kept per model (>= 1; 2 or more so that a damaged newest one has a fallback)
     */
    public static CheckpointStore open(Path dir, int keep, InstantSource clock) throws IOException {
        if (keep < 1) {
            throw new IllegalArgumentException("checkpoint.keep must be >= 1, got " + keep);
        }
        Path abs = dir.toAbsolutePath().normalize();
        boolean created = false;
        if (!Files.exists(abs)) {
            Files.createDirectories(abs);
            created = true;
            LOG.info("checkpoint directory {} did not exist: created it (first start)", abs);
        } else if (!Files.isDirectory(abs)) {
            throw new IOException("checkpoint directory " + abs + " is not a directory");
        }
        CheckpointStore store = new CheckpointStore(abs, keep, clock, created);
        store.deleteLeftovers();
        return store;
    }

    /** Opens an existing store for reading (the {@code checkpoint} commands); a missing directory is an error. */
    public static CheckpointStore existing(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            throw new NoSuchFileException(abs.toString(), null, "no checkpoint directory here");
        }
        return new CheckpointStore(abs, Integer.MAX_VALUE, InstantSource.system(), false);
    }

    public Path dir() {
        return dir;
    }

    /** Whether {@link #open} had to create the directory. */
    public boolean createdNow() {
        return created;
    }

    public int keep() {
        return keep;
    }

    // ------------------------------------------------------------------ names

    /** Escapes a model id into a directory name. */
    public static String encode(String modelId) {
        StringBuilder b = new StringBuilder();
        for (byte x : modelId.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                    .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return b.isEmpty() ? "%" : b.toString();
    }

    /** The model id of a directory name, or null if the name is not one {@link #encode} produces. */
    public static String decode(String name) {
        if (name.equals("%")) {
            return "";
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '%') {
                if (i + 2 >= name.length()) {
                    return null;
                }
                int hi = Character.digit(name.charAt(i + 1), 16);
                int lo = Character.digit(name.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (c < 128 && (Character.isLetterOrDigit(c) || c == '_' || c == '-')) {
                out.write(c);
            } else {
                return null;
            }
        }
        String id = out.toString(StandardCharsets.UTF_8);
        return encode(id).equals(name) ? id : null;
    }

    static String fileName(long version) {
        return String.format("%020d", version) + SUFFIX;
    }

    private Path modelDir(String modelId) {
        return dir.resolve(encode(modelId));
    }

    // ------------------------------------------------------------------ listing

    /** Every model with at least one checkpoint file, sorted. */
    public Set<String> models() throws IOException {
        Set<String> out = new TreeSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String id = Files.isDirectory(p) ? decode(p.getFileName().toString()) : null;
                if (id != null && !versions(id).isEmpty()) {
                    out.add(id);
                }
            }
        }
        return out;
    }

    /** The checkpoint files of a model, newest first. */
    public List<Entry> versions(String modelId) throws IOException {
        Path d = modelDir(modelId);
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(d)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
            for (Path f : ds) {
                String n = f.getFileName().toString();
                if (FILE.matcher(n).matches()) {
                    out.add(new Entry(modelId, Long.parseLong(n.substring(0, 20)), f));
                }
            }
        } catch (NoSuchFileException expired) {
            return new ArrayList<>(); // removed meanwhile by expiry (deleteModel): the model has no checkpoint any more
        }
        out.sort(Comparator.comparingLong(Entry::version).reversed());
        return out;
    }

    /** Every checkpoint file, by model, newest first. */
    public List<Entry> entries() throws IOException {
        List<Entry> out = new ArrayList<>();
        for (String m : models()) {
            out.addAll(versions(m));
        }
        return out;
    }

    public boolean isEmpty() throws IOException {
        return models().isEmpty();
    }

    private void deleteLeftovers() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (!Files.isDirectory(p)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(p, CheckpointWriter.TEMP_PREFIX + "*")) {
                    for (Path f : files) {
                        Files.deleteIfExists(f);
                        LOG.info("deleted {}: an interrupted checkpoint write", f);
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ verification

    /** Verifies a file completely (cached while its size and modification time stay the same). */
    public Inspection inspect(Entry e) throws IOException {
        long size;
        FileTime modified;
        try {
            size = Files.size(e.file());
            modified = Files.getLastModifiedTime(e.file());
        } catch (NoSuchFileException gone) {
            return new Inspection(e, 0, null, List.of(), 0, new CheckpointException(CheckpointException.Kind.TRUNCATED,
                e.file() + ": deleted while being read"));
        }
        Cached c = verified.get(e.file());
        if (c != null && c.size() == size && c.modified().equals(modified)) {
            return c.inspection();
        }
        Inspection result;
        try (CheckpointReader r = CheckpointReader.open(e.file())) {
            ModelInfo info = ModelCheckpoint.readInfo(r);
            checkIdentity(e, info);
            result = new Inspection(e, size, info, ModelCheckpoint.readPositions(r), r.shapeHash(), null);
        } catch (CheckpointException ce) {
            result = new Inspection(e, size, null, List.of(), 0, ce);
        }
        verified.put(e.file(), new Cached(size, modified, result));
        return result;
    }

    private static void checkIdentity(Entry e, ModelInfo info) throws CheckpointException {
        if (!info.modelId().equals(e.modelId()) || info.version() != e.version()) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, e.file() + ": holds model '" + info.modelId()
                + "' version " + info.version() + ", but its place says '" + e.modelId() + "' version " + e.version());
        }
    }

    /**
     * Opens the newest usable checkpoint of a model: damaged ones are skipped with a warning naming the file and the
     * damage; if every one is damaged, or one has another shape or format, recovery stops with that error.
     * Empty if the model has no checkpoint at all.
     */
    public Optional<Opened> openNewest(String modelId) throws IOException {
        List<Entry> all = versions(modelId);
        List<String> damaged = new ArrayList<>();
        for (Entry e : all) {
            CheckpointReader r;
            try {
                r = CheckpointReader.open(e.file());
            } catch (CheckpointException ce) {
                if (!ce.kind().damaged()) {
                    throw ce;
                }
                LOG.warn("checkpoint {} of model '{}' is damaged ({}); falling back to the previous one", e.file(), modelId,
                    ce.getMessage());
                damaged.add(ce.getMessage());
                continue;
            } catch (NoSuchFileException gone) {
                continue; // pruned meanwhile: an older one follows
            }
            try {
                ModelInfo info = ModelCheckpoint.readInfo(r);
                checkIdentity(e, info);
                List<InputPosition> positions = ModelCheckpoint.readPositions(r);
                if (!damaged.isEmpty()) {
                    LOG.warn("model '{}': using checkpoint version {} ({}) after {} damaged newer one(s)", modelId,
                        e.version(), e.file(), damaged.size());
                }
                return Optional.of(new Opened(e, info, positions, r, !damaged.isEmpty()));
            } catch (CheckpointException | RuntimeException ex) {
                r.close();
                throw ex;
            }
        }
        if (!damaged.isEmpty()) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, "every checkpoint of model '" + modelId
                + "' in " + modelDir(modelId) + " is damaged (" + String.join("; ", damaged)
                + "); refusing to start the model afresh: restore a good checkpoint or remove the model's directory");
        }
        return Optional.empty();
    }

    // ------------------------------------------------------------------ writing

    /** The version the next checkpoint of a model gets: one above every file present (damaged ones included). */
    public long nextVersion(String modelId, long atLeast) throws IOException {
        List<Entry> v = versions(modelId);
        return Math.max(atLeast, v.isEmpty() ? 0 : v.get(0).version()) + 1;
    }

    /** Writes a checkpoint durably and prunes the model's older ones; returns the file. */
    public Path write(ModelInfo info, List<InputPosition> positions, StreamLearner learner) throws IOException {
        Path file = modelDir(info.modelId()).resolve(fileName(info.version()));
        ModelCheckpoint.writer(info, positions, learner).writeAtomically(file);
        prune(info.modelId());
        return file;
    }

    private void prune(String modelId) throws IOException {
        List<Entry> v = versions(modelId);
        for (int i = keep; i < v.size(); i++) {
            Files.deleteIfExists(v.get(i).file());
            verified.remove(v.get(i).file());
        }
    }

    /** The newest checkpoint of a model that verifies, if any (inspections are cached, so this is cheap once planned). */
    public Optional<Inspection> newestValid(String modelId) throws IOException {
        for (Entry e : versions(modelId)) {
            Inspection in = inspect(e);
            if (in.valid()) {
                return Optional.of(in);
            }
        }
        return Optional.empty();
    }

    /**
     * Removes a model's directory: its checkpoints, temporary files of interrupted writes, and the directory itself
     * (expiry, {@code checkpoint.expire_after_ms}). Files the store did not write are left, and so is the directory then
     * (logged). Returns the bytes freed.
     */
    public long deleteModel(String modelId) throws IOException {
        Path d = modelDir(modelId);
        long freed = 0;
        if (!Files.isDirectory(d)) {
            return 0;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
            for (Path f : ds) {
                String n = f.getFileName().toString();
                if (FILE.matcher(n).matches() || n.startsWith(CheckpointWriter.TEMP_PREFIX)) {
                    try {
                        freed += Files.size(f);
                        Files.deleteIfExists(f);
                    } catch (NoSuchFileException gone) {
                        // deleted meanwhile
                    }
                    verified.remove(f);
                }
            }
        }
        try {
            Files.deleteIfExists(d);
        } catch (java.nio.file.DirectoryNotEmptyException foreign) {
            LOG.warn("model '{}': kept directory {}, which holds files the checkpoint store did not write", modelId, d);
        }
        return freed;
    }

    // ------------------------------------------------------------------ recovery planning

    /**
     * What the checkpoints say about resuming {@code partitions}: per partition the largest floor any model's newest
     * usable checkpoint recorded, lowered to the {@code next} offset of every model that had to fall back to an older
     * checkpoint (its newer records must be read again); and the version each such model will restore.
     */
    public RecoveryPlan plan(Collection<TopicPartition> partitions) throws IOException {
        Set<TopicPartition> wanted = new HashSet<>(partitions);
        Map<TopicPartition, Long> floors = new HashMap<>();
        Map<TopicPartition, Long> limits = new HashMap<>();
        Map<String, Long> versions = new HashMap<>();
        int used = 0;
        for (String model : models()) {
            boolean fellBack = false;
            for (Entry e : versions(model)) {
                Inspection in = inspect(e);
                if (!in.valid()) {
                    if (!in.error().kind().damaged()) {
                        throw in.error();
                    }
                    LOG.warn("checkpoint {} of model '{}' is damaged ({}); recovery falls back to the previous one",
                        e.file(), model, in.error().getMessage());
                    fellBack = true;
                    continue;
                }
                boolean relevant = false;
                for (InputPosition p : in.positions()) {
                    TopicPartition tp = new TopicPartition(p.topic(), p.partition());
                    if (!wanted.contains(tp)) {
                        continue;
                    }
                    relevant = true;
                    if (p.floor() >= 0) {
                        floors.merge(tp, p.floor(), Math::max);
                    }
                    if (fellBack) {
                        limits.merge(tp, p.next(), Math::min);
                    }
                }
                if (relevant) {
                    versions.put(model, e.version());
                    used++;
                }
                break;
            }
        }
        return new RecoveryPlan(floors, limits, versions, used);
    }

    /** The outcome of {@link #plan}. */
    public record RecoveryPlan(Map<TopicPartition, Long> floors, Map<TopicPartition, Long> limits,
                               Map<String, Long> versions, int checkpoints) {

        /** Where to resume a partition, or null if no checkpoint covers it. */
        public Long resumeAt(TopicPartition tp) {
            Long f = floors.get(tp);
            Long l = limits.get(tp);
            if (f == null) {
                return l;
            }
            return l == null ? f : Math.min(f, l);
        }
    }

    // ------------------------------------------------------------------ export / import

    /** Copies a verified checkpoint of a model ({@code version} 0 = the newest usable) to {@code out}. */
    public Entry export(String modelId, long version, Path out) throws IOException {
        Entry chosen = null;
        if (version > 0) {
            for (Entry e : versions(modelId)) {
                if (e.version() == version) {
                    chosen = e;
                }
            }
            if (chosen == null) {
                throw new NoSuchFileException(modelDir(modelId).resolve(fileName(version)).toString(), null,
                    "model '" + modelId + "' has no checkpoint version " + version);
            }
            Inspection in = inspect(chosen);
            if (!in.valid()) {
                throw in.error();
            }
        } else {
            try (Opened o = openNewest(modelId).orElseThrow(() -> new NoSuchFileException(modelDir(modelId).toString(),
                null, "model '" + modelId + "' has no checkpoint in " + dir))) {
                chosen = o.entry();
            }
        }
        Path target = out.toAbsolutePath();
        if (target.getParent() != null) {
            Files.createDirectories(target.getParent());
        }
        Path tmp = Files.createTempFile(target.getParent(), CheckpointWriter.TEMP_PREFIX, "");
        try {
            Files.copy(chosen.file(), tmp, StandardCopyOption.REPLACE_EXISTING);
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return chosen;
    }

    /**
     * Imports a checkpoint file as the newest version of its model ({@code modelId} non-null: under that id instead).
     * The file is verified first. Its floors are dropped: they describe the exporting instance's partitions, and
     * would let this instance skip records of its own models; the model's {@code next} offsets are kept, so it
     * resumes where it stood if it reads the same topic.
     */
    public Entry importFile(Path file, String modelId) throws IOException {
        try (CheckpointReader r = CheckpointReader.open(file)) {
            ModelInfo info = ModelCheckpoint.readInfo(r);
            String id = modelId != null ? modelId : info.modelId();
            long version = nextVersion(id, 0);
            List<InputPosition> positions = new ArrayList<>();
            for (InputPosition p : ModelCheckpoint.readPositions(r)) {
                positions.add(new InputPosition(p.topic(), p.partition(), p.next(), -1));
            }
            ModelInfo imported = new ModelInfo(id, version, info.streamTimeUs(), info.step(), clock.millis());
            Path target = modelDir(id).resolve(fileName(version));
            ModelCheckpoint.rewrite(r, imported, positions).writeAtomically(target);
            prune(id);
            return new Entry(id, version, target);
        }
    }
}
