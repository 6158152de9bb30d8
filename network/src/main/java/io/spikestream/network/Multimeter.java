package io.spikestream.network;

import java.util.Arrays;
import java.util.List;

/**
 * Samples named quantities of chosen neurons after every update step: NEST's {@code multimeter}. The
 * sample of loop step t has time {@code (t+1) * h}; it is kept if {@code start < time <= stop} and the time is
 * a multiple of the interval. Rows are in time order, then in the order the neurons were added.
 */
public final class Multimeter {

    private final List<String> recordFrom;
    private final long startStep;
    private final long stopStep;
    private final long intervalSteps;
    private Recordable[][] sources = new Recordable[0][];
    private int[] senders = new int[0];
    private int[] locals = new int[0];
    private long[] times = new long[256];
    private int[] rowSenders = new int[256];
    private double[] values;
    private int rows;

    Multimeter(List<String> recordFrom, long startStep, long stopStep, long intervalSteps) {
        this.recordFrom = List.copyOf(recordFrom);
        this.startStep = startStep;
        this.stopStep = stopStep;
        this.intervalSteps = Math.max(1, intervalSteps);
        this.values = new double[256 * Math.max(1, recordFrom.size())];
    }

    void add(Population p, int local) {
        int n = senders.length;
        senders = Arrays.copyOf(senders, n + 1);
        locals = Arrays.copyOf(locals, n + 1);
        sources = Arrays.copyOf(sources, n + 1);
        senders[n] = p.globalOffset() + local;
        locals[n] = local;
        Recordable[] r = new Recordable[recordFrom.size()];
        for (int q = 0; q < r.length; q++) {
            r[q] = p.recordable(recordFrom.get(q));
        }
        sources[n] = r;
    }

    void sample(long t) {
        long time = t + 1;
        if (time <= startStep || time > stopStep || time % intervalSteps != 0) {
            return;
        }
        int nq = recordFrom.size();
        for (int i = 0; i < senders.length; i++) {
            if (rows == times.length) {
                times = Arrays.copyOf(times, rows * 2);
                rowSenders = Arrays.copyOf(rowSenders, rows * 2);
                values = Arrays.copyOf(values, rows * 2 * nq);
            }
            times[rows] = time;
            rowSenders[rows] = senders[i];
            for (int q = 0; q < nq; q++) {
                values[rows * nq + q] = sources[i][q].read(locals[i]);
            }
            rows++;
        }
    }

    public List<String> recordFrom() {
        return recordFrom;
    }

    public int rows() {
        return rows;
    }

    /** Time of row i in steps (multiply by h for ms). */
    public long timeSteps(int row) {
        return times[row];
    }

    public int sender(int row) {
        return rowSenders[row];
    }

    public double value(int row, String quantity) {
        int q = recordFrom.indexOf(quantity);
        if (q < 0) {
            throw new IllegalArgumentException("multimeter does not record '" + quantity + "'; it records " + recordFrom);
        }
        return values[row * recordFrom.size() + q];
    }

    public double value(int row, int quantityIndex) {
        return values[row * recordFrom.size() + quantityIndex];
    }
}
