package io.spikestream.network;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.util.Arrays;

/**
 * The recurrent neurons of NEST's time-driven e-prop, {@code eprop_iaf_bsshslm_2020} and
 * {@code eprop_iaf_adapt_bsshslm_2020} (Bellec et al. 2020; {@code docs/eprop-spec.md} §5.3 of the shared spec):
 * LIF with delta synapses whose threshold is subtracted one step <em>after</em> the spike, input spikes scaled by
 * {@code P_z} ({@code regular_spike_arrival}), and an optional reset of v, r, z (and the adaptation) at the first
 * step of every update interval {@code [2 + kU, 2 + (k+1)U)}.
 *
 * <p>What a learning rule needs is left in {@link #vPsi()}, {@link #rPsi()}, {@link #thetaPsi()} (membrane,
 * refractory count and threshold seen by this step's spike test) and {@link #z()} (spike of this step); the
 * engine calls the rule's {@code afterUpdate} right after this population's update.
 *
 * <p>Threading: worker k alone updates chunk k (see {@link Population}).
 */
public final class BsshslmLifPopulation extends Population {

    /** offset_gen + delay_in_rec: the interval of a recurrent neuron starts at step 2 + kU (spec §5.1). */
    public static final int SHIFT = 2;

    private double pV;
    private double pI;
    private double pZ;
    private double pA;
    private double beta;
    private int refractorySteps;
    private double theta;
    private double vMin;
    private double eL;
    private double iE;
    private long interval;
    private boolean resetOnUpdate;

    double[] v;
    int[] r;
    double[] iIn;
    /** Spike of the previous step until step 6 of the update, then of this step. */
    double[] z;
    double[] a;
    double[] thetaA;
    double[] vPsi;
    int[] rPsi;
    double[] thetaPsi;

    BsshslmLifPopulation(int index, String label, NeuronModel model, Params params, int size, int offset) {
        super(index, label, model, params, size, offset);
    }

    @Override
    protected void prepareState() {
        double h = grid.resolutionMs();
        double tauM = params.d("tau_m");
        pV = CLibMath.exp(-h / tauM);
        pI = tauM / params.d("C_m") * (1.0 - pV);
        pZ = params.b("regular_spike_arrival") ? 1.0 : 1.0 - pV;
        refractorySteps = Math.toIntExact(grid.steps(params.d("t_ref")));
        eL = params.d("E_L");
        theta = params.d("V_th") - eL;
        vMin = params.d("V_min") - eL;
        iE = params.d("I_e");
        interval = grid.steps(params.d("eprop_update_interval"));
        resetOnUpdate = params.b("eprop_reset_neurons_on_update");
        v = new double[size];
        r = new int[size];
        iIn = new double[size];
        z = new double[size];
        vPsi = new double[size];
        rPsi = new int[size];
        thetaPsi = new double[size];
        Arrays.fill(v, params.d("V_m") - eL);
        Arrays.fill(thetaPsi, theta);
        if (model.adaptive()) {
            beta = params.d("adapt_beta");
            pA = CLibMath.exp(-h / params.d("adapt_tau"));
            a = new double[size];
            thetaA = new double[size];
            Arrays.fill(a, params.d("adaptation"));
            Arrays.fill(thetaA, params.d("V_th_adapt") - eL);
        }
        register("V_m", j -> v[j] + eL);
        if (model.adaptive()) {
            register("V_th_adapt", j -> thetaA[j] + eL);
            register("adaptation", j -> a[j]);
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
    }

    @Override
    void update(long t, int from, int to, StepEvents out) {
        final double[] in = input;
        final int base = (int) (t % ringSlots) * size;
        final boolean adaptive = model.adaptive();
        // C++ remainder (negative before the first interval): steps 0 and 1 never start an interval
        final boolean intervalStart = (t - SHIFT) % interval == 0;
        final boolean reset = intervalStart && resetOnUpdate;
        for (int j = from; j < to; j++) {
            double vj = v[j];
            int rj = r[j];
            double zPrev = z[j];
            if (reset) {
                vj = 0.0;
                rj = 0;
                zPrev = 0.0;
                if (adaptive) {
                    a[j] = 0.0;
                }
            }
            if (rj > 0) {
                rj--;
            }
            double x = in[base + j];
            in[base + j] = 0.0;
            vj = pI * iIn[j] + pZ * x + pV * vj;
            vj -= theta * zPrev;        // the reset of last step's spike, by the fixed threshold
            vj = Math.max(vj, vMin);
            double th = theta;
            if (adaptive) {
                double aj = pA * a[j] + zPrev;
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

    // ---- read access for learning rules (no copies; valid for the step just updated) ----

    /** Membrane voltage used by this step's spike test (after the delayed reset), relative to E_L. */
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

    /** exp(-h/tau_m). */
    public double propagatorV() {
        return pV;
    }

    /** Scale of input spikes and of the presynaptic trace: 1, or 1 - P_v without regular_spike_arrival. */
    public double propagatorZ() {
        return pZ;
    }

    public double propagatorA() {
        return pA;
    }

    public double adaptBeta() {
        return beta;
    }

    /** eprop_update_interval in steps. */
    public long updateIntervalSteps() {
        return interval;
    }
}
