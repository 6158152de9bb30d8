package io.spikestream.network.checkpoint;

import java.lang.foreign.MemorySegment;

/**
 * Keeps checkpoint I/O through file mappings from growing the resident set: large copies go in chunks, and each
 * chunk of a mapping, once written (forced to the file first) or read, is unloaded from this process's memory
 * (the page cache keeps it; the kernel writes and evicts as usual). Without this a 12 GB checkpoint of a 12 GB
 * network would count twice in the process's peak RSS.
 */
final class MappedChunks {

    static final long CHUNK = 256L << 20;

    private MappedChunks() {
    }

    /** Drops a chunk of a file mapping from memory (no-op for other segments). */
    static void release(MemorySegment chunk, boolean written) {
        if (!chunk.isMapped() || chunk.byteSize() < (1L << 20)) {
            return;
        }
        if (written) {
            chunk.force();
        }
        chunk.unload();
    }
}
