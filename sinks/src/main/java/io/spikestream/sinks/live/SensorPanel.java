package io.spikestream.sinks.live;

import java.util.Arrays;

/**
 * The mutable state behind one sensor's panel, written by the learner thread only: the stream time of the newest
 * event in every cell (and its polarity), the newest prediction, and a ring of the last scored outcomes. Preallocated
 * per sensor; recording events and predictions allocates nothing.
 */
final class SensorPanel {

    private static final long NEVER = Long.MIN_VALUE;

    final String id;
    final int width;
    final int height;
    private final int sensorWidth;
    private final int sensorHeight;
    final int binning;
    private final long[] lastUs;
    private final byte[] lastPolarity;
    long newestUs = NEVER;
    long events;
    // the newest prediction
    int predicted = -1;
    int label = -1;
    double[] scores = new double[0];
    long predictionUs;
    String kind = "";
    boolean learning;
    long predictions;
    // the last scored outcomes, a ring
    private final boolean[] correct;
    private final double[] losses;
    private int ringSize;
    private int ringNext;
    long scored;
    // throughput between snapshots
    long eventsAtSnapshot;
    long nanosAtSnapshot;

    SensorPanel(String id, int sensorWidth, int sensorHeight, int maxCells, int rolling) {
        this.id = id;
        this.sensorWidth = sensorWidth;
        this.sensorHeight = sensorHeight;
        this.binning = Math.max(1, (Math.max(sensorWidth, sensorHeight) + maxCells - 1) / maxCells);
        this.width = (sensorWidth + binning - 1) / binning;
        this.height = (sensorHeight + binning - 1) / binning;
        this.lastUs = new long[width * height];
        this.lastPolarity = new byte[width * height];
        Arrays.fill(lastUs, NEVER);
        this.correct = new boolean[rolling];
        this.losses = new double[rolling];
    }

    /** Events outside the sensor's geometry are left out (the learner counts them). */
    void events(int[] x, int[] y, byte[] polarity, long[] tUs, int n) {
        final long[] last = lastUs;
        final byte[] pol = lastPolarity;
        final int b = binning;
        final int w = width;
        long newest = newestUs;
        for (int i = 0; i < n; i++) {
            int xi = x[i];
            int yi = y[i];
            if (xi < 0 || yi < 0 || xi >= sensorWidth || yi >= sensorHeight) {
                continue;
            }
            int cell = (yi / b) * w + xi / b;
            long t = tUs[i];
            if (t >= last[cell]) {
                last[cell] = t;
                pol[cell] = polarity[i];
            }
            if (t > newest) {
                newest = t;
            }
        }
        newestUs = newest;
        events += n;
    }

    void prediction(String kind, long endUs, int label, int predicted, double[] scores, double loss, boolean scoredSpan,
                    boolean learning) {
        this.kind = kind;
        this.predictionUs = endUs;
        this.label = label;
        this.predicted = predicted;
        if (this.scores.length != scores.length) {
            this.scores = new double[scores.length]; // once: the number of classes does not change
        }
        System.arraycopy(scores, 0, this.scores, 0, scores.length);
        this.learning = learning;
        predictions++;
        if (scoredSpan && label >= 0 && correct.length > 0) {
            correct[ringNext] = predicted == label;
            losses[ringNext] = loss;
            ringNext = (ringNext + 1) % correct.length;
            ringSize = Math.min(ringSize + 1, correct.length);
            scored++;
        }
    }

    /** Cells with an event in the last {@code frameUs} before the newest: '0' none, '1' OFF, '2' ON. */
    String image(long frameUs) {
        char[] cells = new char[lastUs.length];
        long from = newestUs == NEVER ? Long.MAX_VALUE : newestUs - frameUs;
        for (int c = 0; c < cells.length; c++) {
            cells[c] = lastUs[c] == NEVER || lastUs[c] < from ? '0' : lastPolarity[c] != 0 ? '2' : '1';
        }
        return new String(cells);
    }

    double accuracy() {
        if (ringSize == 0) {
            return Double.NaN;
        }
        int ok = 0;
        for (int i = 0; i < ringSize; i++) {
            ok += correct[i] ? 1 : 0;
        }
        return ok / (double) ringSize;
    }

    /** Mean of the ring's losses that were computed (NaN ones skipped). */
    double loss() {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < ringSize; i++) {
            if (!Double.isNaN(losses[i])) {
                sum += losses[i];
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
