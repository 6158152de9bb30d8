package io.spikestream.plasticity.superspike;

/**
 * Parameters of SuperSpike (Zenke & Ganguli 2018; {@code docs/superspike-eventprop-spec.md} §A of the shared
 * spec). Times in ms, voltages and weights in mV (the units of {@code iaf_psc_exp_euler}).
 *
 * @param tauRise         rise filter of the presynaptic trace, the eligibility and the error (5 ms; the code ties it to τ_syn)
 * @param tauDecay        decay filter of the same three (10 ms; tied to τ_mem)
 * @param betaSigma       steepness of the fast-sigmoid surrogate σ'(U) = β/(1 + β|U − ϑ|)² (1/mV)
 * @param surrogateCutoff σ' is 0 below this membrane voltage (−80 mV in the code; -∞ turns it off)
 * @param eta             RMaxProp learning rate r₀ (a weight step never exceeds it)
 * @param epsilon         RMaxProp's ε (1e-12 in the run scripts)
 * @param tauRms          time constant of RMaxProp's v ← max(ḡ², γ·v), γ = exp(−T_b/τ_rms) (30 s)
 * @param updateInterval  T_b, the time between weight updates (500 ms)
 * @param wMin            lower weight bound (−100 mV = −0.1 V)
 * @param wMax            upper weight bound (100 mV)
 * @param feedback        how output errors reach hidden units
 * @param feedbackSeed    seed of the random feedback weights
 * @param rho             strength of the heterosynaptic regulariser on hidden weights (0 = off; 1 in the paper's random-feedback run)
 * @param regExponent     exponent a of the regulariser's z_het^a (4)
 * @param tauHet          time constant of the postsynaptic trace z_het (100 ms)
 */
public record SuperSpikeConfig(double tauRise, double tauDecay, double betaSigma, double surrogateCutoff, double eta,
                               double epsilon, double tauRms, double updateInterval, double wMin, double wMax,
                               Feedback feedback, long feedbackSeed, double rho, double regExponent, double tauHet) {

    /** Feedback to hidden units: the transposed output weights, fixed N(0,1) weights, or all ones. */
    public enum Feedback { SYMMETRIC, RANDOM, UNIFORM }

    public SuperSpikeConfig {
        positive("tau_rise", tauRise);
        positive("tau_decay", tauDecay);
        positive("beta_sigma", betaSigma);
        if (!(eta >= 0) || Double.isInfinite(eta)) {
            throw new IllegalArgumentException("superspike: eta >= 0 required, got " + eta);
        }
        if (!(epsilon >= 0)) {
            throw new IllegalArgumentException("superspike: epsilon >= 0 required, got " + epsilon);
        }
        positive("tau_rms", tauRms);
        positive("update_interval", updateInterval);
        if (!(wMin <= wMax)) {
            throw new IllegalArgumentException("superspike: wMin <= wMax required, got [" + wMin + ", " + wMax + "]");
        }
        if (feedback == null) {
            throw new IllegalArgumentException("superspike: feedback required");
        }
        if (!(rho >= 0)) {
            throw new IllegalArgumentException("superspike: rho >= 0 required, got " + rho);
        }
        positive("tau_het", tauHet);
    }

    private static void positive(String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("superspike: " + name + " > 0 required, got " + v);
        }
    }

    /** The paper's and the code's values (spec A.3): symmetric feedback, η = 1e-3, T_b = 500 ms, no regulariser. */
    public static SuperSpikeConfig defaults() {
        return new SuperSpikeConfig(5.0, 10.0, 1.0, -80.0, 1e-3, 1e-12, 30_000.0, 500.0, -100.0, 100.0,
            Feedback.SYMMETRIC, 1L, 0.0, 4.0, 100.0);
    }

    public SuperSpikeConfig withEta(double v) {
        return new SuperSpikeConfig(tauRise, tauDecay, betaSigma, surrogateCutoff, v, epsilon, tauRms, updateInterval,
            wMin, wMax, feedback, feedbackSeed, rho, regExponent, tauHet);
    }

    public SuperSpikeConfig withUpdateInterval(double ms) {
        return new SuperSpikeConfig(tauRise, tauDecay, betaSigma, surrogateCutoff, eta, epsilon, tauRms, ms,
            wMin, wMax, feedback, feedbackSeed, rho, regExponent, tauHet);
    }

    public SuperSpikeConfig withFeedback(Feedback f, long seed) {
        return new SuperSpikeConfig(tauRise, tauDecay, betaSigma, surrogateCutoff, eta, epsilon, tauRms, updateInterval,
            wMin, wMax, f, seed, rho, regExponent, tauHet);
    }

    public SuperSpikeConfig withBounds(double lo, double hi) {
        return new SuperSpikeConfig(tauRise, tauDecay, betaSigma, surrogateCutoff, eta, epsilon, tauRms, updateInterval,
            lo, hi, feedback, feedbackSeed, rho, regExponent, tauHet);
    }

    public SuperSpikeConfig withRegulariser(double strength, double exponent, double tauHetMs) {
        return new SuperSpikeConfig(tauRise, tauDecay, betaSigma, surrogateCutoff, eta, epsilon, tauRms, updateInterval,
            wMin, wMax, feedback, feedbackSeed, strength, exponent, tauHetMs);
    }

    public SuperSpikeConfig withTauRms(double ms) {
        return new SuperSpikeConfig(tauRise, tauDecay, betaSigma, surrogateCutoff, eta, epsilon, ms, updateInterval,
            wMin, wMax, feedback, feedbackSeed, rho, regExponent, tauHet);
    }

    public SuperSpikeConfig withEpsilon(double e) {
        return new SuperSpikeConfig(tauRise, tauDecay, betaSigma, surrogateCutoff, eta, e, tauRms, updateInterval,
            wMin, wMax, feedback, feedbackSeed, rho, regExponent, tauHet);
    }
}
