package io.spikestream.plasticity.eventprop;

import java.util.Arrays;

/**
 * EventProp's tape: per spike its step, population, neuron and, for LIF neurons, I/β − V before the reset (the
 * jump denominator). Appended in step order; the entries of a finished window are dropped, so it holds at most
 * one window (plus the input spikes already stamped for the next). Grows by doubling; never shrinks. One thread.
 */
final class SpikeTape {

    long[] step = new long[1024];
    int[] pop = new int[1024];
    int[] local = new int[1024];
    double[] currentMinusVoltage = new double[1024];
    int count;

    void add(long s, int p, int j, double iv) {
        if (count == step.length) {
            int c = count * 2;
            step = Arrays.copyOf(step, c);
            pop = Arrays.copyOf(pop, c);
            local = Arrays.copyOf(local, c);
            currentMinusVoltage = Arrays.copyOf(currentMinusVoltage, c);
        }
        step[count] = s;
        pop[count] = p;
        local[count] = j;
        currentMinusVoltage[count] = iv;
        count++;
    }

    /** Index of the first entry with step >= s (entries are in step order). */
    int firstAtOrAfter(long s) {
        int lo = 0;
        int hi = count;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (step[mid] < s) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Drops the entries before step s. */
    void dropBefore(long s) {
        int k = firstAtOrAfter(s);
        if (k == 0) {
            return;
        }
        int n = count - k;
        System.arraycopy(step, k, step, 0, n);
        System.arraycopy(pop, k, pop, 0, n);
        System.arraycopy(local, k, local, 0, n);
        System.arraycopy(currentMinusVoltage, k, currentMinusVoltage, 0, n);
        count = n;
    }
}
