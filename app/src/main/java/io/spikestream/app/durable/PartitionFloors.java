package io.spikestream.app.durable;

import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.Map;

/**
 * Per input partition, the records received and not yet durable, in offset order, with the model each belongs
 * to. Its answer is the partition's floor: the offset below which every record is in some durable checkpoint,
 * which a checkpoint records so that recovery can resume the partition there. With many models per partition
 * that is the oldest record of any model not yet checkpointed, which is also what the source may commit.
 *
 * <p>A ring of parallel arrays per partition, grown by doubling; durable records at the head are dropped. Not
 * threadsafe: the learner thread only.
 */
final class PartitionFloors {

    private static final class Ring {
        long[] offsets = new long[64];
        Object[] owners = new Object[64];
        boolean[] durable = new boolean[64];
        int head;
        int size;
        long position = -1; // last offset received + 1

        void add(long offset, Object owner) {
            if (size == offsets.length) {
                int n = offsets.length;
                long[] o = new long[2 * n];
                Object[] w = new Object[2 * n];
                boolean[] d = new boolean[2 * n];
                for (int i = 0; i < size; i++) {
                    int q = (head + i) & (n - 1);
                    o[i] = offsets[q];
                    w[i] = owners[q];
                    d[i] = durable[q];
                }
                offsets = o;
                owners = w;
                durable = d;
                head = 0;
            }
            int q = (head + size) & (offsets.length - 1);
            offsets[q] = offset;
            owners[q] = owner;
            durable[q] = false;
            size++;
            position = offset + 1;
        }

        void markDurable(long offset) {
            int mask = offsets.length - 1;
            int lo = 0;
            int hi = size - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                long v = offsets[(head + mid) & mask];
                if (v < offset) {
                    lo = mid + 1;
                } else if (v > offset) {
                    hi = mid - 1;
                } else {
                    durable[(head + mid) & mask] = true;
                    break;
                }
            }
            while (size > 0 && durable[head]) {
                owners[head] = null;
                head = (head + 1) & mask;
                size--;
            }
        }

        long floorExcluding(Object owner) {
            int mask = offsets.length - 1;
            for (int i = 0; i < size; i++) {
                int q = (head + i) & mask;
                if (!durable[q] && owners[q] != owner) {
                    return offsets[q];
                }
            }
            return position;
        }
    }

    private final Map<TopicPartition, Ring> rings = new HashMap<>();

    /** A record of {@code owner} arrived (offsets per partition increase). */
    void received(TopicPartition tp, long offset, Object owner) {
        rings.computeIfAbsent(tp, k -> new Ring()).add(offset, owner);
    }

    /** The record's effect is in a durable checkpoint (or it was skipped as already applied). */
    void durable(TopicPartition tp, long offset) {
        Ring r = rings.get(tp);
        if (r != null) {
            r.markDurable(offset);
        }
    }

    /**
     * The floor of {@code tp} once every record of {@code owner} is durable: the oldest non-durable record of any
     * other model, or the next offset after everything received; -1 if nothing was received from it.
     */
    long floorExcluding(TopicPartition tp, Object owner) {
        Ring r = rings.get(tp);
        return r == null ? -1 : r.floorExcluding(owner);
    }

    /** Records of {@code tp} not yet durable. */
    int pending(TopicPartition tp) {
        Ring r = rings.get(tp);
        return r == null ? 0 : r.size;
    }

    /** The partition moved away: its records will be read again by the next owner. */
    void forget(TopicPartition tp) {
        rings.remove(tp);
    }

    /** Last offset received + 1 per partition. */
    Map<TopicPartition, Long> positions() {
        Map<TopicPartition, Long> out = new HashMap<>();
        rings.forEach((tp, r) -> out.put(tp, r.position));
        return out;
    }
}
