package io.spikestream.learner;

/**
 * A label interval of a continuous stream, on the sensor's step line: its label, whether it is learned from, the steps
 * it covers [from, to) (moved when the clock re-anchors before it starts), and its scoring as it accumulates (the
 * evidence of its scoring range, the votes of its ticks, its first correct tick).
 */
final class LabelInterval {
    final String sampleId;
    final long startUs;
    final long endUs;
    final int label;
    final boolean learn;
    long from;
    long to;
    final double[] sums;
    final int[] votes;
    double se;
    int ticks;
    long firstCorrectUs = -1;
    /** The step after which its summary is emitted (its scoring range and the tick holding its last step are in). */
    long emitAt;
    /** Whether the model has its supervision (set just before its first step runs). */
    boolean registered;

    LabelInterval(String sampleId, long startUs, long endUs, int label, boolean learn, long from, long to, int evidence,
                  int classes) {
        this.sampleId = sampleId;
        this.startUs = startUs;
        this.endUs = endUs;
        this.label = label;
        this.learn = learn;
        this.from = from;
        this.to = to;
        this.sums = new double[evidence];
        this.votes = new int[classes];
    }
}
