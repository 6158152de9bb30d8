package io.spikestream.plasticity.eventprop;

/**
 * Closed forms of the current-based LIF {@code τ_m V' = −V + I}, {@code τ_s I' = −I} (spec §B.1, §B.9) and of its
 * adjoint (§B.2): propagation over any interval, the integral of V, and the first threshold crossing found by
 * bisection to machine precision. Between events {@code V(t) = (V0 − K)e^(−t/τ_m) + K e^(−t/τ_s)} with
 * {@code K = I0 τ_s/(τ_s − τ_m)}, which has at most one extremum. Immutable; needs {@code τ_m ≠ τ_s}.
 */
public record LifDynamics(double tauM, double tauS, double threshold, double reset) {

    public LifDynamics {
        if (!(tauM > 0) || !(tauS > 0)) {
            throw new IllegalArgumentException("tau_m and tau_syn must be > 0, got " + tauM + ", " + tauS);
        }
        if (tauM == tauS) {
            throw new IllegalArgumentException("EventProp's closed forms need tau_m != tau_syn, got " + tauM);
        }
        if (!(reset < threshold) || !(threshold > 0)) {
            throw new IllegalArgumentException("0 < threshold and reset < threshold required, got " + threshold + ", " + reset);
        }
    }

    /** Wunderlich & Pehle's set-up of the spec's example: τ_m = 20 ms, τ_s = 5 ms, ϑ = 1, V_r = 0. */
    public static LifDynamics standard() {
        return new LifDynamics(20.0, 5.0, 1.0, 0.0);
    }

    private double k(double i0) {
        return i0 * tauS / (tauS - tauM);
    }

    /** V after time t from (V0, I0) without input or spike. */
    public double voltage(double v0, double i0, double t) {
        double k = k(i0);
        return (v0 - k) * Math.exp(-t / tauM) + k * Math.exp(-t / tauS);
    }

    /** dV/dt after time t from (V0, I0). */
    public double slope(double v0, double i0, double t) {
        double k = k(i0);
        return -(v0 - k) / tauM * Math.exp(-t / tauM) - k / tauS * Math.exp(-t / tauS);
    }

    /** ∫_0^t V dt' from (V0, I0). */
    public double integral(double v0, double i0, double t) {
        double k = k(i0);
        return (v0 - k) * tauM * (1.0 - Math.exp(-t / tauM)) + k * tauS * (1.0 - Math.exp(-t / tauS));
    }

    /** The first time in (0, dt] at which V reaches the threshold, or NaN if it does not. */
    public double firstCrossing(double v0, double i0, double dt) {
        if (slope(v0, i0, 0.0) <= 0) {
            return Double.NaN; // V falls now and can rise afterwards only towards 0 < threshold
        }
        double k = k(i0);
        double r = v0 != k ? -(k / tauS) / ((v0 - k) / tauM) : -1.0;
        double tStar = r > 0 ? Math.log(r) / (1.0 / tauS - 1.0 / tauM) : Double.POSITIVE_INFINITY;
        double te = Math.min(tStar, dt);
        if (te <= 0 || voltage(v0, i0, te) < threshold) {
            return Double.NaN;
        }
        double a = 0.0;
        double b = te;
        for (int it = 0; it < 200 && a < b; it++) {
            double c = 0.5 * (a + b);
            if (c == a || c == b) {
                break;
            }
            if (voltage(v0, i0, c) >= threshold) {
                b = c;
            } else {
                a = c;
            }
        }
        return b;
    }

    /**
     * The adjoint (λ_V, λ_I) propagated backwards over s ≥ 0 with a constant drive d = −∂l_V/∂V (spec §B.2):
     * {@code λ_V ← d + (λ_V − d)e^(−s/τ_m)}, {@code λ_I ← d + (λ_I − d)e^(−s/τ_s) + (λ_V − d)·τ_m/(τ_m − τ_s)·(e^(−s/τ_m) − e^(−s/τ_s))}.
     * Writes the result into {@code out[0..1]}.
     */
    public void propagateAdjoint(double lambdaV, double lambdaI, double s, double drive, double[] out) {
        double eV = Math.exp(-s / tauM);
        double eS = Math.exp(-s / tauS);
        out[0] = drive + (lambdaV - drive) * eV;
        out[1] = drive + (lambdaI - drive) * eS + (lambdaV - drive) * tauM / (tauM - tauS) * (eV - eS);
    }
}
