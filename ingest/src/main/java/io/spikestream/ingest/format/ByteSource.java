package io.spikestream.ingest.format;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Forward-only buffered bytes of one recording, with absolute byte offsets for error messages.
 *
 * <p>Decoders' hot loops read {@code buf[pos..limit)} directly (copied into locals) and store {@code pos} back;
 * {@link #ensure(int)} compacts and refills when a record would cross the end of the window. A file is read in
 * chunks of {@link #DEFAULT_CHUNK} bytes into one reused array, so memory is constant whatever the file size;
 * an in-memory recording is used in place, without a copy.
 *
 * <p>Not threadsafe: one decoder owns it.
 */
final class ByteSource implements Closeable {

    /** Chunk size for channel reads: large enough to amortise the read call, small enough to stay in L2. */
    static final int DEFAULT_CHUNK = 1 << 16;

    final String name;
    byte[] buf;
    int pos;
    int limit;

    private final ReadableByteChannel channel;
    private final ByteBuffer window;
    private final long size;
    private long base;
    private boolean eof;

    private ByteSource(String name, ReadableByteChannel channel, long size, int chunk) {
        this.name = name;
        this.channel = channel;
        this.size = size;
        this.buf = new byte[chunk];
        this.window = ByteBuffer.wrap(buf);
    }

    private ByteSource(String name, byte[] data, int length) {
        this.name = name;
        this.channel = null;
        this.size = length;
        this.buf = data;
        this.window = null;
        this.limit = length;
        this.eof = true;
    }

    static ByteSource open(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new ByteSource(path.toString(), ch, ch.size(), DEFAULT_CHUNK);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    static ByteSource of(byte[] data, String name) {
        return new ByteSource(name, data, data.length);
    }

    static ByteSource of(ReadableByteChannel channel, String name, long size) {
        return new ByteSource(name, channel, size, DEFAULT_CHUNK);
    }

    /** Absolute offset of {@code buf[pos]}. */
    long offset() {
        return base + pos;
    }

    /** Absolute offset of {@code buf[index]}. */
    long offsetOf(int index) {
        return base + index;
    }

    /** Total size of the recording in bytes, or -1 when unknown. */
    long size() {
        return size;
    }

    /** Bytes known to follow the current position, or -1 when the size is unknown. */
    long remaining() {
        return size < 0 ? -1 : size - offset();
    }

    int available() {
        return limit - pos;
    }

    /**
     * Makes at least {@code n} bytes available at {@code pos} unless the recording ends first; {@code buf} and
     * {@code pos} may move. Returns whether {@code n} bytes are available.
     */
    boolean ensure(int n) throws IOException {
        if (limit - pos >= n) {
            return true;
        }
        if (eof) {
            return false;
        }
        if (n > buf.length) {
            throw new IllegalArgumentException("record of " + n + " bytes exceeds the read window " + buf.length);
        }
        compact();
        while (limit - pos < n && !eof) {
            fillOnce();
        }
        return limit - pos >= n;
    }

    /**
     * Reads more bytes behind the ones still available (compacting first). Returns false when the recording
     * ended and nothing was added.
     */
    boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        compact();
        if (limit == buf.length) {
            return true;
        }
        int before = limit;
        while (limit == before && !eof) {
            fillOnce();
        }
        return limit > before;
    }

    /** True when no byte follows the current position. */
    boolean atEnd() throws IOException {
        return !ensure(1);
    }

    /** Skips {@code n} bytes; returns how many were actually skipped (fewer at the end of the recording). */
    long skip(long n) throws IOException {
        long left = n;
        while (left > 0) {
            int avail = limit - pos;
            if (avail == 0 && !fill()) {
                break;
            }
            int step = (int) Math.min(left, limit - pos);
            pos += step;
            left -= step;
        }
        return n - left;
    }

    /** Copies exactly {@code len} bytes into {@code dst}; returns the number copied (fewer only at the end). */
    int read(byte[] dst, int off, int len) throws IOException {
        int done = 0;
        while (done < len) {
            int avail = limit - pos;
            if (avail == 0) {
                if (!fill()) {
                    break;
                }
                avail = limit - pos;
            }
            int step = Math.min(avail, len - done);
            System.arraycopy(buf, pos, dst, off + done, step);
            pos += step;
            done += step;
        }
        return done;
    }

    private void compact() {
        if (channel == null || pos == 0) {
            return;
        }
        int avail = limit - pos;
        System.arraycopy(buf, pos, buf, 0, avail);
        base += pos;
        pos = 0;
        limit = avail;
    }

    private void fillOnce() throws IOException {
        window.limit(buf.length).position(limit);
        int got = channel.read(window);
        if (got < 0) {
            eof = true;
        } else {
            limit += got;
        }
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.close();
        }
    }
}
