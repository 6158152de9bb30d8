package io.spikestream.network;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.util.Arrays;

/**
 * Neurons with exponentially decaying current synapses: an arriving spike adds its weight to the synaptic
 * current {@code I}, which decays with {@code tau_syn} and drives the membrane. Three models:
 *
 * <pre>
 * iaf_psc_exp_euler (Auryn's IafPscExpGroup, SuperSpike; spec A.1/A.4), step t:
 *     U ← U + (h/τ_m)(E_L − U + I [+ I_e])
 *     if r = 0 and U > V_th: spike, U ← V_reset, r ← steps(t_ref)   else if r > 0: r ← r − 1, U ← V_reset
 *     I ← e^(−h/τ_syn)·I + x                      (x = weights arriving in step t: they act from step t+1)
 *
 * lif_psc_exp / li_psc_exp (mlGeNN's grid EventProp neurons; spec B.1, Appendix B grid()), step t:
 *     I ← I + x                                   (arrivals act in their own step)
 *     V ← α·V + (1 − α)·I·(τ_s/h)(1 − β)          (the step average of the decaying current; α = e^(−h/τ_m), β = e^(−h/τ_s))
 *     I ← β·I
 *     lif only: if V ≥ V_th: spike, record I/β − V (= τ_m·dV/dt before the spike), V ← V_reset
 * </pre>
 *
 * What a learning rule needs is left per step in {@link #z()} (spiked), {@link #v()} (membrane after reset or
 * clamp), {@link #vBeforeReset()} and {@link #currentMinusVoltage()} (EventProp's jump denominator).
 *
 * <p>Threading: worker k alone updates chunk k (see {@link Population}).
 */
public final class CurrentLifPopulation extends Population {

    private double h;
    private double tauM;
    private double tauSyn;
    private double alpha;
    private double beta;
    private double injectScale;
    private double eL;
    private double theta;
    private double vReset;
    private double iE;
    private int refractorySteps;

    double[] v;
    double[] i;
    int[] r;
    double[] z;
    double[] vPre;
    double[] iMinusV;

    CurrentLifPopulation(int index, String label, NeuronModel model, Params params, int size, int offset) {
        super(index, label, model, params, size, offset);
    }

    @Override
    protected void prepareState() {
        h = grid.resolutionMs();
        tauM = params.d("tau_m");
        tauSyn = params.d("tau_syn");
        alpha = CLibMath.exp(-h / tauM);
        beta = CLibMath.exp(-h / tauSyn);
        injectScale = (tauSyn / h) * (1.0 - beta);
        boolean euler = model == NeuronModel.IAF_PSC_EXP_EULER;
        eL = euler ? params.d("E_L") : 0.0;
        theta = model == NeuronModel.LI_PSC_EXP ? Double.POSITIVE_INFINITY : params.d("V_th");
        vReset = model == NeuronModel.LI_PSC_EXP ? 0.0 : params.d("V_reset");
        iE = euler ? params.d("I_e") : 0.0;
        refractorySteps = euler ? Math.toIntExact(grid.steps(params.d("t_ref"))) : 0;
        v = new double[size];
        Arrays.fill(v, params.d("V_m"));
        i = new double[size];
        r = new int[size];
        z = new double[size];
        vPre = new double[size];
        iMinusV = new double[size];
        register("V_m", j -> v[j]);
        register("I_syn", j -> i[j]);
    }

    @Override
    protected void writeModelState(StateWriter out) {
        out.putDoubles(v);
        out.putDoubles(i);
        out.putInts(r);
        out.putDoubles(z);
        out.putDoubles(vPre);
        out.putDoubles(iMinusV);
    }

    @Override
    protected void readModelState(StateReader in) throws CheckpointException {
        in.readDoubles(v, "V_m");
        in.readDoubles(i, "I_syn");
        in.readInts(r, "refractory count");
        in.readDoubles(z, "z");
        in.readDoubles(vPre, "V_m before the update");
        in.readDoubles(iMinusV, "I - V");
    }

    @Override
    void update(long t, int from, int to, StepEvents out) {
        if (model == NeuronModel.IAF_PSC_EXP_EULER) {
            updateEuler(t, from, to, out);
        } else {
            updateGrid(t, from, to, out);
        }
    }

    private void updateEuler(long t, int from, int to, StepEvents out) {
        final double[] in = input;
        final int base = (int) (t % ringSlots) * size;
        final double k = h / tauM;
        for (int j = from; j < to; j++) {
            double u = v[j];
            double drive = eL - u + i[j];
            if (iE != 0.0) {
                drive += iE;
            }
            u = u + k * drive;
            vPre[j] = u;
            int rj = r[j];
            double zj = 0.0;
            if (rj == 0 && u > theta) {
                out.spike(j, 1);
                zj = 1.0;
                u = vReset;
                rj = refractorySteps;
                lastEvent[j] = t;
            } else if (rj > 0) {
                rj--;
                u = vReset;
            }
            double x = in[base + j];
            in[base + j] = 0.0;
            i[j] = beta * i[j] + x;
            v[j] = u;
            r[j] = rj;
            z[j] = zj;
        }
    }

    private void updateGrid(long t, int from, int to, StepEvents out) {
        final double[] in = input;
        final int base = (int) (t % ringSlots) * size;
        for (int j = from; j < to; j++) {
            double x = in[base + j];
            in[base + j] = 0.0;
            double g = i[j] + x;
            double u = alpha * v[j] + (1.0 - alpha) * g * injectScale;
            g = beta * g;
            vPre[j] = u;
            double zj = 0.0;
            if (u >= theta) {
                out.spike(j, 1);
                zj = 1.0;
                iMinusV[j] = g / beta - u;
                u = vReset;
                lastEvent[j] = t;
            }
            i[j] = g;
            v[j] = u;
            z[j] = zj;
        }
    }

    // ---- read access for learning rules (no copies; valid for the step just updated) ----

    /** 1.0 where the neuron spiked this step, else 0.0. */
    public double[] z() {
        return z;
    }

    /** Membrane after this step's reset or refractory clamp. */
    public double[] v() {
        return v;
    }

    /** Membrane this step before the reset. */
    public double[] vBeforeReset() {
        return vPre;
    }

    /** For neurons that spiked this step: I/β − V before the reset (grid models; EventProp's τ_m·dV/dt). */
    public double[] currentMinusVoltage() {
        return iMinusV;
    }

    /** Synaptic currents after this step. */
    public double[] current() {
        return i;
    }

    public double tauM() {
        return tauM;
    }

    public double tauSyn() {
        return tauSyn;
    }

    /** e^(−h/τ_m). */
    public double alpha() {
        return alpha;
    }

    /** e^(−h/τ_syn). */
    public double beta() {
        return beta;
    }

    public double threshold() {
        return theta;
    }

    public double resetPotential() {
        return vReset;
    }

    /** Whether the model spikes (the leaky integrator does not). */
    public boolean spiking() {
        return model != NeuronModel.LI_PSC_EXP;
    }
}
