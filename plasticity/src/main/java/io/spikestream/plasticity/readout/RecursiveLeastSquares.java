package io.spikestream.plasticity.readout;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

/**
 * Recursive least squares for a linear map from n features to c outputs (FORCE learning's readout update, Sussillo
 * and Abbott 2009; Haykin, Adaptive Filter Theory, ch. 10). P starts at I / ridge, so that with forgetting factor 1
 * the weights after m updates are exactly ridge regression's on those m (feature, target) pairs: one pass over the
 * stream gives the least-squares readout a batch solver would give, with no second pass and no stored samples.
 *
 * <p>State: the inverse correlation estimate P (n x n, row-major, symmetric) and the weights W (c x n, row-major),
 * in flat double arrays. One update costs about 3 n^2 + 2 c n multiply-adds; a prediction c n.
 */
final class RecursiveLeastSquares {

    final int n;
    final int classes;
    final double ridge;
    /** Forgetting factor lambda in (0, 1]: 1 = every sample counts equally (exact ridge regression). */
    final double forgetting;
    final double[] p;
    final double[] w;
    private final double[] px;
    long updates;

    RecursiveLeastSquares(int n, int classes, double ridge, double forgetting) {
        if (!(ridge > 0) || !(forgetting > 0 && forgetting <= 1)) {
            throw new IllegalArgumentException("ridge must be > 0 and forgetting in (0, 1], got " + ridge + ", " + forgetting);
        }
        this.n = n;
        this.classes = classes;
        this.ridge = ridge;
        this.forgetting = forgetting;
        p = new double[n * n];
        w = new double[classes * n];
        px = new double[n];
        for (int i = 0; i < n; i++) {
            p[i * n + i] = 1.0 / ridge;
        }
    }

    /** out[c] = W[c] . x */
    void scores(double[] x, double[] out) {
        for (int c = 0; c < classes; c++) {
            double s = 0;
            int row = c * n;
            for (int j = 0; j < n; j++) {
                s += w[row + j] * x[j];
            }
            out[c] = s;
        }
    }

    /** One RLS step towards the one-hot target of {@code label} (0 <= label < classes). */
    void update(double[] x, int label) {
        final int n = this.n;
        double xpx = 0;
        for (int i = 0; i < n; i++) {
            double s = 0;
            int row = i * n;
            for (int j = 0; j < n; j++) {
                s += p[row + j] * x[j];
            }
            px[i] = s;
            xpx += x[i] * s;
        }
        double denom = forgetting + xpx;
        // a-priori errors use the weights before the step; the gain is P x / (lambda + x'P x)
        for (int c = 0; c < classes; c++) {
            int row = c * n;
            double y = 0;
            for (int j = 0; j < n; j++) {
                y += w[row + j] * x[j];
            }
            double e = ((c == label) ? 1.0 : 0.0) - y;
            double f = e / denom;
            for (int j = 0; j < n; j++) {
                w[row + j] += f * px[j];
            }
        }
        double inv = 1.0 / forgetting;
        for (int i = 0; i < n; i++) {
            double f = px[i] / denom;
            int row = i * n;
            for (int j = 0; j < n; j++) {
                p[row + j] = (p[row + j] - f * px[j]) * inv;
            }
        }
        updates++;
    }

    void writeState(StateWriter out) {
        out.putLong(updates);
        out.putDoubles(w);
        out.putDoubles(p);
    }

    void readState(StateReader in) throws CheckpointException {
        updates = in.getLong();
        in.readDoubles(w, "RLS readout weights");
        in.readDoubles(p, "RLS inverse correlation matrix P");
    }
}
