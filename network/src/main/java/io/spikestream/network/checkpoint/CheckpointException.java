package io.spikestream.network.checkpoint;

import java.io.IOException;

/**
 * A checkpoint that cannot be used, and why. {@link Kind} separates a damaged file (fall back to an older
 * checkpoint) from one that is intact but belongs to another network or format (an operator error: never
 * silently replaced by a fresh start).
 */
public final class CheckpointException extends IOException {

    /** What is wrong. */
    public enum Kind {
        /** Bad magic, checksum or structure: the bytes are damaged. */
        CORRUPT,
        /** Shorter than its own header and trailer say: a partial write. */
        TRUNCATED,
        /** Written in a format version this build does not read. */
        VERSION,
        /** Written on a machine of the other byte order. */
        BYTE_ORDER,
        /** Intact, but of another network shape (populations, projections, rules or settings differ). */
        INCOMPATIBLE_SHAPE,
        /** Intact, but a section this network needs is absent. */
        MISSING_SECTION;

        /** Damaged files are skipped in favour of an older checkpoint; the other kinds stop recovery. */
        public boolean damaged() {
            return this == CORRUPT || this == TRUNCATED;
        }
    }

    private final Kind kind;

    public CheckpointException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public CheckpointException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
