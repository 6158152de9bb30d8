package io.spikestream.network;

import java.util.ArrayList;
import java.util.List;

/**
 * Phase B of a step and the events between steps: delivers the events of stamp t through every outgoing projection
 * of their sources (plastic rows through their rule first), collects what each worker's neurons emit, and merges
 * those into the next stamp's events in NEST's order ({@link DeliveryOrder}). Split out of {@link Network}, which
 * keeps the step's other phases, the workers and the devices.
 *
 * <p>A neuron's event of multiplicity m reaches every synapse as m events of multiplicity 1 (NEST unrolls it when
 * sending: plastic synapses handle single spikes); a generator's event keeps its multiplicity. Worker k delivers only
 * into its own part of each projection, so workers never share a synapse.
 */
final class SpikeDelivery {

    private final Population[] pops;
    private final int workers;
    /** Per source population: its projections that carry spikes. */
    private final Projection[][] outgoing;
    private final DeliveryOrder order;
    /** Per worker and population: the events the worker's neurons emitted this step. */
    private final StepEvents[][] stepEvents;
    private final List<WeightRecorder> weightRecorders;
    /** The events of the stamp being delivered, and the list the next stamp is merged into (swapped per step). */
    private EventList current = new EventList(1024);
    private EventList next = new EventList(1024);
    /** Synaptic events per worker, padded to one cache line per worker. */
    private final long[] synapticEvents;
    private final long[] spikeCounts;

    SpikeDelivery(Population[] pops, List<Projection> projections, int workers, int virtualProcesses,
                  List<WeightRecorder> weightRecorders) {
        this.pops = pops;
        this.workers = workers;
        this.weightRecorders = weightRecorders;
        this.order = new DeliveryOrder(pops, virtualProcesses);
        this.outgoing = new Projection[pops.length][];
        for (int i = 0; i < pops.length; i++) {
            List<Projection> out = new ArrayList<>();
            for (Projection p : projections) {
                if (p.source() == pops[i] && p.model().carriesSpikes()) {
                    out.add(p);
                }
            }
            outgoing[i] = out.toArray(new Projection[0]);
        }
        stepEvents = new StepEvents[workers][pops.length];
        for (int k = 0; k < workers; k++) {
            for (int i = 0; i < pops.length; i++) {
                stepEvents[k][i] = new StepEvents(Math.min(pops[i].size(), 1024));
            }
        }
        synapticEvents = new long[workers * 8];
        spikeCounts = new long[pops.length];
    }

    /** Worker k, phase B of step t: the events of stamp t into worker k's synapses. */
    void deliver(int k, long t) {
        final EventList ev = current;
        final boolean recordingWeights = !weightRecorders.isEmpty();
        long delivered = 0;
        for (int i = 0, n = ev.count; i < n; i++) {
            final int src = ev.local[i];
            final boolean flush = ev.flush[i];
            final boolean device = order.isGenerator(ev.population[i]);
            final int repeats = device || flush ? 1 : ev.mult[i];
            final int mult = device ? ev.mult[i] : 1;
            for (Projection proj : outgoing[ev.population[i]]) {
                Projection.Part part = proj.part(k);
                long a = part.rowPtr[src];
                long b = part.rowPtr[src + 1];
                if (a == b) {
                    continue;
                }
                PlasticityRule rule = proj.model().rule();
                for (int rep = 0; rep < repeats; rep++) {
                    if (rule == null) {
                        if (!flush) {
                            proj.deposit(part, src, t, mult);
                            delivered += b - a;
                        }
                        continue;
                    }
                    boolean transmit = rule.onPresynapticEvent(k, proj, part, src, t, flush);
                    if (!flush && transmit) {
                        proj.deposit(part, src, t, mult);
                        delivered += b - a;
                        if (recordingWeights) {
                            for (WeightRecorder wr : weightRecorders) {
                                wr.record(k, proj, part, src, t);
                            }
                        }
                    }
                }
            }
        }
        synapticEvents[k * 8] += delivered;
    }

    /** Worker k's event lists, one per population, for the neuron updates of phase C to fill. */
    StepEvents[] eventsOf(int k) {
        return stepEvents[k];
    }

    /**
     * Single-threaded, after every worker's phase C: the events emitted in this step, merged in NEST's order, become
     * the events of the next stamp (returned; also {@link #current}). Counts the spikes.
     */
    EventList merge() {
        EventList merged = next;
        merged.clear();
        for (int i : order.populations()) {
            long before = merged.count;
            for (int k = 0; k < workers; k++) {
                merged.append(i, stepEvents[k][i]);
            }
            for (long q = before; q < merged.count; q++) {
                if (!merged.flush[(int) q]) {
                    spikeCounts[i]++;
                }
            }
        }
        merged = order.arrange(merged);
        next = current;
        current = merged;
        return merged;
    }

    /** The order in which populations' events are delivered and merged. */
    DeliveryOrder order() {
        return order;
    }

    /**
     * A quiet stretch {@code [from, to)} carried by {@link Network#skipQuiet}: the flush events emitted before its last
     * step reach the plastic projections at their stamps (emitted + 1), in stamp order, then delivery order of
     * populations, then neuron (one sortable key per event); those of the last step become the workers' step events,
     * which the caller merges into the next stamp's events.
     */
    void deliverQuietFlushes(long from, long to, QuietFlushes flushes) {
        final long steps = to - from;
        int[] popOrder = order.populations();
        int[] rank = new int[pops.length];
        for (int q = 0; q < popOrder.length; q++) {
            rank[popOrder[q]] = q;
        }
        // flush events emitted before the last step are delivered in the stretch, each at its stamp (emitted + 1),
        // in stamp order, then delivery order of populations, then neuron: one sortable key per event
        long[] key = new long[flushes.n];
        int[] firstRank = new int[popOrder.length + 1];
        for (int q = 0; q < popOrder.length; q++) {
            firstRank[q + 1] = firstRank[q] + pops[popOrder[q]].size();
        }
        if (firstRank[popOrder.length] >= 1 << 24 || steps >= 1L << 38) {
            throw new IllegalArgumentException("skipQuiet: " + steps + " steps of a network of " + firstRank[popOrder.length]
                + " neurons exceed the flush-event key (2^38 steps, 2^24 neurons); skip in parts");
        }
        for (int q = 0; q < flushes.n; q++) {
            key[q] = (flushes.at[q] - from) << 24 | (firstRank[rank[flushes.pop[q]]] + flushes.neuron[q]);
        }
        java.util.Arrays.sort(key);
        for (StepEvents[] perWorker : stepEvents) {
            for (StepEvents ev : perWorker) {
                ev.clear();
            }
        }
        for (long kq : key) {
            int g = (int) (kq & ((1 << 24) - 1));
            int q = java.util.Arrays.binarySearch(firstRank, g);
            int r = q >= 0 ? q : -q - 2; // populations are never empty: the starts strictly increase
            int i = popOrder[r];
            int src = g - firstRank[r];
            long stamp = from + (kq >>> 24) + 1;
            if (stamp == to) {
                Population p = pops[i];
                int k = 0;
                while (src >= p.chunk[k + 1]) {
                    k++;
                }
                stepEvents[k][i].flushEvent(src);
                continue;
            }
            for (Projection proj : outgoing[i]) {
                PlasticityRule rule = proj.model().rule();
                if (rule == null) {
                    continue;
                }
                for (int k = 0; k < workers; k++) {
                    Projection.Part part = proj.part(k);
                    if (part.rowPtr[src] != part.rowPtr[src + 1]) {
                        rule.onPresynapticEvent(k, proj, part, src, stamp, true);
                    }
                }
            }
        }
    }

    /** The events of the stamp about to be delivered. */
    EventList current() {
        return current;
    }

    long synapticEvents(int k) {
        return synapticEvents[k * 8];
    }

    void setSynapticEvents(int k, long events) {
        synapticEvents[k * 8] = events;
    }

    long totalSynapticEvents() {
        long s = 0;
        for (int k = 0; k < workers; k++) {
            s += synapticEvents[k * 8];
        }
        return s;
    }

    /** Spikes per population so far (checkpoints read and write it in place). */
    long[] spikeCounts() {
        return spikeCounts;
    }
}
