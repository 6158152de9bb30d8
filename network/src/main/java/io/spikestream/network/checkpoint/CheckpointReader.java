package io.spikestream.network.checkpoint;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.spikestream.network.checkpoint.CheckpointFormat.INT;
import static io.spikestream.network.checkpoint.CheckpointFormat.LONG;

/**
 * An opened, fully verified checkpoint (layout: {@link CheckpointFormat}). Opening maps the file read-only and
 * checks everything before any state is restored: magic, format version, byte order, the header's and every
 * section's CRC32C, the section structure and the trailer with the file length. So a damaged or partial file is
 * rejected as a whole ({@link CheckpointException.Kind#CORRUPT}/{@link CheckpointException.Kind#TRUNCATED}) and a
 * restore never starts on one.
 *
 * <p>Sections are then read through {@link StateReader}s straight from the mapping. Close to unmap. A reader may
 * be used from any one thread at a time.
 */
public final class CheckpointReader implements AutoCloseable {

    private final String origin;
    private final Arena arena;
    private final MemorySegment file;
    private final int version;
    private final String shape;
    private final long shapeHash;
    private final Map<String, MemorySegment> sections;

    private CheckpointReader(String origin, Arena arena, MemorySegment file, int version, String shape, long shapeHash,
                             Map<String, MemorySegment> sections) {
        this.origin = origin;
        this.arena = arena;
        this.file = file;
        this.version = version;
        this.shape = shape;
        this.shapeHash = shapeHash;
        this.sections = sections;
    }

    /** Maps and verifies {@code path}. */
    public static CheckpointReader open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment map = size == 0 ? MemorySegment.ofArray(new byte[0])
                : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return verify(path.toString(), arena, map);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Verifies a checkpoint held in memory (e.g. received from a topic); {@code origin} names it in errors. */
    public static CheckpointReader of(MemorySegment bytes, String origin) throws CheckpointException {
        return verify(origin, null, bytes);
    }

    /** Checks structure and every checksum; the reader it returns owns {@code arena} (may be null). */
    private static CheckpointReader verify(String origin, Arena arena, MemorySegment f) throws CheckpointException {
        long size = f.byteSize();
        if (size < CheckpointFormat.SHAPE_OFFSET + CheckpointFormat.TRAILER_BYTES) {
            if (size >= 8 && Arrays.equals(bytes(f, 0, 8), CheckpointFormat.magic())) {
                throw new CheckpointException(CheckpointException.Kind.TRUNCATED, origin + ": truncated checkpoint ("
                    + size + " bytes, shorter than a header)");
            }
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, origin + ": not a checkpoint (" + size + " bytes)");
        }
        if (!Arrays.equals(bytes(f, 0, 8), CheckpointFormat.magic())) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, origin + ": not a spikestream checkpoint (bad magic)");
        }
        int order = f.get(INT, CheckpointFormat.BYTE_ORDER_OFFSET);
        if (order != CheckpointFormat.BYTE_ORDER_MARK) {
            if (Integer.reverseBytes(order) == CheckpointFormat.BYTE_ORDER_MARK) {
                throw new CheckpointException(CheckpointException.Kind.BYTE_ORDER, origin
                    + ": written on a machine of the other byte order; this machine is " + CheckpointFormat.nativeOrder());
            }
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, origin + ": bad byte-order mark");
        }
        int version = f.get(INT, CheckpointFormat.VERSION_OFFSET);
        int shapeBytes = f.get(INT, CheckpointFormat.SHAPE_BYTES_OFFSET);
        long headerBytes = f.get(INT, CheckpointFormat.HEADER_BYTES_OFFSET);
        if (shapeBytes < 0 || headerBytes != CheckpointFormat.headerBytes(shapeBytes)) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, origin + ": inconsistent header");
        }
        if (headerBytes + CheckpointFormat.TRAILER_BYTES > size) {
            throw new CheckpointException(CheckpointException.Kind.TRUNCATED, origin + ": truncated inside the header ("
                + size + " bytes)");
        }
        if (CheckpointWriter.headerCrc(f) != f.get(INT, CheckpointFormat.HEADER_CRC_OFFSET)) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, origin + ": header checksum mismatch");
        }
        if (version != CheckpointFormat.VERSION) {
            throw new CheckpointException(CheckpointException.Kind.VERSION, origin + ": checkpoint format version " + version
                + ", this build reads version " + CheckpointFormat.VERSION);
        }
        String shape = new String(bytes(f, CheckpointFormat.SHAPE_OFFSET, shapeBytes), StandardCharsets.UTF_8);
        long shapeHash = f.get(LONG, CheckpointFormat.SHAPE_HASH_OFFSET);
        int count = f.get(INT, CheckpointFormat.SECTION_COUNT_OFFSET);
        if (count < 0) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, origin + ": negative section count");
        }
        Map<String, MemorySegment> sections = new LinkedHashMap<>();
        long at = headerBytes;
        for (int i = 0; i < count; i++) {
            if (at + CheckpointFormat.SECTION_NAME_OFFSET > size - CheckpointFormat.TRAILER_BYTES) {
                throw new CheckpointException(CheckpointException.Kind.TRUNCATED, origin + ": truncated at section " + (i + 1)
                    + " of " + count + " (" + size + " bytes)");
            }
            int nameBytes = f.get(INT, at + CheckpointFormat.SECTION_NAME_BYTES_OFFSET);
            long bodyBytes = f.get(LONG, at + CheckpointFormat.SECTION_BODY_BYTES_OFFSET);
            long head = CheckpointFormat.sectionHeadBytes(Math.max(0, nameBytes));
            if (nameBytes < 0 || bodyBytes < 0 || at + head + bodyBytes > size - CheckpointFormat.TRAILER_BYTES) {
                boolean plausible = nameBytes >= 0 && nameBytes < 4096 && bodyBytes >= 0
                    && at + head <= size && CheckpointWriter.sectionHeadCrc(f, at, head) == f.get(INT, at + CheckpointFormat.SECTION_HEAD_CRC_OFFSET);
                throw new CheckpointException(plausible ? CheckpointException.Kind.TRUNCATED : CheckpointException.Kind.CORRUPT,
                    origin + ": section " + (i + 1) + " of " + count + " runs past the end of the file (" + size + " bytes)");
            }
            if (CheckpointWriter.sectionHeadCrc(f, at, head) != f.get(INT, at + CheckpointFormat.SECTION_HEAD_CRC_OFFSET)) {
                throw new CheckpointException(CheckpointException.Kind.CORRUPT, origin + ": section " + (i + 1)
                    + " head checksum mismatch");
            }
            String name = new String(bytes(f, at + CheckpointFormat.SECTION_NAME_OFFSET, nameBytes), StandardCharsets.UTF_8);
            MemorySegment body = f.asSlice(at + head, bodyBytes);
            if (CheckpointWriter.crc(body) != f.get(INT, at + CheckpointFormat.SECTION_BODY_CRC_OFFSET)) {
                throw new CheckpointException(CheckpointException.Kind.CORRUPT, origin + ": section '" + name
                    + "' checksum mismatch (CRC32C)");
            }
            if (sections.put(name, body) != null) {
                throw new CheckpointException(CheckpointException.Kind.CORRUPT, origin + ": duplicate section '" + name + "'");
            }
            at += head + bodyBytes;
        }
        if (!Arrays.equals(bytes(f, at + CheckpointFormat.TRAILER_MAGIC_OFFSET, 8), CheckpointFormat.endMagic())) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, origin + ": missing trailer after " + count + " sections");
        }
        long declared = f.get(LONG, at + CheckpointFormat.TRAILER_FILE_BYTES_OFFSET);
        if (declared != size || at + CheckpointFormat.TRAILER_BYTES != size) {
            throw new CheckpointException(declared > size ? CheckpointException.Kind.TRUNCATED : CheckpointException.Kind.CORRUPT,
                origin + ": file has " + size + " bytes, its trailer says " + declared);
        }
        return new CheckpointReader(origin, arena, f, version, shape, shapeHash, Collections.unmodifiableMap(sections));
    }

    private static byte[] bytes(MemorySegment f, long at, int n) {
        byte[] b = new byte[n];
        MemorySegment.copy(f, ValueLayout.JAVA_BYTE, at, b, 0, n);
        return b;
    }

    /** Where this checkpoint came from (file path or the origin given to {@link #of}). */
    public String origin() {
        return origin;
    }

    public int formatVersion() {
        return version;
    }

    /** The shape text the writer recorded: what must match the network it is restored into. */
    public String shape() {
        return shape;
    }

    public long shapeHash() {
        return shapeHash;
    }

    public long byteSize() {
        return file.byteSize();
    }

    public List<String> sectionNames() {
        return new ArrayList<>(sections.keySet());
    }

    public boolean has(String section) {
        return sections.containsKey(section);
    }

    /** Body size of a section in bytes. */
    public long sectionBytes(String section) throws CheckpointException {
        return body(section).byteSize();
    }

    /** A reader over a section's body. */
    public StateReader section(String name) throws CheckpointException {
        return new StateReader(name, body(name));
    }

    private MemorySegment body(String name) throws CheckpointException {
        MemorySegment b = sections.get(name);
        if (b == null) {
            throw new CheckpointException(CheckpointException.Kind.MISSING_SECTION, origin + ": no section '" + name
                + "' (it has " + sections.keySet() + ")");
        }
        return b;
    }

    /**
     * Throws {@link CheckpointException.Kind#INCOMPATIBLE_SHAPE} unless the recorded shape equals {@code expected},
     * naming the first line that differs.
     */
    public void requireShape(String expected) throws CheckpointException {
        compareShapes(origin, shape, expected);
    }

    /** Throws {@link CheckpointException.Kind#INCOMPATIBLE_SHAPE} naming the first line where the shapes differ. */
    public static void compareShapes(String origin, String shape, String expected) throws CheckpointException {
        if (shape.equals(expected)) {
            return;
        }
        String[] a = shape.split("\n", -1);
        String[] b = expected.split("\n", -1);
        int i = 0;
        // a JSON line whose only difference is its trailing comma is followed by the real difference (a key more)
        while (i < a.length && i < b.length && withoutComma(a[i]).equals(withoutComma(b[i]))) {
            i++;
        }
        String was = i < a.length ? a[i] : "(end)";
        String now = i < b.length ? b[i] : "(end)";
        throw new CheckpointException(CheckpointException.Kind.INCOMPATIBLE_SHAPE, origin
            + ": checkpoint of another network shape; first difference at line " + (i + 1) + ":\n  checkpoint: " + was
            + "\n  this network: " + now);
    }

    private static String withoutComma(String line) {
        return line.endsWith(",") ? line.substring(0, line.length() - 1) : line;
    }

    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }
}
