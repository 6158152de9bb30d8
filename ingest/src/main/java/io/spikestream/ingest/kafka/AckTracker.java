package io.spikestream.ingest.kafka;

/**
 * The offsets polled from one partition that are not yet committed, in poll order, with an acknowledged flag
 * each. The committable position is the offset after the longest acknowledged prefix. Offsets need not be
 * contiguous (compaction, transaction markers), which is why they are stored rather than counted.
 *
 * <p>A ring of parallel arrays, grown by doubling. Not threadsafe: consumer thread only.
 */
final class AckTracker {

    private long[] offsets = new long[64];
    private boolean[] acked = new boolean[64];
    private int head;
    private int size;
    private long committable = -1;

    /** Registers a polled record; offsets must increase. */
    void polled(long offset) {
        if (size == offsets.length) {
            grow();
        }
        int slot = (head + size) & (offsets.length - 1);
        offsets[slot] = offset;
        acked[slot] = false;
        size++;
    }

    /** Marks an offset acknowledged; unknown offsets (already committed) are ignored. */
    void acknowledge(long offset) {
        int lo = 0;
        int hi = size - 1;
        final int mask = offsets.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long v = offsets[(head + mid) & mask];
            if (v < offset) {
                lo = mid + 1;
            } else if (v > offset) {
                hi = mid - 1;
            } else {
                acked[(head + mid) & mask] = true;
                break;
            }
        }
        while (size > 0 && acked[head]) {
            committable = offsets[head] + 1;
            head = (head + 1) & mask;
            size--;
        }
    }

    /** Offset to commit (after the acknowledged prefix), or -1 if nothing was acknowledged yet. */
    long committable() {
        return committable;
    }

    /** Records polled and not yet acknowledged in prefix order (an upper bound of the un-committable backlog). */
    int outstanding() {
        return size;
    }

    private void grow() {
        int n = offsets.length;
        long[] o = new long[n * 2];
        boolean[] a = new boolean[n * 2];
        for (int i = 0; i < size; i++) {
            o[i] = offsets[(head + i) & (n - 1)];
            a[i] = acked[(head + i) & (n - 1)];
        }
        offsets = o;
        acked = a;
        head = 0;
    }

    @Override
    public String toString() {
        return "AckTracker{committable=" + committable + ", outstanding=" + size + ", next="
            + (size > 0 ? offsets[head] : -1) + "}";
    }
}
