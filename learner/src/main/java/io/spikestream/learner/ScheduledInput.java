package io.spikestream.learner;

import io.spikestream.network.InputDrive;
import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.Checkpointable;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.util.Arrays;

/**
 * Input spikes scheduled for future loop steps (the stream's events, already mapped to neurons and steps),
 * replayed to the input population as its {@link InputDrive}. A ring of per-step lists; spikesAt sorts a step's
 * neurons and folds repeats into a multiplicity (several events of one pixel in one step are several spikes,
 * as in NEST). Reuses its arrays: no allocation per event once warmed up. Checkpointed with the network (as the
 * input population's drive): the ring exactly as it is. Not threadsafe (fed and drained by the
 * learner's thread; the engine calls spikesAt on worker 0 between those calls).
 */
final class ScheduledInput implements InputDrive, Checkpointable {

    private int[][] slots;
    private int[] counts;
    private int mask;
    private long horizon; // largest step scheduled so far + 1
    /** Ints held by the per-step lists (their capacity, kept up to date so that weighing a model costs nothing). */
    private long listInts;

    ScheduledInput() {
        slots = new int[1024][];
        counts = new int[1024];
        mask = 1023;
    }

    /** Schedules neuron {@code input} to spike in loop step {@code step} (>= the current step). */
    void add(long step, int input, long currentStep) {
        while (step - currentStep >= slots.length) {
            grow(currentStep);
        }
        int s = (int) (step & mask);
        int c = counts[s];
        int[] l = slots[s];
        if (l == null || c == l.length) {
            slots[s] = l = l == null ? new int[16] : Arrays.copyOf(l, c * 2);
            listInts += l.length - c;
        }
        l[c] = input;
        counts[s] = c + 1;
        horizon = Math.max(horizon, step + 1);
    }

    private void grow(long currentStep) {
        int n = slots.length * 2;
        int[][] ns = new int[n][];
        int[] nc = new int[n];
        for (long t = currentStep; t < currentStep + slots.length; t++) {
            int o = (int) (t & mask);
            int q = (int) (t & (n - 1));
            ns[q] = slots[o];
            nc[q] = counts[o];
        }
        slots = ns;
        counts = nc;
        mask = n - 1;
    }

    long horizon() {
        return horizon;
    }

    /** Heap bytes this schedule holds: the ring and its per-step lists (what a model's memory weight counts). */
    long heapBytes() {
        return (long) slots.length * (8 + 4) + listInts * 4;
    }

    /** Nothing scheduled at or after {@code step}: every step up to the horizon has been taken. */
    @Override
    public boolean silentFrom(long step) {
        return horizon <= step;
    }

    @Override
    public String checkpointShape() {
        return "ScheduledInput";
    }

    @Override
    public void writeState(StateWriter out) {
        out.putLong(horizon);
        out.putInts(counts);
        for (int s = 0; s < counts.length; s++) {
            if (counts[s] > 0) {
                out.putInts(slots[s], 0, counts[s]);
            }
        }
    }

    @Override
    public void readState(StateReader in) throws CheckpointException {
        long h = in.getLong();
        int[] c = in.getInts("scheduled input counts");
        if (c.length < 2 || Integer.bitCount(c.length) != 1) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, "scheduled input ring of " + c.length + " slots");
        }
        int[][] sl = new int[c.length][];
        for (int s = 0; s < c.length; s++) {
            if (c[s] < 0) {
                throw new CheckpointException(CheckpointException.Kind.CORRUPT, "negative scheduled input count");
            }
            if (c[s] > 0) {
                sl[s] = in.getInts("scheduled inputs of slot " + s);
                if (sl[s].length != c[s]) {
                    throw new CheckpointException(CheckpointException.Kind.CORRUPT, "scheduled input slot " + s + " holds "
                        + sl[s].length + " entries, its count says " + c[s]);
                }
            }
        }
        horizon = h;
        counts = c;
        slots = sl;
        mask = c.length - 1;
        listInts = 0;
        for (int[] l : sl) {
            listInts += l == null ? 0 : l.length;
        }
    }

    @Override
    public int spikesAt(long t, int[] local, int[] mult) {
        int s = (int) (t & mask);
        int c = counts[s];
        if (c == 0) {
            return 0;
        }
        int[] l = slots[s];
        Arrays.sort(l, 0, c);
        int n = 0;
        for (int i = 0; i < c; i++) {
            if (n > 0 && local[n - 1] == l[i]) {
                mult[n - 1]++;
            } else {
                local[n] = l[i];
                mult[n++] = 1;
            }
        }
        counts[s] = 0;
        return n;
    }
}
