package io.spikestream.network;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

/**
 * Leaky-integrator readouts ({@code eprop_readout}, spec §1.7): {@code y = v + E_L} is compared with a
 * target, and the error is masked by the learning window. Recordables: {@code V_m} (unmasked),
 * {@code readout_signal}, {@code target_signal}, {@code error_signal} (all masked).
 *
 * <p>The masked error of step t is what a learning rule sends back as learning signal at the start of step
 * t+1. It is kept in a two-slot buffer indexed by step parity so that a worker reading step t's errors
 * (phase A of step t+1) never races with the owner writing step t+1's.
 */
public final class ReadoutPopulation extends Population {

    private double pV;
    private double pI;
    private double eL;
    private double iE;
    private double vMin;

    double[] v;
    double[] iIn;
    double[] target;
    double[] window;
    double[] readoutSignal;
    double[] targetSignal;
    /** Unmasked y = v + E_L of the last update (what a classifier scores). */
    double[] rawSignal;
    /** errorSignal[(t & 1) * size + j]: masked error of step t. */
    double[] errorSignal;
    private ReadoutDrive drive;

    ReadoutPopulation(int index, String label, NeuronModel model, Params params, int size, int offset) {
        super(index, label, model, params, size, offset);
    }

    public void setDrive(ReadoutDrive drive) {
        this.drive = drive;
    }

    @Override
    protected void prepareState() {
        double h = grid.resolutionMs();
        double tau = params.d("tau_m");
        pV = Math.exp(-h / tau);
        pI = tau / params.d("C_m") * (1.0 - pV);
        eL = params.d("E_L");
        iE = params.d("I_e");
        vMin = params.d("V_min") - eL;
        v = new double[size];
        java.util.Arrays.fill(v, params.d("V_m") - eL);
        iIn = new double[size];
        target = new double[size];
        window = new double[size];
        readoutSignal = new double[size];
        targetSignal = new double[size];
        rawSignal = new double[size];
        errorSignal = new double[2 * size];
        lastStep = -1;
        register("V_m", j -> v[j] + eL);
        register("readout_signal", j -> readoutSignal[j]);
        register("target_signal", j -> targetSignal[j]);
        register("error_signal", j -> errorSignal[(int) (lastStep & 1) * size + j]);
    }

    private long lastStep;

    @Override
    void beginStep(long t, int from, int to) {
        if (drive != null && from < to) {
            drive.apply(t, from, to, target, window);
        }
    }

    @Override
    void update(long t, int from, int to, StepEvents out) {
        final double[] in = input;
        final int base = (int) (t % ringSlots) * size;
        final int errBase = (int) (t & 1) * size;
        for (int j = from; j < to; j++) {
            double x = in[base + j];
            in[base + j] = 0.0;
            double vj = pI * iIn[j] + x + pV * v[j];
            vj = Math.max(vj, vMin);
            v[j] = vj;
            double y = vj + eL;
            double err = y - target[j];
            double w = window[j];
            double tg = target[j] * w;
            target[j] = tg;
            rawSignal[j] = y;
            readoutSignal[j] = y * w;
            targetSignal[j] = tg;
            errorSignal[errBase + j] = err * w;
            iIn[j] = iE;
        }
        lastStep = t;
    }

    /** eprop_readout with nothing pending in its input ring (a leaky integrator: it never spikes). */
    @Override
    boolean quiet(long step) {
        return inputRingEmpty();
    }

    /**
     * update with x = 0 until the membranes stop changing (bit-identical to stepping, see
     * {@link LifPopulation#skipQuiet}); the last two steps in full (drive, masked signals, both error slots), as
     * stepping leaves them.
     */
    @Override
    void skipQuiet(long from, long to) {
        long full = Math.max(from, to - 2);
        final double[] before = new double[size];
        long t = from;
        while (t < full) {
            long chunkEnd = Math.min(full, t + QuietDecay.CHECK_EVERY);
            System.arraycopy(v, 0, before, 0, size);
            for (; t < chunkEnd; t++) {
                for (int j = 0; j < size; j++) {
                    v[j] = Math.max(pI * iIn[j] + 0.0 + pV * v[j], vMin);
                    iIn[j] = iE;
                }
            }
            if (QuietDecay.same(before, 0, v)) {
                break;
            }
        }
        for (t = full; t < to; t++) {
            // the ring is empty (quiet), so update's input is 0.0 in every slot: the same arithmetic as above
            beginStep(t, 0, size);
            update(t, 0, size, null);
        }
    }

    @Override
    protected void writeModelState(StateWriter out) {
        out.putDoubles(v);
        out.putDoubles(iIn);
        out.putDoubles(target);
        out.putDoubles(window);
        out.putDoubles(readoutSignal);
        out.putDoubles(targetSignal);
        out.putDoubles(rawSignal);
        out.putDoubles(errorSignal);
        out.putLong(lastStep);
    }

    @Override
    protected void readModelState(StateReader in) throws CheckpointException {
        in.readDoubles(v, "V_m");
        in.readDoubles(iIn, "i_in");
        in.readDoubles(target, "target");
        in.readDoubles(window, "learning window");
        in.readDoubles(readoutSignal, "readout_signal");
        in.readDoubles(targetSignal, "target_signal");
        in.readDoubles(rawSignal, "raw signal");
        in.readDoubles(errorSignal, "error_signal");
        lastStep = in.getLong();
    }

    @Override
    Object checkpointedDrive() {
        return drive;
    }

    public ReadoutDrive drive() {
        return drive;
    }

    /** Masked error of loop step {@code t} for readout j (valid for the current and the previous step). */
    public double error(long t, int j) {
        return errorSignal[(int) (t & 1) * size + j];
    }

    /** The two-slot error buffer; step t's errors start at {@code (t & 1) * size()}. */
    public double[] errorBuffer() {
        return errorSignal;
    }

    /** Unmasked readout value y = V_m of the last update. */
    public double rawSignal(int j) {
        return rawSignal[j];
    }

    public double window(int j) {
        return window[j];
    }

    public double target(int j) {
        return target[j];
    }

    public double propagatorV() {
        return pV;
    }
}
