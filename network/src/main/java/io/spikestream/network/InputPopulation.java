package io.spikestream.network;

import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

/**
 * Input neurons ({@code parrot_neuron}): each spike the {@link InputDrive} schedules for loop step t is
 * emitted with stamp t+1, as a NEST parrot re-emits a generator spike. A parrot also sends flush events
 * when configured. Updated by worker 0 only.
 */
public final class InputPopulation extends Population {

    private InputDrive drive = InputDrive.SILENT;
    private int[] scratchLocal;
    private int[] scratchMult;

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
    }

    @Override
    void update(long t, int from, int to, StepEvents out) {
        if (from >= to) {
            return;
        }
        int n = drive.spikesAt(t, scratchLocal, scratchMult);
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
