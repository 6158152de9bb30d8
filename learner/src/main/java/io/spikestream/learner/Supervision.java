package io.spikestream.learner;

import io.spikestream.network.ReadoutDrive;
import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.Checkpointable;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.util.Arrays;

/**
 * Targets and learning windows of the readouts, as segments of loop steps: from {@code from} (inclusive) the
 * one-hot target of {@code label} (none for -1); the learning signal is on in [learnFrom, learnTo).
 * Segments are appended in time order by the learner between simulate calls; during a simulate call the engine's
 * workers only read them (each for its own readouts), so lookups are by binary search, without mutation.
 * Checkpointed with the network (as the readouts' drive): the segments not yet pruned.
 */
final class Supervision implements ReadoutDrive, Checkpointable {

    private long[] from = new long[64];
    private int[] label = new int[64];
    private long[] learnFrom = new long[64];
    private long[] learnTo = new long[64];
    private int count;
    private int start;

    void add(long fromStep, int lab, long lFrom, long lTo) {
        if (count == from.length) {
            int n = count * 2;
            from = Arrays.copyOf(from, n);
            label = Arrays.copyOf(label, n);
            learnFrom = Arrays.copyOf(learnFrom, n);
            learnTo = Arrays.copyOf(learnTo, n);
        }
        from[count] = fromStep;
        label[count] = lab;
        learnFrom[count] = lFrom;
        learnTo[count] = lTo;
        count++;
    }

    /** Forgets segments that ended before {@code step} (called between simulate calls). */
    void prune(long step) {
        while (start + 1 < count && from[start + 1] <= step) {
            start++;
        }
        if (start > 1024) {
            int n = count - start;
            System.arraycopy(from, start, from, 0, n);
            System.arraycopy(label, start, label, 0, n);
            System.arraycopy(learnFrom, start, learnFrom, 0, n);
            System.arraycopy(learnTo, start, learnTo, 0, n);
            count = n;
            start = 0;
        }
    }

    @Override
    public String checkpointShape() {
        return "Supervision";
    }

    @Override
    public void writeState(StateWriter out) {
        int n = count - start;
        out.putLongs(from, start, n);
        out.putInts(label, start, n);
        out.putLongs(learnFrom, start, n);
        out.putLongs(learnTo, start, n);
    }

    @Override
    public void readState(StateReader in) throws CheckpointException {
        long[] f = in.getLongs("supervision segment starts");
        int n = f.length;
        int cap = Math.max(64, n);
        int[] lab = new int[cap];
        long[] lf = new long[cap];
        long[] lt = new long[cap];
        in.readInts(lab, n, "supervision labels");
        in.readLongs(lf, n, "learning window starts");
        in.readLongs(lt, n, "learning window ends");
        from = java.util.Arrays.copyOf(f, cap);
        label = lab;
        learnFrom = lf;
        learnTo = lt;
        count = n;
        start = 0;
    }

    @Override
    public void apply(long t, int lo, int hi, double[] target, double[] window) {
        int lo2 = start;
        int hi2 = count;
        while (lo2 < hi2) {
            int mid = (lo2 + hi2) >>> 1;
            if (from[mid] <= t) {
                lo2 = mid + 1;
            } else {
                hi2 = mid;
            }
        }
        int s = lo2 - 1;
        boolean open = s >= 0 && t >= learnFrom[s] && t < learnTo[s];
        int lab = s >= 0 ? label[s] : -1;
        for (int j = lo; j < hi; j++) {
            target[j] = lab == j ? 1.0 : 0.0;
            window[j] = open ? 1.0 : 0.0;
        }
    }
}
