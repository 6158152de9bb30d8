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
    /**
     * Per neuron (eprop_iaf only): its last update changed nothing (no input, not refractory, no spike, the membrane
     * at a fixed point of its decay, bit for bit). Until input arrives or a flush event is due, a step would write
     * what every array already holds, so {@link #updateSubtractive} skips it. A cache: clearing it changes no result.
     */
    boolean[] rest;
    /**
     * Per worker's chunk: the neurons at rest after its last update (0 when it did not look). Looking costs about a
     * quarter of an active neuron's update, so a chunk where none rests looks only every {@link #REST_PROBE} steps
     * (its flags stay false in between); one with resting neurons looks every step.
     */
    private int[] restingCount;

    /** Steps between two looks for resting neurons in a chunk where none rested. */
    static final int REST_PROBE = 64;
    /** Whether resting neurons are skipped at all ({@link #setRestSkipping}). */
    private boolean restSkipping = true;

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
        rest = new boolean[size];
        restingCount = new int[chunk.length - 1];
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
            case EPROP_IAF -> {
                int k = worker(from);
                boolean look = restSkipping && (restingCount[k] > 0 || t % REST_PROBE == 0);
                restingCount[k] = updateSubtractive(t, from, to, out, look);
            }
            case EPROP_IAF_ADAPT -> updateSubtractive(t, from, to, out, false);
            default -> updateHardReset(t, from, to, out);
        }
    }

    /**
     * Whether neurons at rest are skipped (the default; it changes no result): off, every neuron is updated every
     * step, as a reference for the checks that skipping is exact.
     */
    public void setRestSkipping(boolean on) {
        restSkipping = on;
        if (!on && rest != null) {
            clearRest();
        }
    }

    /** The worker whose non-empty chunk starts at {@code from}. */
    private int worker(int from) {
        int k = 0;
        while (chunk[k + 1] <= from) {
            k++;
        }
        return k;
    }

    /**
     * The neurons of the chunk [from, to) that are at rest after its update of this step ({@link #resting}): 0 means
     * none (or an empty chunk), and then a rule need not look at the flags.
     */
    public int restingIn(int from, int to) {
        return model == NeuronModel.EPROP_IAF && from < to ? restingCount[worker(from)] : 0;
    }

    /**
     * eprop_iaf(_adapt): reset by subtracting V_th in the spike step (spec §1.3, §1.4). With {@code look} (never for
     * the adaptive model, whose adaptation it does not check), a neuron at {@link #rest} with no input (+0.0 in its
     * slot) and no flush due is skipped, its step would rewrite every value as it is, and each neuron updated is checked
     * for rest. Without, the flags are all false already (a chunk stops looking only when none rests) and are left
     * alone. Returns the neurons at rest.
     */
    private int updateSubtractive(long t, int from, int to, StepEvents out, boolean look) {
        final int base = (int) (t % ringSlots) * size;
        final double[] in = input;
        final boolean adaptive = model.adaptive();
        if (!look) {
            for (int j = from; j < to; j++) {
                stepSubtractive(j, t, in, base, adaptive, out);
            }
            return 0;
        }
        final long iEBits = Double.doubleToRawLongBits(iE);
        int resting = 0;
        for (int j = from; j < to; j++) {
            long xBits = Double.doubleToRawLongBits(in[base + j]);
            if (rest[j] && xBits == 0L && !flushDue(j, t)) {
                resting++;
                continue;
            }
            int r0 = r[j];
            long v0Bits = Double.doubleToRawLongBits(v[j]);
            long i0Bits = Double.doubleToRawLongBits(iIn[j]);
            stepSubtractive(j, t, in, base, adaptive, out);
            // no input, no refractory count, no spike, the same membrane: the next step computes this one's values
            // again (thetaPsi is V_th; z and rPsi are 0)
            boolean still = (xBits | r0 | Double.doubleToRawLongBits(z[j]) | Double.doubleToRawLongBits(v[j]) ^ v0Bits
                | i0Bits ^ iEBits) == 0L;
            rest[j] = still;
            resting += still ? 1 : 0;
        }
        return resting;
    }

    /** One neuron's step of {@link #updateSubtractive}. */
    private void stepSubtractive(int j, long t, double[] in, int base, boolean adaptive, StepEvents out) {
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
        clearRest();
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
        clearRest();
    }

    private void clearRest() {
        java.util.Arrays.fill(rest, false);
        java.util.Arrays.fill(restingCount, 0);
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

    /**
     * Where the neuron's update of this step changed nothing and will change nothing while it gets no input (see
     * {@link #rest}; always false for the adaptive and hard-reset models). Its {@code vPsi}, {@code rPsi},
     * {@code thetaPsi} and {@code z} are then those of the step before.
     */
    public boolean[] resting() {
        return rest;
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
