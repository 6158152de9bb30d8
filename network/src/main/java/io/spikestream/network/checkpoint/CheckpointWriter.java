package io.spikestream.network.checkpoint;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import static io.spikestream.network.checkpoint.CheckpointFormat.INT;
import static io.spikestream.network.checkpoint.CheckpointFormat.LONG;

/**
 * Assembles a checkpoint from named sections and writes it durably and atomically (layout:
 * {@link CheckpointFormat}).
 *
 * <p>Writing a file: (1) every section body runs once in a sizing pass, so the total size is known; (2) a
 * temporary file in the target directory is memory-mapped at that size ({@link FileChannel#map} into an arena)
 * and each body is written straight into the mapping, off-heap segments by {@link MemorySegment#copy}; (3) the
 * CRC32C of each body is computed over the mapped bytes; (4) the mapping and the file are forced to the device;
 * (5) the file is renamed atomically onto its final name and (6) the directory is forced, so the rename itself
 * survives a power cut. A crash at any point leaves either the previous set of checkpoints or the new, complete
 * file; never a partial file under a checkpoint name (leftover temporary files start with '.').
 *
 * <p>Not threadsafe; the section bodies run on the calling thread, which must own the state they write.
 */
public final class CheckpointWriter {

    /** Writes one section's body. */
    @FunctionalInterface
    public interface Body {
        void write(StateWriter out);
    }

    /** Prefix of temporary files; readers and listings ignore files that start with it. */
    public static final String TEMP_PREFIX = ".tmp-";

    private static final long CRC_CHUNK = MappedChunks.CHUNK;

    private final byte[] shape;
    private final List<byte[]> names = new ArrayList<>();
    private final List<Body> bodies = new ArrayList<>();

    public CheckpointWriter(String shape) {
        this.shape = shape.getBytes(StandardCharsets.UTF_8);
    }

    /** Adds a section; names must be unique. */
    public CheckpointWriter section(String name, Body body) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        for (byte[] existing : names) {
            if (java.util.Arrays.equals(existing, n)) {
                throw new IllegalArgumentException("duplicate checkpoint section '" + name + "'");
            }
        }
        names.add(n);
        bodies.add(body);
        return this;
    }

    public CheckpointWriter section(String name, Checkpointable component) {
        return section(name, component::writeState);
    }

    /** Lays out the file: total size and each section's body size (runs every body in the sizing pass). */
    private long[] layout() {
        long[] bodyBytes = new long[bodies.size() + 1];
        long total = CheckpointFormat.headerBytes(shape.length);
        for (int i = 0; i < bodies.size(); i++) {
            StateWriter sizing = StateWriter.sizing();
            bodies.get(i).write(sizing);
            sizing.finish();
            bodyBytes[i] = sizing.position();
            total += CheckpointFormat.sectionHeadBytes(names.get(i).length) + bodyBytes[i];
        }
        bodyBytes[bodies.size()] = total + CheckpointFormat.TRAILER_BYTES;
        return bodyBytes;
    }

    /** The size the file will have, in bytes (a sizing pass only). */
    public long sizeBytes() {
        long[] l = layout();
        return l[l.length - 1];
    }

    /** Writes the checkpoint into a heap byte array (small checkpoints, e.g. to publish on a topic). */
    public byte[] toBytes() {
        long[] layout = layout();
        long total = layout[layout.length - 1];
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException("checkpoint of " + total + " bytes does not fit a byte array");
        }
        byte[] bytes = new byte[(int) total];
        writeInto(MemorySegment.ofArray(bytes), layout);
        return bytes;
    }

    /**
     * Writes the checkpoint to {@code file} durably and atomically (see the class comment); returns its size.
     * An existing file of that name is replaced.
     */
    public long writeAtomically(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        long[] layout = layout();
        long total = layout[layout.length - 1];
        Path tmp = Files.createTempFile(dir, TEMP_PREFIX + file.getFileName() + "-", "");
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE);
                 Arena arena = Arena.ofConfined()) {
                MemorySegment map = ch.map(FileChannel.MapMode.READ_WRITE, 0, total, arena);
                writeInto(map, layout);
                map.force();
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + dir + " cannot rename atomically; checkpoints need it", e);
            }
            done = true;
            forceDirectory(dir);
            return total;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Makes a rename in {@code dir} durable (fsync of the directory; a no-op where the platform cannot). */
    public static void forceDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("win")) {
                throw e;
            }
        }
    }

    private void writeInto(MemorySegment out, long[] layout) {
        long total = layout[layout.length - 1];
        // header
        MemorySegment.copy(CheckpointFormat.magic(), 0, out, ValueLayout.JAVA_BYTE, CheckpointFormat.MAGIC_OFFSET, 8);
        out.set(INT, CheckpointFormat.VERSION_OFFSET, CheckpointFormat.VERSION);
        out.set(INT, CheckpointFormat.BYTE_ORDER_OFFSET, CheckpointFormat.BYTE_ORDER_MARK);
        long headerBytes = CheckpointFormat.headerBytes(shape.length);
        out.set(INT, CheckpointFormat.HEADER_BYTES_OFFSET, (int) headerBytes);
        out.set(INT, CheckpointFormat.SECTION_COUNT_OFFSET, bodies.size());
        out.set(LONG, CheckpointFormat.SHAPE_HASH_OFFSET, CheckpointFormat.fnv1a(shape));
        out.set(INT, CheckpointFormat.SHAPE_BYTES_OFFSET, shape.length);
        MemorySegment.copy(shape, 0, out, ValueLayout.JAVA_BYTE, CheckpointFormat.SHAPE_OFFSET, shape.length);
        out.asSlice(CheckpointFormat.SHAPE_OFFSET + shape.length, headerBytes - CheckpointFormat.SHAPE_OFFSET - shape.length)
            .fill((byte) 0);
        out.set(INT, CheckpointFormat.HEADER_CRC_OFFSET, headerCrc(out));
        // sections
        long at = headerBytes;
        for (int i = 0; i < bodies.size(); i++) {
            byte[] name = names.get(i);
            long head = CheckpointFormat.sectionHeadBytes(name.length);
            long bodyAt = at + head;
            MemorySegment body = out.asSlice(bodyAt, layout[i]);
            StateWriter w = StateWriter.into(body);
            bodies.get(i).write(w);
            w.finish();
            if (w.position() != layout[i]) {
                throw new IllegalStateException("checkpoint section '" + new String(name, StandardCharsets.UTF_8)
                    + "' wrote " + w.position() + " bytes after sizing " + layout[i] + ": state changed during the checkpoint");
            }
            out.set(INT, at + CheckpointFormat.SECTION_NAME_BYTES_OFFSET, name.length);
            out.set(LONG, at + CheckpointFormat.SECTION_BODY_BYTES_OFFSET, layout[i]);
            out.set(INT, at + CheckpointFormat.SECTION_BODY_CRC_OFFSET, crc(body));
            out.set(INT, at + CheckpointFormat.SECTION_BODY_CRC_OFFSET + 4, 0);
            MemorySegment.copy(name, 0, out, ValueLayout.JAVA_BYTE, at + CheckpointFormat.SECTION_NAME_OFFSET, name.length);
            out.asSlice(at + CheckpointFormat.SECTION_NAME_OFFSET + name.length,
                head - CheckpointFormat.SECTION_NAME_OFFSET - name.length).fill((byte) 0);
            out.set(INT, at + CheckpointFormat.SECTION_HEAD_CRC_OFFSET, sectionHeadCrc(out, at, head));
            at = bodyAt + layout[i];
        }
        // trailer
        MemorySegment.copy(CheckpointFormat.endMagic(), 0, out, ValueLayout.JAVA_BYTE, at + CheckpointFormat.TRAILER_MAGIC_OFFSET, 8);
        out.set(LONG, at + CheckpointFormat.TRAILER_FILE_BYTES_OFFSET, total);
        if (at + CheckpointFormat.TRAILER_BYTES != total) {
            throw new IllegalStateException("checkpoint layout error: " + (at + CheckpointFormat.TRAILER_BYTES) + " != " + total);
        }
    }

    /** CRC32C of the header's fixed fields before the CRC and of the shape text with its padding. */
    static int headerCrc(MemorySegment file) {
        CRC32C c = new CRC32C();
        c.update(file.asSlice(0, CheckpointFormat.HEADER_CRC_OFFSET).asByteBuffer());
        int shapeBytes = file.get(INT, CheckpointFormat.SHAPE_BYTES_OFFSET);
        c.update(file.asSlice(CheckpointFormat.SHAPE_OFFSET, CheckpointFormat.align8(shapeBytes)).asByteBuffer());
        return (int) c.getValue();
    }

    /** CRC32C of a section head: body length, body CRC and the name (everything but the name length and itself). */
    static int sectionHeadCrc(MemorySegment file, long at, long headBytes) {
        CRC32C c = new CRC32C();
        c.update(file.asSlice(at + CheckpointFormat.SECTION_NAME_BYTES_OFFSET, 4).asByteBuffer());
        c.update(file.asSlice(at + CheckpointFormat.SECTION_BODY_BYTES_OFFSET,
            headBytes - CheckpointFormat.SECTION_BODY_BYTES_OFFSET).asByteBuffer());
        return (int) c.getValue();
    }

    /** CRC32C of a segment of any length (chunked: a ByteBuffer view holds at most 2 GiB). */
    static int crc(MemorySegment s) {
        CRC32C c = new CRC32C();
        for (long off = 0; off < s.byteSize(); off += CRC_CHUNK) {
            MemorySegment chunk = s.asSlice(off, Math.min(CRC_CHUNK, s.byteSize() - off));
            c.update(chunk.asByteBuffer());
            MappedChunks.release(chunk, false);
        }
        return (int) c.getValue();
    }
}
