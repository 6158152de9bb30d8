package io.spikestream.sinks.stats;

import io.spikestream.sinks.Horizon;
import io.spikestream.sinks.Phase;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Test-then-train ("prequential") bookkeeping of a stream learner: every labelled window is predicted before it
 * is learned from, and {@link #record} is told the outcome. Kept separately per {@link Phase} (train = predicted
 * then learned from, test = predicted with learning off) and over both phases together:
 * <ul>
 *   <li>cumulative accuracy and mean loss since the start of the run;</li>
 *   <li>rolling accuracy and mean loss over the last {@code rollingWindows} windows of that phase;</li>
 *   <li>a confusion matrix per phase (true class x predicted class), plus per true class the windows with no
 *       prediction ({@code predicted = -1}, counted as wrong);</li>
 *   <li>the learning curve: after each window, the windows seen so far and that window's phase's rolling and
 *       cumulative accuracy and rolling loss ({@link #learningCurve()}).</li>
 * </ul>
 * Accuracy and loss of a phase with no window yet are NaN. A NaN loss (a window whose loss was not computed)
 * counts for accuracy but not in the loss means, which average the finite losses only.
 *
 * <p>Memory is bounded for a run of any length: the rolling windows are ring buffers, and the learning curve
 * keeps at most {@code maxCurvePoints} points: when full, every other point is dropped and from then on only
 * every second (fourth, ...) window adds one, so the curve always spans the whole run at an even spacing.
 * Recording allocates nothing except when the curve's arrays grow, which happens a few times per run.
 *
 * <p>Not threadsafe: one thread (the learner's) records and reads. {@code LearnerMetrics} copies the figures to
 * its gauges from that thread.
 */
public final class PrequentialStats {

    /** Default bound of the learning curve; the plots look the same with more. */
    public static final int DEFAULT_MAX_CURVE_POINTS = 4096;

    private final int numClasses;
    private final int rollingWindows;
    private final Tally[] byPhase = new Tally[Phase.values().length];
    private final Tally all;
    private final long[][] confusion = new long[Phase.values().length][];
    private final long[][] noPrediction = new long[Phase.values().length][];

    private final int maxCurvePoints;
    private int curveStride = 1;
    private int curveSize;
    private long[] curveWindows = new long[64];
    private byte[] curvePhase = new byte[64];
    private double[] curveRollingAccuracy = new double[64];
    private double[] curveCumulativeAccuracy = new double[64];
    private double[] curveRollingLoss = new double[64];
    private Phase lastPhase;

    /**
     * @param numClasses     number of classes; labels are {@code 0 .. numClasses-1}
     * @param rollingWindows how many of the latest windows the rolling figures average over
     */
    public PrequentialStats(int numClasses, int rollingWindows) {
        this(numClasses, rollingWindows, DEFAULT_MAX_CURVE_POINTS);
    }

    public PrequentialStats(int numClasses, int rollingWindows, int maxCurvePoints) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be at least 1, was " + numClasses);
        }
        if (rollingWindows < 1) {
            throw new IllegalArgumentException("rollingWindows must be at least 1, was " + rollingWindows);
        }
        if (maxCurvePoints < 2) {
            throw new IllegalArgumentException("maxCurvePoints must be at least 2, was " + maxCurvePoints);
        }
        this.numClasses = numClasses;
        this.rollingWindows = rollingWindows;
        this.maxCurvePoints = maxCurvePoints;
        for (Phase phase : Phase.values()) {
            byPhase[phase.ordinal()] = new Tally(rollingWindows);
            confusion[phase.ordinal()] = new long[numClasses * numClasses];
            noPrediction[phase.ordinal()] = new long[numClasses];
        }
        all = new Tally(rollingWindows);
    }

    /**
     * Records one scored window.
     *
     * @param label     true class, {@code 0 .. numClasses-1}
     * @param predicted predicted class, or -1 when the readout predicted none (counted as wrong)
     * @param loss      the window's loss, NaN when not computed
     * @throws IllegalArgumentException for a label or prediction out of range (nothing is recorded)
     */
    public void record(Phase phase, int label, int predicted, double loss) {
        if (label < 0 || label >= numClasses) {
            throw new IllegalArgumentException("label " + label + " outside [0, " + numClasses + ")");
        }
        if (predicted < -1 || predicted >= numClasses) {
            throw new IllegalArgumentException("predicted class " + predicted + " outside [-1, " + numClasses + ")");
        }
        boolean correct = predicted == label;
        Tally tally = byPhase[phase.ordinal()];
        tally.add(correct, loss);
        all.add(correct, loss);
        if (predicted >= 0) {
            confusion[phase.ordinal()][label * numClasses + predicted]++;
        } else {
            noPrediction[phase.ordinal()][label]++;
        }
        lastPhase = phase;
        if (all.windows % curveStride == 0) {
            appendCurvePoint(phase, tally);
        }
    }

    private void appendCurvePoint(Phase phase, Tally tally) {
        if (curveSize == maxCurvePoints) {
            decimateCurve();
            if (all.windows % curveStride != 0) {
                return;
            }
        }
        if (curveSize == curveWindows.length) {
            int capacity = Math.min(maxCurvePoints, curveSize * 2);
            curveWindows = Arrays.copyOf(curveWindows, capacity);
            curvePhase = Arrays.copyOf(curvePhase, capacity);
            curveRollingAccuracy = Arrays.copyOf(curveRollingAccuracy, capacity);
            curveCumulativeAccuracy = Arrays.copyOf(curveCumulativeAccuracy, capacity);
            curveRollingLoss = Arrays.copyOf(curveRollingLoss, capacity);
        }
        int i = curveSize++;
        curveWindows[i] = all.windows;
        curvePhase[i] = (byte) phase.ordinal();
        curveRollingAccuracy[i] = tally.accuracy(Horizon.ROLLING);
        curveCumulativeAccuracy[i] = tally.accuracy(Horizon.CUMULATIVE);
        curveRollingLoss[i] = tally.loss(Horizon.ROLLING);
    }

    // Keeps the points whose window count is a multiple of the doubled stride, so spacing stays even.
    private void decimateCurve() {
        curveStride *= 2;
        int kept = 0;
        for (int i = 0; i < curveSize; i++) {
            if (curveWindows[i] % curveStride == 0) {
                curveWindows[kept] = curveWindows[i];
                curvePhase[kept] = curvePhase[i];
                curveRollingAccuracy[kept] = curveRollingAccuracy[i];
                curveCumulativeAccuracy[kept] = curveCumulativeAccuracy[i];
                curveRollingLoss[kept] = curveRollingLoss[i];
                kept++;
            }
        }
        curveSize = kept;
    }

    public int numClasses() {
        return numClasses;
    }

    public int rollingWindows() {
        return rollingWindows;
    }

    /** Windows recorded in this phase. */
    public long windows(Phase phase) {
        return byPhase[phase.ordinal()].windows;
    }

    /** Windows recorded in both phases. */
    public long windows() {
        return all.windows;
    }

    /** Correctly predicted windows in this phase. */
    public long correct(Phase phase) {
        return byPhase[phase.ordinal()].correct;
    }

    /** Correctly predicted windows in both phases. */
    public long correct() {
        return all.correct;
    }

    /** Fraction of this phase's windows (all of them, or the last N) predicted correctly; NaN before any. */
    public double accuracy(Phase phase, Horizon horizon) {
        return byPhase[phase.ordinal()].accuracy(horizon);
    }

    /** Accuracy over both phases; the rolling one covers the last N windows of either phase. */
    public double accuracy(Horizon horizon) {
        return all.accuracy(horizon);
    }

    /** Mean finite loss of this phase's windows (all, or among the last N); NaN before any. */
    public double loss(Phase phase, Horizon horizon) {
        return byPhase[phase.ordinal()].loss(horizon);
    }

    /** Mean finite loss over both phases. */
    public double loss(Horizon horizon) {
        return all.loss(horizon);
    }

    /**
     * The confusion matrix of a phase: {@code [trueClass][predictedClass]} window counts (a copy). Windows with no
     * prediction are not in it; see {@link #noPrediction(Phase)}.
     */
    public long[][] confusion(Phase phase) {
        long[] flat = confusion[phase.ordinal()];
        long[][] matrix = new long[numClasses][];
        for (int label = 0; label < numClasses; label++) {
            matrix[label] = Arrays.copyOfRange(flat, label * numClasses, (label + 1) * numClasses);
        }
        return matrix;
    }

    /** Per true class, the windows of this phase for which no class was predicted (a copy). */
    public long[] noPrediction(Phase phase) {
        return noPrediction[phase.ordinal()].clone();
    }

    /**
     * The learning curve, oldest point first. Includes the latest window even when the curve's spacing would
     * skip it, so the last point always shows the final figures.
     */
    public List<CurvePoint> learningCurve() {
        List<CurvePoint> points = new ArrayList<>(curveSize + 1);
        Phase[] phases = Phase.values();
        for (int i = 0; i < curveSize; i++) {
            points.add(new CurvePoint(curveWindows[i], phases[curvePhase[i]], curveRollingAccuracy[i],
                curveCumulativeAccuracy[i], curveRollingLoss[i]));
        }
        if (lastPhase != null && (curveSize == 0 || curveWindows[curveSize - 1] != all.windows)) {
            Tally tally = byPhase[lastPhase.ordinal()];
            points.add(new CurvePoint(all.windows, lastPhase, tally.accuracy(Horizon.ROLLING),
                tally.accuracy(Horizon.CUMULATIVE), tally.loss(Horizon.ROLLING)));
        }
        return points;
    }

    /**
     * One point of the learning curve: after {@code windows} scored windows (both phases), the figures of the
     * phase of the latest window.
     */
    public record CurvePoint(long windows, Phase phase, double rollingAccuracy, double cumulativeAccuracy,
                             double rollingLoss) {
    }

    /** Counts of one phase (or of both): cumulative sums plus ring buffers of the last N outcomes. */
    private static final class Tally {
        private final boolean[] ringCorrect;
        private final double[] ringLoss;
        private int head;
        private int filled;
        private int rollingCorrect;
        private double rollingLossSum;
        private int rollingLossCount;

        long windows;
        long correct;
        private double lossSum;
        private long lossCount;

        Tally(int rollingWindows) {
            ringCorrect = new boolean[rollingWindows];
            ringLoss = new double[rollingWindows];
        }

        void add(boolean isCorrect, double loss) {
            windows++;
            if (isCorrect) {
                correct++;
            }
            boolean finite = Double.isFinite(loss);
            if (finite) {
                lossSum += loss;
                lossCount++;
            }
            if (filled == ringCorrect.length) {
                if (ringCorrect[head]) {
                    rollingCorrect--;
                }
                double old = ringLoss[head];
                if (Double.isFinite(old)) {
                    rollingLossSum -= old;
                    rollingLossCount--;
                }
            } else {
                filled++;
            }
            ringCorrect[head] = isCorrect;
            ringLoss[head] = loss;
            if (isCorrect) {
                rollingCorrect++;
            }
            if (finite) {
                rollingLossSum += loss;
                rollingLossCount++;
            }
            head++;
            if (head == ringCorrect.length) {
                head = 0;
                resumRollingLoss();
            }
        }

        // Adding and subtracting the same doubles for days drifts; a fresh sum once per lap costs O(1) amortised.
        private void resumRollingLoss() {
            double sum = 0;
            for (int i = 0; i < filled; i++) {
                double loss = ringLoss[i];
                if (Double.isFinite(loss)) {
                    sum += loss;
                }
            }
            rollingLossSum = sum;
        }

        double accuracy(Horizon horizon) {
            return switch (horizon) {
                case ROLLING -> filled == 0 ? Double.NaN : (double) rollingCorrect / filled;
                case CUMULATIVE -> windows == 0 ? Double.NaN : (double) correct / windows;
            };
        }

        double loss(Horizon horizon) {
            return switch (horizon) {
                case ROLLING -> rollingLossCount == 0 ? Double.NaN : rollingLossSum / rollingLossCount;
                case CUMULATIVE -> lossCount == 0 ? Double.NaN : lossSum / lossCount;
            };
        }
    }
}
