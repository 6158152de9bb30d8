package io.spikestream.app.durable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;

/**
 * The registry's duties on wall-clock time, which no record triggers: checkpointing models dirty for
 * {@code checkpoint.max_dirty_ms}, releasing models idle for {@code models.idle_release_ms}, expiring model directories
 * after {@code checkpoint.expire_after_ms}. Each scan runs at most once per its period (a quarter of its bound; an
 * eighth, between 1 s and 1 h, for expiry, which lists the store), so {@link #runDue} is a few clock reads when nothing
 * is due. What a scan does to a model (checkpoint, release) stays with the {@link ModelRegistry}, through {@link Registry}.
 *
 * <p>The learner thread only; the counters are read by metrics from their own thread.
 */
final class WallClockDuties {

    private static final Logger LOG = LoggerFactory.getLogger(WallClockDuties.class);

    /** What the scans need of the registry. */
    interface Registry {
        /** The resident models (a live view). */
        Collection<ResidentModel> residents();

        void checkpoint(ResidentModel m, String reason);

        /** Takes a resident model out of memory (checkpointed before if it had to be). */
        void releaseResident(ResidentModel m);

        /** Finishes whatever the scans' checkpoints made Caffeine evict. */
        void retireEvicted();

        boolean isResident(String modelId);

        /** Forgets what recovery planned for a model whose directory was removed. */
        void forgetPlan(String modelId);
    }

    /** One scan's schedule: its period (0 = off) and the wall-clock millis it is next due. */
    private static final class Scan {
        final long period;
        long next = Long.MIN_VALUE;

        Scan(long period) {
            this.period = period;
        }

        boolean due(long now) {
            return period > 0 && now >= next;
        }

        /** Starts a scan at {@code now}: false when the scan is off. */
        boolean start(long now) {
            next = now + period;
            return period > 0;
        }
    }

    private final DurabilityPolicy policy;
    private final InstantSource clock;
    private final CheckpointExpiry expiry;
    private final Registry registry;
    private final Scan overdueScan;
    private final Scan idleScan;
    private final Scan expiryScan;

    private volatile long overdue;
    private volatile long idleReleased;

    WallClockDuties(DurabilityPolicy policy, InstantSource clock, CheckpointExpiry expiry, Registry registry) {
        this.policy = policy;
        this.clock = clock;
        this.expiry = expiry;
        this.registry = registry;
        overdueScan = new Scan(policy.maxDirtyMillis() > 0 ? Math.max(1, policy.maxDirtyMillis() / 4) : 0);
        idleScan = new Scan(policy.idleReleaseMillis() > 0 ? Math.max(1, policy.idleReleaseMillis() / 4) : 0);
        expiryScan = new Scan(policy.expireAfterMillis() > 0
            ? Math.clamp(policy.expireAfterMillis() / 8, 1_000L, 3_600_000L) : 0);
    }

    /** Runs the scans that are due. */
    void runDue() {
        long now = clock.millis();
        if (overdueScan.due(now)) {
            checkpointOverdue();
        }
        if (idleScan.due(now)) {
            releaseIdle();
        }
        if (expiryScan.due(now)) {
            expireOnDisk();
        }
    }

    /** How often a timer should call {@link #runDue} (0: no scan is on). */
    long periodMillis() {
        long p = Long.MAX_VALUE;
        for (Scan s : new Scan[] {overdueScan, idleScan, expiryScan}) {
            if (s.period > 0) {
                p = Math.min(p, s.period);
            }
        }
        return p == Long.MAX_VALUE ? 0 : p;
    }

    /** See {@link ModelRegistry#releaseIdle}. */
    int releaseIdle() {
        long now = clock.millis();
        if (!idleScan.start(now)) {
            return 0;
        }
        long bound = policy.idleReleaseMillis();
        int n = 0;
        for (ResidentModel m : new ArrayList<>(registry.residents())) { // a copy: releasing changes the view
            if (now - m.lastUsedMillis >= bound) {
                registry.releaseResident(m);
                idleReleased++;
                n++;
            }
        }
        registry.retireEvicted();
        if (n > 0) {
            LOG.info("{} model(s) without a record for models.idle_release_ms = {} ms checkpointed and released from memory",
                n, bound);
        }
        return n;
    }

    /** See {@link ModelRegistry#expireOnDisk}. */
    int expireOnDisk() {
        long now = clock.millis();
        if (!expiryScan.start(now)) {
            return 0;
        }
        return expiry.expire(now, registry::isResident, registry::forgetPlan);
    }

    /** See {@link ModelRegistry#checkpointOverdue}. */
    int checkpointOverdue() {
        long now = clock.millis();
        if (!overdueScan.start(now)) {
            return 0;
        }
        long bound = policy.maxDirtyMillis();
        int n = 0;
        for (ResidentModel m : registry.residents()) {
            if (m.dirty() && m.dirtySinceMillis != Long.MIN_VALUE && now - m.dirtySinceMillis >= bound) {
                registry.checkpoint(m, "max dirty time");
                overdue++;
                n++;
            }
        }
        registry.retireEvicted();
        return n;
    }

    long overdueCheckpoints() {
        return overdue;
    }

    long idleReleased() {
        return idleReleased;
    }
}
