package io.spikestream.network;

import java.util.Arrays;

/**
 * Records, each time a plastic synapse transmits a spike, the weight it transmitted (after that event's
 * update): NEST's {@code weight_recorder}. Filters by sender and target global ids (null = all).
 * Rows from different workers are appended at the step barrier, worker by worker.
 */
public final class WeightRecorder {

    private final boolean[] senders;
    private final boolean[] targets;
    private final long startStep;
    private final long stopStep;
    private final Buffer[] perWorker;
    private long[] stamps = new long[256];
    private int[] src = new int[256];
    private int[] tgt = new int[256];
    private double[] w = new double[256];
    private int count;

    static final class Buffer {
        long[] stamps = new long[64];
        int[] src = new int[64];
        int[] tgt = new int[64];
        double[] w = new double[64];
        int count;

        void add(long s, int a, int b, double x) {
            if (count == stamps.length) {
                stamps = Arrays.copyOf(stamps, count * 2);
                src = Arrays.copyOf(src, count * 2);
                tgt = Arrays.copyOf(tgt, count * 2);
                w = Arrays.copyOf(w, count * 2);
            }
            stamps[count] = s;
            src[count] = a;
            tgt[count] = b;
            w[count] = x;
            count++;
        }
    }

    WeightRecorder(int networkSize, int[] senderIds, int[] targetIds, long startStep, long stopStep, int workers) {
        this.senders = mask(networkSize, senderIds);
        this.targets = mask(networkSize, targetIds);
        this.startStep = startStep;
        this.stopStep = stopStep;
        this.perWorker = new Buffer[workers];
        for (int k = 0; k < workers; k++) {
            perWorker[k] = new Buffer();
        }
    }

    private static boolean[] mask(int n, int[] ids) {
        if (ids == null) {
            return null;
        }
        boolean[] m = new boolean[n];
        for (int id : ids) {
            m[id] = true;
        }
        return m;
    }

    boolean wantsSender(int globalSrc) {
        return senders == null || senders[globalSrc];
    }

    void record(int worker, Projection proj, Projection.Part part, int src, long stamp) {
        if (stamp <= startStep || stamp > stopStep) {
            return;
        }
        int gs = proj.source().globalOffset() + src;
        if (senders != null && !senders[gs]) {
            return;
        }
        int off = proj.target().globalOffset();
        Buffer b = perWorker[worker];
        for (long i = part.rowStart(src); i < part.rowEnd(src); i++) {
            int gt = off + part.target(i);
            if (targets == null || targets[gt]) {
                b.add(stamp, gs, gt, part.weight(i));
            }
        }
    }

    void flushWorkers() {
        for (Buffer b : perWorker) {
            for (int i = 0; i < b.count; i++) {
                if (count == stamps.length) {
                    stamps = Arrays.copyOf(stamps, count * 2);
                    src = Arrays.copyOf(src, count * 2);
                    tgt = Arrays.copyOf(tgt, count * 2);
                    w = Arrays.copyOf(w, count * 2);
                }
                stamps[count] = b.stamps[i];
                src[count] = b.src[i];
                tgt[count] = b.tgt[i];
                w[count] = b.w[i];
                count++;
            }
            b.count = 0;
        }
    }

    public int count() {
        return count;
    }

    public long stamp(int i) {
        return stamps[i];
    }

    public int sender(int i) {
        return src[i];
    }

    public int target(int i) {
        return tgt[i];
    }

    public double weight(int i) {
        return w[i];
    }
}
