package io.spikestream.network;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

/**
 * Leaky integrate-and-fire neurons with delta synapses: NEST's {@code eprop_iaf}, {@code eprop_iaf_adapt},
 * {@code eprop_iaf_psc_delta} and {@code eprop_iaf_psc_delta_adapt}, with NEST's propagators and order of
 * operations (see {@code docs/eprop-spec.md} §1.3-§1.6 of the shared spec).
 *
 * <p>Besides its state, every step leaves what a learning rule needs in {@link #vPsi} (membrane voltage
 * before the reset, relative to E_L), {@link #rPsi} (refractory count at that moment), {@link #thetaPsi}
 * (effective threshold) and {@link #z} (1 if the neuron spiked this step). The engine calls the rule's
 * {@code afterUpdate} right after this population's update, so those arrays are the current step's.
 */
public final class LifPopulation extends Population {

    // derived constants (NEST's Variables_)
    private double pV;     // exp(-h/tau_m)
    private double pI;     // tau_m/C_m (1 - P_v)
    private double pA;     // exp(-h/adapt_tau)
    private int refractorySteps;
    private double theta;  // V_th - E_L
    private double vMin;   // V_min - E_L
    private double vReset; // V_reset - E_L
    private double eL;
    private double iE;
    private double beta;
    private double h;
    private double tauM;
    private boolean refractoryInput;

    // state
    double[] v;
    int[] r;
    double[] iIn;
    double[] a;
    double[] thetaA;
    double[] refrBuffer;

    // per-step outputs for learning rules (public read access through accessors)
    double[] z;
    double[] vPsi;
    int[] rPsi;
    double[] thetaPsi;

    LifPopulation(int index, String label, NeuronModel model, Params params, int size, int offset) {
        super(index, label, model, params, size, offset);
    }

    @Override
    protected void prepareState() {
        h = grid.resolutionMs();
        tauM = params.d("tau_m");
        pV = Math.exp(-h / tauM);
        pI = tauM / params.d("C_m") * (1.0 - pV);
        refractorySteps = Math.toIntExact(grid.steps(params.d("t_ref")));
        eL = params.d("E_L");
        theta = params.d("V_th") - eL;
        vMin = params.d("V_min") - eL;
        iE = params.d("I_e");
        if (model.hardReset()) {
            vReset = params.d("V_reset") - eL;
            refractoryInput = params.b("refractory_input");
        }
        v = new double[size];
        r = new int[size];
        iIn = new double[size];
        z = new double[size];
        vPsi = new double[size];
        rPsi = new int[size];
        thetaPsi = new double[size];
        java.util.Arrays.fill(v, params.d("V_m") - eL);
        java.util.Arrays.fill(thetaPsi, theta);
        if (model.hardReset()) {
            refrBuffer = new double[size];
        }
        if (model.adaptive()) {
            beta = params.d("adapt_beta");
            pA = Math.exp(-h / params.d("adapt_tau"));
            a = new double[size];
            thetaA = new double[size];
            java.util.Arrays.fill(a, params.d("adaptation"));
            java.util.Arrays.fill(thetaA, params.d("V_th_adapt") - eL);
        }
        register("V_m", j -> v[j] + eL);
        if (model.adaptive()) {
            register("V_th_adapt", j -> thetaA[j] + eL);
            register("adaptation", j -> a[j]);
        }
    }

    @Override
    void update(long t, int from, int to, StepEvents out) {
        switch (model) {
            case EPROP_IAF, EPROP_IAF_ADAPT -> updateSubtractive(t, from, to, out);
            default -> updateHardReset(t, from, to, out);
        }
    }

    /** eprop_iaf(_adapt): reset by subtracting V_th in the spike step (spec §1.3, §1.4). */
    private void updateSubtractive(long t, int from, int to, StepEvents out) {
        final double[] in = input;
        final int base = (int) (t % ringSlots) * size;
        final boolean adaptive = model.adaptive();
        for (int j = from; j < to; j++) {
            int rj = r[j];
            if (rj > 0) {
                rj--;
            }
            double x = in[base + j];
            in[base + j] = 0.0;
            double vj = pI * iIn[j] + x + pV * v[j];
            vj = Math.max(vj, vMin);
            double th = theta;
            if (adaptive) {
                double aj = pA * a[j] + z[j];
                a[j] = aj;
                th = theta + beta * aj;
                thetaA[j] = th;
            }
            vPsi[j] = vj;
            rPsi[j] = rj;
            thetaPsi[j] = th;
            double zj = 0.0;
            if (vj >= th && rj == 0) {
                out.spike(j, 1);
                zj = 1.0;
                vj -= theta;
                rj = refractorySteps;
                lastEvent[j] = t;
            } else if (flushDue(j, t)) {
                out.flushEvent(j);
                lastEvent[j] = t;
            }
            z[j] = zj;
            v[j] = vj;
            r[j] = rj;
            iIn[j] = iE;
        }
    }

    /** eprop_iaf_psc_delta(_adapt): hard reset and clamped refractoriness (spec §1.5, §1.6). */
    private void updateHardReset(long t, int from, int to, StepEvents out) {
        final double[] in = input;
        final int base = (int) (t % ringSlots) * size;
        final boolean adaptive = model.adaptive();
        for (int j = from; j < to; j++) {
            double x = in[base + j];
            in[base + j] = 0.0;
            int rj = r[j];
            double vj = v[j];
            if (rj == 0) {
                vj = pI * (iIn[j] + iE) + pV * vj + x;
                if (refractoryInput && refrBuffer[j] != 0.0) {
                    vj += refrBuffer[j];
                    refrBuffer[j] = 0.0;
                }
                vj = Math.max(vj, vMin);
                if (adaptive) {
                    double aj = pA * a[j] + z[j];
                    a[j] = aj;
                    thetaA[j] = theta + beta * aj;
                }
            } else {
                if (refractoryInput) {
                    refrBuffer[j] += x * Math.exp(-rj * h / tauM);
                }
                rj--;
            }
            double th = adaptive ? thetaA[j] : theta;
            vPsi[j] = vj;
            rPsi[j] = rj;
            thetaPsi[j] = th;
            double zj = 0.0;
            if (vj >= th) {
                rj = refractorySteps;
                vj = vReset;
                out.spike(j, 1);
                zj = 1.0;
                lastEvent[j] = t;
            } else if (flushDue(j, t)) {
                out.flushEvent(j);
                lastEvent[j] = t;
            }
            z[j] = zj;
            v[j] = vj;
            r[j] = rj;
            iIn[j] = 0.0;
        }
    }

    /**
     * eprop_iaf(_adapt) with nothing pending and no neuron able to reach its threshold without input: I_e = 0,
     * V_th > E_L, every membrane below threshold, no spike in the last step, and a non-negative adaptation (so the
     * threshold never falls below V_th). Then each membrane and adaptation only decays towards 0.
     */
    @Override
    boolean quiet(long step) {
        if (model != NeuronModel.EPROP_IAF && model != NeuronModel.EPROP_IAF_ADAPT) {
            return false;
        }
        if (iE != 0.0 || !(theta > 0.0) || !inputRingEmpty()) {
            return false;
        }
        boolean adaptive = model.adaptive();
        if (adaptive && !(beta >= 0.0)) {
            return false;
        }
        for (int j = 0; j < size; j++) {
            if (z[j] != 0.0 || !(v[j] < theta) || adaptive && !(a[j] >= 0.0)) {
                return false;
            }
        }
        return true;
    }

    /**
     * updateSubtractive with x = 0 and no spike, step by step for all neurons at once (a loop the JIT vectorises),
     * until the state stops changing (a decaying double reaches 0 or a fixed point of the rounding within about
     * 745 tau_m / h steps; the per-step map is monotone, so a state equal to itself {@link QuietDecay#CHECK_EVERY}
     * steps later is fixed): bit-identical to stepping at a cost bounded by the time constants, not by the length of
     * the stretch. A closed form {@code v * P^n} ({@code Math.pow}) would round differently from n multiplications;
     * the loop is cheap enough to be exact.
     */
    @Override
    void skipQuiet(long from, long to) {
        final boolean adaptive = model.adaptive();
        final int n = size;
        final double[] before = new double[adaptive ? 2 * n : n];
        long t = from;
        while (t < to) {
            long chunkEnd = Math.min(to, t + QuietDecay.CHECK_EVERY);
            System.arraycopy(v, 0, before, 0, n);
            if (adaptive) {
                System.arraycopy(a, 0, before, n, n);
            }
            boolean refractory = false;
            for (; t < chunkEnd; t++) {
                for (int j = 0; j < n; j++) {
                    double vj = pI * iIn[j] + 0.0 + pV * v[j];
                    v[j] = Math.max(vj, vMin);
                    iIn[j] = iE;
                }
                for (int j = 0; j < n; j++) {
                    if (r[j] > 0) {
                        r[j]--;
                        refractory = true;
                    }
                }
                if (adaptive) {
                    for (int j = 0; j < n; j++) {
                        a[j] = pA * a[j] + z[j];
                        z[j] = 0.0;
                    }
                } else {
                    java.util.Arrays.fill(z, 0.0);
                }
            }
            if (!refractory && QuietDecay.same(before, 0, v) && (!adaptive || QuietDecay.same(before, n, a))) {
                break; // a whole chunk changed nothing: every later step computes the same values
            }
        }
        for (int j = 0; j < n; j++) {
            double th = adaptive ? theta + beta * a[j] : theta;
            vPsi[j] = v[j];
            rPsi[j] = r[j];
            thetaPsi[j] = th;
            if (adaptive) {
                thetaA[j] = th;
            }
        }
    }

    @Override
    protected void writeModelState(StateWriter out) {
        out.putDoubles(v);
        out.putInts(r);
        out.putDoubles(iIn);
        out.putDoubles(z);
        out.putDoubles(vPsi);
        out.putInts(rPsi);
        out.putDoubles(thetaPsi);
        if (model.adaptive()) {
            out.putDoubles(a);
            out.putDoubles(thetaA);
        }
        if (model.hardReset()) {
            out.putDoubles(refrBuffer);
        }
    }

    @Override
    protected void readModelState(StateReader in) throws CheckpointException {
        in.readDoubles(v, "V_m");
        in.readInts(r, "refractory count");
        in.readDoubles(iIn, "i_in");
        in.readDoubles(z, "z");
        in.readDoubles(vPsi, "v_psi");
        in.readInts(rPsi, "r_psi");
        in.readDoubles(thetaPsi, "theta_psi");
        if (model.adaptive()) {
            in.readDoubles(a, "adaptation");
            in.readDoubles(thetaA, "V_th_adapt");
        }
        if (model.hardReset()) {
            in.readDoubles(refrBuffer, "refractory input buffer");
        }
    }

    // ---- read access for learning rules (no copies; valid for the step just updated) ----

    /** Membrane voltage before this step's reset, relative to E_L. */
    public double[] vPsi() {
        return vPsi;
    }

    /** Refractory counter as seen by this step's spike test (0 = may spike). */
    public int[] rPsi() {
        return rPsi;
    }

    /** Effective threshold relative to E_L used in this step's spike test. */
    public double[] thetaPsi() {
        return thetaPsi;
    }

    /** 1.0 where the neuron spiked this step, else 0.0. */
    public double[] z() {
        return z;
    }

    public double propagatorV() {
        return pV;
    }

    public double propagatorA() {
        return pA;
    }

    public double adaptBeta() {
        return beta;
    }

    public double resolutionMs() {
        return h;
    }
}
