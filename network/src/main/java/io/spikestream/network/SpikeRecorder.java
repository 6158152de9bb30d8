package io.spikestream.network;

import java.util.Arrays;

/**
 * Records spikes (never flush events) of the chosen neurons: NEST's {@code spike_recorder}. A spike with
 * stamp s is recorded at time {@code s * h} if {@code start < s*h <= stop}; an event of multiplicity m is m
 * rows, as NEST writes it (a parrot relaying coinciding spikes sends one event carrying their number).
 */
public final class SpikeRecorder {

    private final boolean[] recorded; // by global id
    private final long startStep;
    private final long stopStep;
    private long[] stamps = new long[256];
    private int[] senders = new int[256];
    private int count;

    SpikeRecorder(int networkSize, long startStep, long stopStep) {
        this.recorded = new boolean[networkSize];
        this.startStep = startStep;
        this.stopStep = stopStep;
    }

    void add(Population p, int[] locals) {
        if (locals == null) {
            Arrays.fill(recorded, p.globalOffset(), p.globalOffset() + p.size(), true);
        } else {
            for (int l : locals) {
                recorded[p.globalOffset() + l] = true;
            }
        }
    }

    void collect(long stamp, EventList ev, Population[] pops) {
        if (stamp <= startStep || stamp > stopStep) {
            return;
        }
        for (int i = 0; i < ev.count; i++) {
            if (ev.flush[i]) {
                continue;
            }
            int g = pops[ev.population[i]].globalOffset() + ev.local[i];
            if (!recorded[g]) {
                continue;
            }
            for (int rep = 0; rep < ev.mult[i]; rep++) {
                if (count == stamps.length) {
                    stamps = Arrays.copyOf(stamps, count * 2);
                    senders = Arrays.copyOf(senders, count * 2);
                }
                stamps[count] = stamp;
                senders[count] = g;
                count++;
            }
        }
    }

    public int count() {
        return count;
    }

    /** Stamp (in steps) of spike i; its time is stamp * h. */
    public long stamp(int i) {
        return stamps[i];
    }

    /** Global id of the sender of spike i. */
    public int sender(int i) {
        return senders[i];
    }

    public void clear() {
        count = 0;
    }
}
