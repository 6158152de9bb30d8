package io.spikestream.plasticity.nest;

import io.spikestream.network.InputDrive;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Spike-generator input as a table of (loop step, input neuron), sorted by step then neuron; duplicates of one
 * neuron in one step fold into a multiplicity. Replays in increasing step order.
 */
final class SpikeTable implements InputDrive {

    private final long[] steps;
    private final int[] neurons;
    private int cursor;

    private SpikeTable(long[] steps, int[] neurons) {
        this.steps = steps;
        this.neurons = neurons;
    }

    static SpikeTable of(TreeMap<Long, List<Integer>> table) {
        int n = table.values().stream().mapToInt(List::size).sum();
        long[] s = new long[n];
        int[] q = new int[n];
        int i = 0;
        for (Map.Entry<Long, List<Integer>> e : table.entrySet()) {
            int[] sorted = e.getValue().stream().mapToInt(Integer::intValue).sorted().toArray();
            for (int v : sorted) {
                s[i] = e.getKey();
                q[i++] = v;
            }
        }
        return new SpikeTable(s, q);
    }

    @Override
    public int spikesAt(long t, int[] local, int[] mult) {
        while (cursor < steps.length && steps[cursor] < t) {
            cursor++;
        }
        int n = 0;
        while (cursor < steps.length && steps[cursor] == t) {
            int j = neurons[cursor++];
            if (n > 0 && local[n - 1] == j) {
                mult[n - 1]++;
            } else {
                local[n] = j;
                mult[n++] = 1;
            }
        }
        return n;
    }
}
