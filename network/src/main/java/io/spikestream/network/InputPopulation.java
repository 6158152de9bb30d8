package io.spikestream.network;

import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

/**
 * Input neurons ({@code parrot_neuron}): each spike the {@link InputDrive} schedules for loop step t is
 * emitted with stamp t+1, as a NEST parrot re-emits a generator spike. Spikes may also arrive through static
 * synapses (from {@link SpikeGeneratorPopulation}s, as in NEST): the parrot counts them (their multiplicities,
 * weights ignored) and relays all spikes of a step as one event carrying that count, as NEST 3.10's
 * parrot_neuron does. A parrot also sends flush events when configured. Updated by worker 0 only.
 */
public final class InputPopulation extends Population {

    private InputDrive drive = InputDrive.SILENT;
    private int[] scratchLocal;
    private int[] scratchMult;
    private int[] scratchLocal2;
    private int[] scratchMult2;

    InputPopulation(int index, String label, NeuronModel model, Params params, int size, int offset) {
        super(index, label, model, params, size, offset);
    }

    public void setDrive(InputDrive drive) {
        this.drive = drive == null ? InputDrive.SILENT : drive;
    }

    public InputDrive drive() {
        return drive;
    }

    @Override
    protected void writeModelState(StateWriter out) {
        // parrots keep no state of their own (the scratch arrays are refilled every step); the drive is a section
    }

    @Override
    protected void readModelState(StateReader in) {
    }

    @Override
    Object checkpointedDrive() {
        return drive;
    }

    @Override
    protected void prepareState() {
        scratchLocal = new int[size];
        scratchMult = new int[size];
        scratchLocal2 = new int[size];
        scratchMult2 = new int[size];
    }

    /** Set by the network when static synapses end on this population. */
    boolean hasSynapticInput;

    /**
     * Merges the spike counts that synapses deposited for step t (the input ring holds counts for parrots,
     * see {@link Projection}) into the drive's n spikes; clears the slot. Returns the new count.
     */
    private int addSynapticSpikes(long t, int n) {
        final double[] in = input;
        final int base = (int) (t % ringSlots) * size;
        int[] mergedLocal = scratchLocal2;
        int[] mergedMult = scratchMult2;
        int k = 0;
        int m = 0;
        for (int j = 0; j < size; j++) {
            int c = (int) in[base + j];
            in[base + j] = 0.0;
            boolean driven = k < n && scratchLocal[k] == j;
            if (driven || c > 0) {
                mergedLocal[m] = j;
                mergedMult[m++] = c + (driven ? scratchMult[k++] : 0);
            }
        }
        scratchLocal2 = scratchLocal;
        scratchMult2 = scratchMult;
        scratchLocal = mergedLocal;
        scratchMult = mergedMult;
        return m;
    }

    /** Parrots keep no state besides their last events: quiet when the drive and the input ring have nothing. */
    @Override
    boolean quiet(long step) {
        return inputRingEmpty() && drive.silentFrom(step);
    }

    @Override
    void skipQuiet(long from, long to) {
        // nothing but the flush events (Population#quietFlushes)
    }

    @Override
    void update(long t, int from, int to, StepEvents out) {
        if (from >= to) {
            return;
        }
        int n = drive.spikesAt(t, scratchLocal, scratchMult);
        if (hasSynapticInput) {
            n = addSynapticSpikes(t, n);
        }
        boolean flushing = flushSteps != TimeGrid.NEVER;
        int k = 0;
        if (!flushing) {
            for (int i = 0; i < n; i++) {
                int j = scratchLocal[i];
                out.spike(j, scratchMult[i]);
                lastEvent[j] = t;
            }
            return;
        }
        for (int j = 0; j < size; j++) {
            if (k < n && scratchLocal[k] == j) {
                out.spike(j, scratchMult[k]);
                lastEvent[j] = t;
                k++;
            } else if (flushDue(j, t)) {
                out.flushEvent(j);
                lastEvent[j] = t;
            }
        }
    }
}
