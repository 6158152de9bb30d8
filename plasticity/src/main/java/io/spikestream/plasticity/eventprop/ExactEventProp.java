package io.spikestream.plasticity.eventprop;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * EventProp (Wunderlich & Pehle 2021) in continuous time, for layered networks of current-based LIF neurons
 * (inputs → hidden LIF layers → an output layer of leaky integrators or LIF neurons; spec §B.1–§B.5, §B.9):
 *
 * <ul>
 *   <li>forward: each neuron is integrated exactly between its input events, spikes are found by bisection to
 *       machine precision; the tape keeps only the spike times, the current at each spike, the outputs' ∫V and the
 *       final state;</li>
 *   <li>backward: the adjoint of each neuron runs from the window end to its start in closed form between its own
 *       spikes (λ_V jumps there by [(ϑ − V_r)λ_V + Σ_m w_mn(λ_V,m − λ_I,m) + ∂l/∂t_k]/(I(t_k) − ϑ)), layer by layer
 *       from the outputs down, and the gradient is dL/dw_mn = −τ_s Σ_{spikes k of n} λ_I,m(t_k).</li>
 * </ul>
 *
 * A window starts from given states (V, I) per neuron and reports the final ones, so a stream can be cut into
 * windows; the gradient is then that of the window's loss with the initial state held fixed (spec §B.8 (b)). Exact
 * while no spike is created or deleted by a perturbation; no refractoriness, absolute reset. Immutable.
 */
public final class ExactEventProp {

    private final LifDynamics lif;
    private final int[] sizes;
    private final boolean spikingOutput;

    /** @param sizes neurons per layer: inputs first, outputs last (at least one hidden or output layer) */
    public ExactEventProp(LifDynamics lif, int[] sizes, boolean spikingOutput) {
        if (sizes.length < 2) {
            throw new IllegalArgumentException("need inputs and at least one layer of neurons");
        }
        this.lif = lif;
        this.sizes = sizes.clone();
        this.spikingOutput = spikingOutput;
    }

    /** The recorded forward pass of one window. */
    public record Forward(double window, double[][][] spikes, double[][][] currentAtSpike, double[] integral,
                          double[][] finalV, double[][] finalI) {

        /** Spike counts per layer and neuron (layer 0 = inputs). */
        public int[][] counts() {
            int[][] c = new int[spikes.length][];
            for (int l = 0; l < spikes.length; l++) {
                c[l] = new int[spikes[l].length];
                for (int j = 0; j < spikes[l].length; j++) {
                    c[l][j] = spikes[l][j].length;
                }
            }
            return c;
        }

        /** The smallest I(t_k) − ϑ over all spikes (how close the run is to a grazing crossing). */
        public double minimumMargin(double threshold) {
            double m = Double.POSITIVE_INFINITY;
            for (int l = 1; l < currentAtSpike.length; l++) {
                for (double[] is : currentAtSpike[l]) {
                    for (double i : is) {
                        m = Math.min(m, i - threshold);
                    }
                }
            }
            return m;
        }
    }

    /**
     * Runs one window of length {@code window} ms.
     *
     * @param weights    weights[l][m][j]: from neuron j of layer l to neuron m of layer l+1
     * @param inputTimes per input neuron its spike times in [0, window)
     * @param v0         initial V per layer 1..L (index l-1), or null for rest
     * @param i0         initial I per layer 1..L (index l-1), or null for rest
     */
    public Forward forward(double[][][] weights, double[][] inputTimes, double window, double[][] v0, double[][] i0) {
        int layers = sizes.length;
        double[][][] spikes = new double[layers][][];
        double[][][] currents = new double[layers][][];
        spikes[0] = new double[sizes[0]][];
        for (int j = 0; j < sizes[0]; j++) {
            spikes[0][j] = inputTimes[j].clone();
            Arrays.sort(spikes[0][j]);
        }
        double[] integral = null;
        double[][] fv = new double[layers - 1][];
        double[][] fi = new double[layers - 1][];
        for (int l = 1; l < layers; l++) {
            boolean spiking = l < layers - 1 || spikingOutput;
            double[][] ev = events(spikes[l - 1]);
            spikes[l] = new double[sizes[l]][];
            currents[l] = new double[sizes[l]][];
            fv[l - 1] = new double[sizes[l]];
            fi[l - 1] = new double[sizes[l]];
            double[] q = new double[sizes[l]];
            for (int m = 0; m < sizes[l]; m++) {
                double v = v0 == null ? 0.0 : v0[l - 1][m];
                double i = i0 == null ? 0.0 : i0[l - 1][m];
                double t = 0.0;
                List<Double> sp = new ArrayList<>();
                List<Double> is = new ArrayList<>();
                for (int e = 0; e <= ev[0].length; e++) {
                    double te = e < ev[0].length ? ev[0][e] : window;
                    while (spiking) {
                        double tc = lif.firstCrossing(v, i, te - t);
                        if (Double.isNaN(tc)) {
                            break;
                        }
                        t += tc;
                        i *= Math.exp(-tc / lif.tauS());
                        sp.add(t);
                        is.add(i);
                        v = lif.reset();
                    }
                    double dt = te - t;
                    q[m] += lif.integral(v, i, dt);
                    v = lif.voltage(v, i, dt);
                    i *= Math.exp(-dt / lif.tauS());
                    t = te;
                    if (e < ev[0].length) {
                        i += weights[l - 1][m][(int) ev[1][e]];
                    }
                }
                spikes[l][m] = sp.stream().mapToDouble(Double::doubleValue).toArray();
                currents[l][m] = is.stream().mapToDouble(Double::doubleValue).toArray();
                fv[l - 1][m] = v;
                fi[l - 1][m] = i;
            }
            if (l == layers - 1) {
                integral = q;
            }
        }
        return new Forward(window, spikes, currents, integral, fv, fi);
    }

    /** All spikes of a layer as (times, sources), sorted by time then source. */
    private static double[][] events(double[][] spikes) {
        List<double[]> ev = new ArrayList<>();
        for (int j = 0; j < spikes.length; j++) {
            for (double t : spikes[j]) {
                ev.add(new double[] {t, j});
            }
        }
        ev.sort((a, b) -> a[0] != b[0] ? Double.compare(a[0], b[0]) : Double.compare(a[1], b[1]));
        double[][] out = new double[2][ev.size()];
        for (int e = 0; e < ev.size(); e++) {
            out[0][e] = ev.get(e)[0];
            out[1][e] = ev.get(e)[1];
        }
        return out;
    }

    /** The loss of a window and its exact gradient per weight (same shape as the weights). */
    public record Result(double loss, double[][][] gradient) {
    }

    /** Loss and exact gradient of the window recorded in {@code f} (spec §B.2–§B.4). */
    public Result gradient(double[][][] weights, Forward f, EventPropLoss loss, double[] target) {
        if (loss.spikingReadout() != spikingOutput) {
            throw new IllegalArgumentException(loss + " needs " + (loss.spikingReadout() ? "spiking" : "leaky-integrator")
                + " outputs");
        }
        int layers = sizes.length;
        int nOut = sizes[layers - 1];
        double[] summary = new double[nOut];
        for (int k = 0; k < nOut; k++) {
            double[] s = f.spikes()[layers - 1][k];
            summary[k] = switch (loss) {
                case VOLTAGE_INTEGRAL_MSE, VOLTAGE_AVERAGE_CROSS_ENTROPY -> f.integral()[k];
                case FIRST_SPIKE_MSE -> s.length > 0 ? s[0] : Double.NaN;
                case SPIKE_COUNT_MSE -> s.length;
            };
        }
        double[] dl = new double[nOut];
        double value = loss.evaluate(summary, target, f.window(), dl);
        // adjoints, outputs first
        Adjoint[][] adj = new Adjoint[layers][];
        adj[layers - 1] = new Adjoint[nOut];
        for (int k = 0; k < nOut; k++) {
            final int kk = k;
            double drive = loss.spikingReadout() ? 0.0 : -dl[k];
            adj[layers - 1][k] = new Adjoint(drive, f.spikes()[layers - 1][k], f.currentAtSpike()[layers - 1][k], f.window(),
                (idx, t) -> loss == EventPropLoss.FIRST_SPIKE_MSE && idx == 0 ? dl[kk] : 0.0);
        }
        for (int l = layers - 2; l >= 1; l--) {
            adj[l] = new Adjoint[sizes[l]];
            final Adjoint[] next = adj[l + 1];
            final double[][] w = weights[l];
            for (int j = 0; j < sizes[l]; j++) {
                final int jj = j;
                final double[] lam = new double[2];
                adj[l][j] = new Adjoint(0.0, f.spikes()[l][j], f.currentAtSpike()[l][j], f.window(), (idx, t) -> {
                    double back = 0;
                    for (int m = 0; m < next.length; m++) {
                        next[m].at(t, lam);
                        back += w[m][jj] * (lam[0] - lam[1]);
                    }
                    return back;
                });
            }
        }
        double[][][] grad = new double[layers - 1][][];
        double[] lam = new double[2];
        for (int l = 1; l < layers; l++) {
            grad[l - 1] = new double[sizes[l]][sizes[l - 1]];
            for (int m = 0; m < sizes[l]; m++) {
                for (int j = 0; j < sizes[l - 1]; j++) {
                    double g = 0;
                    for (double t : f.spikes()[l - 1][j]) {
                        adj[l][m].at(t, lam);
                        g += -lif.tauS() * lam[1];
                    }
                    grad[l - 1][m][j] = g;
                }
            }
        }
        return new Result(value, grad);
    }

    /** The extra term of a spike's jump: Σ_m w_mn(λ_V,m − λ_I,m) for hidden neurons, ∂l/∂t_k for outputs. */
    @FunctionalInterface
    private interface JumpTerm {
        double at(int spikeIndex, double time);
    }

    /** The piecewise adjoint of one neuron: closed form between its spikes, jumps at them (spec §B.2, §B.3). */
    private final class Adjoint {
        final double drive;
        final double window;
        final double[] t;    // spike times, descending
        final double[] v;    // λ_V just below each spike (after the jump, going backwards)
        final double[] i;    // λ_I at each spike

        Adjoint(double drive, double[] spikes, double[] currents, double window, JumpTerm term) {
            this.drive = drive;
            this.window = window;
            int n = spikes.length;
            t = new double[n];
            v = new double[n];
            i = new double[n];
            double lv = 0.0;
            double li = 0.0;
            double tc = window;
            double[] p = new double[2];
            for (int k = n - 1, q = 0; k >= 0; k--, q++) {
                double tk = spikes[k];
                lif.propagateAdjoint(lv, li, tc - tk, drive, p);
                lv = p[0];
                li = p[1];
                lv = lv + ((lif.threshold() - lif.reset()) * lv + term.at(k, tk)) / (currents[k] - lif.threshold());
                t[q] = tk;
                v[q] = lv;
                i[q] = li;
                tc = tk;
            }
        }

        /** (λ_V, λ_I) at time {@code time}, jumps at spikes at or after it included. */
        void at(double time, double[] out) {
            // the last point (in descending order) with t >= time
            int lo = 0;
            int hi = t.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (t[mid] >= time) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            int q = lo - 1;
            if (q < 0) {
                lif.propagateAdjoint(0.0, 0.0, window - time, drive, out);
            } else {
                lif.propagateAdjoint(v[q], i[q], t[q] - time, drive, out);
            }
        }
    }
}
