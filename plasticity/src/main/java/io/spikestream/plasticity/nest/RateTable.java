package io.spikestream.plasticity.nest;

import io.spikestream.network.ReadoutDrive;

/**
 * Step-rate-generator input of a readout population: per readout a target table (receptor 2) and a learning
 * window table (receptor 1). Readout step t takes the value of the last amplitude time at or before t
 * (spec §1.1), 0 before the first.
 */
final class RateTable implements ReadoutDrive {

    private final long[][] targetSteps;
    private final double[][] targetValues;
    private final long[][] windowSteps;
    private final double[][] windowValues;

    RateTable(int n) {
        targetSteps = new long[n][];
        targetValues = new double[n][];
        windowSteps = new long[n][];
        windowValues = new double[n][];
    }

    void target(int j, long[] steps, double[] values) {
        targetSteps[j] = steps;
        targetValues[j] = values;
    }

    void window(int j, long[] steps, double[] values) {
        windowSteps[j] = steps;
        windowValues[j] = values;
    }

    @Override
    public void apply(long t, int from, int to, double[] target, double[] window) {
        for (int j = from; j < to; j++) {
            if (targetSteps[j] != null) {
                target[j] = valueAt(targetSteps[j], targetValues[j], t);
            }
            if (windowSteps[j] != null) {
                window[j] = valueAt(windowSteps[j], windowValues[j], t);
            }
        }
    }

    private static double valueAt(long[] steps, double[] values, long t) {
        int lo = 0;
        int hi = steps.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (steps[mid] <= t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo == 0 ? 0.0 : values[lo - 1];
    }
}
