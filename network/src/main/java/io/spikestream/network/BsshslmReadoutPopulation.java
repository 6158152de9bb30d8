package io.spikestream.network;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The readouts of NEST's time-driven e-prop, {@code eprop_readout_bsshslm_2020} (spec §5.4): a leaky integrator
 * whose readout signal lags its membrane by one step, with a mean-squared-error loss ({@code y = v(t-1) + E_L})
 * or a cross-entropy loss ({@code y_k = exp(v_k(t-1)) / Σ_l exp(v_l(t-1))}, a softmax formed from the unnormalised
 * signals the other readouts send through {@code rate_connection_delayed} connections on receptor 1). The error
 * {@code y - y*} is masked outside the learning window, the last {@code eprop_learning_window} steps of every
 * signal interval {@code [4 + kU, 4 + (k+1)U)}. The target arrives through a {@link ReadoutDrive} (its window
 * argument is ignored: the window is the kernel parameter); as NEST's step_rate_generator, the drive must write the
 * target every step, because a masked step zeroes the stored target.
 *
 * <p>Recordables: {@code V_m} (unmasked), {@code readout_signal}, {@code readout_signal_unnorm} (unmasked),
 * {@code target_signal}, {@code error_signal}.
 *
 * <p>Threading: the error and the unnormalised signal of step t are kept in two-slot buffers indexed by step
 * parity, so readers of step t-1's values (learning rules in phase A, other readouts in phase C of step t) never
 * race the owner writing step t's.
 */
public final class BsshslmReadoutPopulation extends Population {

    /** offset_gen + delay_in_rec + delay_rec_out: the interval of a readout starts at step 3 + kU (spec §5.1). */
    public static final int SHIFT = 3;
    /** Receptor of the other readouts' unnormalised signals (NEST's {@code readout_signal} receptor). */
    public static final int RECEPTOR_READOUT_SIGNAL = 1;

    private double pV;
    private double pI;
    private double pZ;
    private double eL;
    private double iE;
    private double vMin;
    private long interval;
    private long window;
    private boolean resetOnUpdate;
    private boolean crossEntropy;

    double[] v;
    double[] iIn;
    double[] u;
    double[] y;
    double[] target;
    private double[] ignoredWindow;
    /** err[(t & 1) * size + j]: masked error of step t. */
    double[] err;
    /** sent[(t & 1) * size + j]: unnormalised signal sent to the other readouts in step t (0 for MSE). */
    double[] sent;
    private ReadoutDrive drive;
    private long lastStep = -1;

    // incoming normalisation links, CSR by target readout, ascending sender id
    private final List<Projection> rateInputs = new ArrayList<>();
    private int[] normPtr;
    private BsshslmReadoutPopulation[] normSource;
    private int[] normLocal;
    private double[] normWeight;

    BsshslmReadoutPopulation(int index, String label, NeuronModel model, Params params, int size, int offset) {
        super(index, label, model, params, size, offset);
    }

    public void setDrive(ReadoutDrive drive) {
        this.drive = drive;
    }

    @Override
    void checkRateInput(Population source, int receptor) {
        if (receptor != RECEPTOR_READOUT_SIGNAL) {
            throw new IllegalArgumentException(model.nestName() + " accepts " + SynapseModel.RATE_CONNECTION_DELAYED
                + " from other readouts on receptor " + RECEPTOR_READOUT_SIGNAL + " only (targets come from a "
                + "ReadoutDrive), got receptor " + receptor);
        }
        if (!(source instanceof BsshslmReadoutPopulation)) {
            throw new IllegalArgumentException(model.nestName() + ": " + SynapseModel.RATE_CONNECTION_DELAYED
                + " on receptor 1 must come from an " + model.nestName() + " population, got " + source);
        }
    }

    @Override
    void attachRateInput(Projection projection) {
        rateInputs.add(projection);
    }

    @Override
    protected void prepareState() {
        double h = grid.resolutionMs();
        double tau = params.d("tau_m");
        pV = CLibMath.exp(-h / tau);
        pI = tau / params.d("C_m") * (1.0 - pV);
        pZ = params.b("regular_spike_arrival") ? 1.0 : 1.0 - pV;
        eL = params.d("E_L");
        iE = params.d("I_e");
        vMin = params.d("V_min") - eL;
        interval = grid.steps(params.d("eprop_update_interval"));
        window = grid.steps(params.d("eprop_learning_window"));
        resetOnUpdate = params.b("eprop_reset_neurons_on_update");
        crossEntropy = params.s("loss").equals("cross_entropy");
        v = new double[size];
        Arrays.fill(v, params.d("V_m") - eL);
        iIn = new double[size];
        u = new double[size];
        y = new double[size];
        target = new double[size];
        ignoredWindow = new double[size];
        err = new double[2 * size];
        sent = new double[2 * size];
        buildNormalisation();
        register("V_m", j -> v[j] + eL);
        register("readout_signal", j -> y[j]);
        register("readout_signal_unnorm", j -> u[j]);
        register("target_signal", j -> target[j]);
        register("error_signal", j -> err[(int) (lastStep & 1) * size + j]);
    }

    @Override
    protected void writeModelState(StateWriter out) {
        out.putDoubles(v);
        out.putDoubles(iIn);
        out.putDoubles(u);
        out.putDoubles(y);
        out.putDoubles(target);
        out.putDoubles(ignoredWindow);
        out.putDoubles(err);
        out.putDoubles(sent);
        out.putLong(lastStep);
    }

    @Override
    protected void readModelState(StateReader in) throws CheckpointException {
        in.readDoubles(v, "V_m");
        in.readDoubles(iIn, "i_in");
        in.readDoubles(u, "readout_signal_unnorm");
        in.readDoubles(y, "readout_signal");
        in.readDoubles(target, "target");
        in.readDoubles(ignoredWindow, "learning window");
        in.readDoubles(err, "error_signal");
        in.readDoubles(sent, "sent signals");
        lastStep = in.getLong();
    }

    @Override
    Object checkpointedDrive() {
        return drive;
    }

    /** Builds the normalisation CSR (rate inputs are attached before the populations are prepared). */
    private void buildNormalisation() {
        List<double[]> links = new ArrayList<>(); // {target, sender global id, source pop index, source local, weight}
        List<BsshslmReadoutPopulation> sources = new ArrayList<>();
        for (Projection p : rateInputs) {
            BsshslmReadoutPopulation src = (BsshslmReadoutPopulation) p.source();
            sources.add(src);
            for (int k = 0; k < p.parts(); k++) {
                Projection.Part part = p.part(k);
                for (int s = 0; s < src.size(); s++) {
                    for (long i = part.rowStart(s); i < part.rowEnd(s); i++) {
                        links.add(new double[] {part.target(i), src.globalOffset() + s, sources.size() - 1, s, part.weight(i)});
                    }
                }
            }
        }
        // NEST adds the signals in the order the secondary events arrive: ascending sender id
        links.sort((x, q) -> x[0] != q[0] ? Double.compare(x[0], q[0]) : Double.compare(x[1], q[1]));
        normPtr = new int[size + 1];
        normSource = new BsshslmReadoutPopulation[links.size()];
        normLocal = new int[links.size()];
        normWeight = new double[links.size()];
        for (int i = 0; i < links.size(); i++) {
            double[] e = links.get(i);
            normPtr[(int) e[0] + 1]++;
            normSource[i] = sources.get((int) e[2]);
            normLocal[i] = (int) e[3];
            normWeight[i] = e[4];
        }
        for (int j = 0; j < size; j++) {
            normPtr[j + 1] += normPtr[j];
        }
    }

    @Override
    void beginStep(long t, int from, int to) {
        if (drive != null && from < to) {
            drive.apply(t, from, to, target, ignoredWindow);
        }
    }

    @Override
    void update(long t, int from, int to, StepEvents out) {
        final double[] in = input;
        final int base = (int) (t % ringSlots) * size;
        final int slot = (int) (t & 1) * size;
        final int prevSlot = (int) ((t - 1) & 1) * size;
        final boolean reset = resetOnUpdate && (t - SHIFT) % interval == 0;
        // the signal interval is shifted by delay_out_norm: the error of step t belongs to [4 + kU, 4 + (k+1)U)
        final boolean masked = (t - SHIFT - 1) % interval < interval - window;
        for (int j = from; j < to; j++) {
            double vj = reset ? 0.0 : v[j];
            double x = in[base + j];
            in[base + j] = 0.0;
            vj = pI * iIn[j] + pZ * x + pV * vj;
            vj = Math.max(vj, vMin);
            v[j] = vj;
            double yj;
            if (crossEntropy) {
                double norm = 0.0;
                if (t > 0) {
                    for (int i = normPtr[j]; i < normPtr[j + 1]; i++) {
                        norm += normWeight[i] * normSource[i].sent[prevSlot + normLocal[i]];
                    }
                }
                norm = norm + u[j];
                yj = u[j] / norm;
                u[j] = CLibMath.exp(vj + eL);
            } else {
                yj = u[j];
                u[j] = vj + eL;
            }
            double e = yj - target[j];
            if (masked) {
                target[j] = 0.0;
                yj = 0.0;
                e = 0.0;
            }
            y[j] = yj;
            err[slot + j] = e;
            sent[slot + j] = crossEntropy ? u[j] : 0.0;
            iIn[j] = iE;
        }
        lastStep = t;
    }

    /** Masked error of loop step {@code t} for readout j (valid for the current and the previous step). */
    public double error(long t, int j) {
        return err[(int) (t & 1) * size + j];
    }

    /** Masked readout signal y of the last update (the softmax output for cross-entropy). */
    public double readoutSignal(int j) {
        return y[j];
    }

    /** Unnormalised signal of the last update: v + E_L (MSE) or exp(v + E_L) (cross-entropy); unmasked. */
    public double unnormalisedSignal(int j) {
        return u[j];
    }

    public double target(int j) {
        return target[j];
    }

    public boolean crossEntropy() {
        return crossEntropy;
    }

    public double propagatorV() {
        return pV;
    }

    public double propagatorZ() {
        return pZ;
    }

    /** eprop_update_interval in steps. */
    public long updateIntervalSteps() {
        return interval;
    }

    /** eprop_learning_window in steps. */
    public long learningWindowSteps() {
        return window;
    }
}
