package io.spikestream.app.durable;

import io.spikestream.learner.Settings;

import java.time.Duration;

/**
 * When models are checkpointed and how recovery treats gaps; from the {@code checkpoint} and {@code models}
 * blocks of the learner settings.
 *
 * @param intervalStreamUs   checkpoint a model once this much stream time passed since its last checkpoint
 *                           ({@code checkpoint.interval_stream_ms}; 0 = off)
 * @param intervalEvents     ... or once it applied this many events since ({@code checkpoint.interval_events}; 0 = off)
 * @param keep               checkpoints kept per model ({@code checkpoint.keep})
 * @param onRetentionGap     what recovery does when the records a checkpoint needs were deleted by retention
 *                           ({@code checkpoint.on_retention_gap}: fail, or skip them and say so)
 * @param maxResidentBytes   bound on the state of the models kept in memory ({@code models.max_resident_mb})
 * @param revocationBarrier  longest a partition move waits for its models to be checkpointed
 * @param maxDirtyMillis     wall-clock bound on how long a model may hold applied records that no checkpoint contains
 *                           ({@code checkpoint.max_dirty_ms}; 0 = off): the stream-time and event-count triggers
 *                           never fire for a sensor that went quiet (or whose clock leapt ahead and stopped), and its
 *                           unacknowledged records would pin its partition's committed offset for good
 * @param maxModels          bound on the number of models kept in memory ({@code models.max_models}), beside the bytes
 * @param idleReleaseMillis  wall-clock time without a record after which a resident model is checkpointed (if it
 *                           changed) and released from memory ({@code models.idle_release_ms}; 0 = never); it comes
 *                           back from its checkpoint on its next record
 * @param expireAfterMillis  wall-clock age of a model's newest checkpoint after which its directory is removed from
 *                           the store ({@code checkpoint.expire_after_ms}; 0 = never): a sensor that comes back later
 *                           starts afresh (see {@link ModelRegistry#expireOnDisk})
 */
public record DurabilityPolicy(long intervalStreamUs, long intervalEvents, int keep, RetentionGap onRetentionGap,
                               long maxResidentBytes, Duration revocationBarrier, long maxDirtyMillis, int maxModels,
                               long idleReleaseMillis, long expireAfterMillis) {

    /** Recovery when the log no longer holds records a checkpoint needs. */
    public enum RetentionGap {
        /** Stop with an error naming the partition and the missing offsets (default). */
        FAIL,
        /** Continue from the earliest retained record, logging and counting the records that were lost. */
        SKIP
    }

    public DurabilityPolicy {
        if (intervalStreamUs < 0 || intervalEvents < 0) {
            throw new IllegalArgumentException("checkpoint intervals must be >= 0 (0 = off)");
        }
        if (keep < 1) {
            throw new IllegalArgumentException("checkpoint.keep must be >= 1, got " + keep);
        }
        if (maxDirtyMillis < 0) {
            throw new IllegalArgumentException("checkpoint.max_dirty_ms must be >= 0 (0 = off), got " + maxDirtyMillis);
        }
        if (maxModels < 1) {
            throw new IllegalArgumentException("models.max_models must be positive, got " + maxModels);
        }
        if (idleReleaseMillis < 0) {
            throw new IllegalArgumentException("models.idle_release_ms must be >= 0 (0 = never), got " + idleReleaseMillis);
        }
        if (expireAfterMillis < 0) {
            throw new IllegalArgumentException("checkpoint.expire_after_ms must be >= 0 (0 = never), got " + expireAfterMillis);
        }
        if (expireAfterMillis > 0 && expireAfterMillis <= Math.max(maxDirtyMillis, idleReleaseMillis)) {
            // a model must be checkpointed and out of memory well before its directory may go
            throw new IllegalArgumentException("checkpoint.expire_after_ms (" + expireAfterMillis + ") must exceed "
                + "checkpoint.max_dirty_ms and models.idle_release_ms");
        }
        if (maxResidentBytes < 1) {
            throw new IllegalArgumentException("models.max_resident_mb must be positive");
        }
    }

    public static DurabilityPolicy from(Settings s) {
        String gap = s.s("checkpoint.on_retention_gap");
        RetentionGap g = switch (gap) {
            case "fail" -> RetentionGap.FAIL;
            case "skip" -> RetentionGap.SKIP;
            default -> throw new IllegalArgumentException("checkpoint.on_retention_gap must be fail or skip, got '" + gap + "'");
        };
        return new DurabilityPolicy(Math.round(s.d("checkpoint.interval_stream_ms") * 1000.0), s.l("checkpoint.interval_events"),
            s.i("checkpoint.keep"), g, Math.round(s.d("models.max_resident_mb") * 1024 * 1024), Duration.ofMinutes(2),
            s.l("checkpoint.max_dirty_ms"), s.i("models.max_models"), s.l("models.idle_release_ms"),
            s.l("checkpoint.expire_after_ms"));
    }
}
