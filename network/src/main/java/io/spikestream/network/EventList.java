package io.spikestream.network;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.util.Arrays;

/**
 * All events of one stamp across the network, in the order NEST delivers them in ({@link DeliveryOrder}: spike
 * generators first, then the neurons by node id, grouped by virtual process when NEST ran on several),
 * which fixes the summation order of every target's input (bit-identical membranes need it).
 * Written by one thread at the step barrier, read by all workers during the next delivery phase.
 */
public final class EventList {

    int count;
    int[] population;
    int[] local;
    int[] mult;
    boolean[] flush;

    EventList(int capacity) {
        int c = Math.max(16, capacity);
        population = new int[c];
        local = new int[c];
        mult = new int[c];
        flush = new boolean[c];
    }

    void clear() {
        count = 0;
    }

    void append(int pop, StepEvents ev) {
        int n = ev.count;
        ensure(count + n);
        Arrays.fill(population, count, count + n, pop);
        System.arraycopy(ev.local, 0, local, count, n);
        System.arraycopy(ev.mult, 0, mult, count, n);
        System.arraycopy(ev.flush, 0, flush, count, n);
        count += n;
    }

    private void ensure(int cap) {
        if (cap > local.length) {
            int c = Math.max(cap, local.length * 2);
            population = Arrays.copyOf(population, c);
            local = Arrays.copyOf(local, c);
            mult = Arrays.copyOf(mult, c);
            flush = Arrays.copyOf(flush, c);
        }
    }

    void writeState(StateWriter out) {
        out.putInts(population, 0, count);
        out.putInts(local, 0, count);
        out.putInts(mult, 0, count);
        out.putBooleans(flush, 0, count);
    }

    void readState(StateReader in, int populations) throws CheckpointException {
        int[] pop = in.getInts("pending event populations");
        int n = pop.length;
        ensure(n);
        System.arraycopy(pop, 0, population, 0, n);
        in.readInts(local, n, "pending event sources");
        in.readInts(mult, n, "pending event multiplicities");
        in.readBooleans(flush, n, "pending event flush flags");
        for (int i = 0; i < n; i++) {
            if (population[i] < 0 || population[i] >= populations) {
                throw new CheckpointException(CheckpointException.Kind.CORRUPT, "pending event " + i
                    + " names population " + population[i] + " of " + populations);
            }
        }
        count = n;
    }

    public int count() {
        return count;
    }

    public int population(int i) {
        return population[i];
    }

    public int local(int i) {
        return local[i];
    }

    public int multiplicity(int i) {
        return mult[i];
    }

    public boolean isFlush(int i) {
        return flush[i];
    }
}
