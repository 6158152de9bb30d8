package io.spikestream.plasticity.readout;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * One pass of recursive least squares with P0 = I / ridge gives ridge regression's weights on the samples seen (the
 * claim the RLS readout rests on), checked against the normal equations solved directly.
 */
class RecursiveLeastSquaresTest {

    /** Solves A x = b in place by Gaussian elimination with partial pivoting (A symmetric positive definite here). */
    private static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        for (int c = 0; c < n; c++) {
            int piv = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) {
                    piv = r;
                }
            }
            double[] t = a[c];
            a[c] = a[piv];
            a[piv] = t;
            double tb = b[c];
            b[c] = b[piv];
            b[piv] = tb;
            for (int r = c + 1; r < n; r++) {
                double f = a[r][c] / a[c][c];
                for (int k = c; k < n; k++) {
                    a[r][k] -= f * a[c][k];
                }
                b[r] -= f * b[c];
            }
        }
        double[] x = new double[n];
        for (int r = n - 1; r >= 0; r--) {
            double s = b[r];
            for (int k = r + 1; k < n; k++) {
                s -= a[r][k] * x[k];
            }
            x[r] = s / a[r][r];
        }
        return x;
    }

    @Test
    void onePassEqualsRidgeRegressionOnTheSamplesSeen() {
        int n = 12;
        int classes = 3;
        int samples = 40;
        double ridge = 2.5;
        SplittableRandom rng = new SplittableRandom(7);
        double[][] x = new double[samples][n];
        int[] label = new int[samples];
        for (int i = 0; i < samples; i++) {
            label[i] = rng.nextInt(classes);
            for (int j = 0; j < n; j++) {
                x[i][j] = rng.nextDouble() + (j % classes == label[i] ? 1.0 : 0.0);
            }
        }
        RecursiveLeastSquares rls = new RecursiveLeastSquares(n, classes, ridge, 1.0);
        for (int i = 0; i < samples; i++) {
            rls.update(x[i], label[i]);
        }
        assertEquals(samples, rls.updates);
        for (int c = 0; c < classes; c++) {
            double[][] a = new double[n][n];
            double[] b = new double[n];
            for (int j = 0; j < n; j++) {
                a[j][j] = ridge;
            }
            for (int i = 0; i < samples; i++) {
                for (int j = 0; j < n; j++) {
                    for (int k = 0; k < n; k++) {
                        a[j][k] += x[i][j] * x[i][k];
                    }
                    b[j] += x[i][j] * (label[i] == c ? 1.0 : 0.0);
                }
            }
            double[] w = solve(a, b);
            for (int j = 0; j < n; j++) {
                assertEquals(w[j], rls.w[c * n + j], 1e-9, "class " + c + " weight " + j);
            }
        }
        // and it predicts its training samples' classes as the direct solution would: well above chance
        double[] out = new double[classes];
        int hits = 0;
        for (int i = 0; i < samples; i++) {
            rls.scores(x[i], out);
            int best = 0;
            for (int c = 1; c < classes; c++) {
                best = out[c] > out[best] ? c : best;
            }
            hits += best == label[i] ? 1 : 0;
        }
        org.junit.jupiter.api.Assertions.assertTrue(hits >= samples * 9 / 10, "separable classes are fitted: " + hits);
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RecursiveLeastSquares(3, 2, 0.0, 1.0));
        assertThrows(IllegalArgumentException.class, () -> new RecursiveLeastSquares(3, 2, 1.0, 1.5));
    }
}
