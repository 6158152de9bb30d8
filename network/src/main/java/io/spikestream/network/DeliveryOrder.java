package io.spikestream.network;

/**
 * The order in which the events of one stamp reach their targets, which fixes the order in which a target's
 * input sum is rounded (bit-identical membranes need NEST's order). NEST 3.10 delivers
 * <ol>
 * <li>spike-generator (device) events first: a device hands its spike to its targets during its own update,
 *     in the step before the neurons' spikes of the same stamp are delivered; among devices in node-id order;</li>
 * <li>then the neurons' events in the order of the spike register: by thread (with one MPI process a node's
 *     virtual process is {@code node_id % total_num_virtual_procs}), within a thread in update order, i.e. by
 *     node id.</li>
 * </ol>
 * With one virtual process (the default) this is ascending node id after the generators; with V, the neurons'
 * events are regrouped by {@code node_id % V}, stably. A node's id is NEST's: {@code globalOffset + local + 1}
 * unless the population was given other ids ({@link Network#setNestNodeIds}).
 */
final class DeliveryOrder {

    private final Population[] pops;
    private final int[] order;
    private final boolean[] generator;
    private final int virtualProcesses;
    private int[] scratchPop = new int[64];
    private int[] scratchLocal = new int[64];
    private int[] scratchMult = new int[64];
    private boolean[] scratchFlush = new boolean[64];
    private final int[] perVp;

    DeliveryOrder(Population[] pops, int virtualProcesses) {
        this.pops = pops;
        this.virtualProcesses = virtualProcesses;
        this.generator = new boolean[pops.length];
        this.order = new int[pops.length];
        int k = 0;
        for (int i = 0; i < pops.length; i++) {
            generator[i] = pops[i].model().kind() == NeuronModel.Kind.GENERATOR;
            if (generator[i]) {
                order[k++] = i;
            }
        }
        long lastId = Long.MIN_VALUE;
        for (int i = 0; i < pops.length; i++) {
            if (!generator[i]) {
                order[k++] = i;
                if (virtualProcesses > 1) {
                    if (pops[i].nestNodeId(0) <= lastId) {
                        throw new IllegalStateException("NEST node ids must increase with creation order for the "
                            + "delivery order of " + virtualProcesses + " virtual processes: " + pops[i] + " starts at "
                            + pops[i].nestNodeId(0) + " after " + lastId);
                    }
                    lastId = pops[i].nestNodeId(pops[i].size() - 1);
                }
            }
        }
        this.perVp = new int[virtualProcesses + 1];
    }

    /** Population indices in the order their events are merged: generators first, then by index. */
    int[] populations() {
        return order;
    }

    /** Whether events of population i are device events (delivered with their multiplicity, not unrolled). */
    boolean isGenerator(int population) {
        return generator[population];
    }

    /** Regroups the neurons' events of {@code ev} by virtual process (stable); a no-op for one. */
    EventList arrange(EventList ev) {
        if (virtualProcesses == 1) {
            return ev;
        }
        int from = 0;
        while (from < ev.count && generator[ev.population[from]]) {
            from++;
        }
        int n = ev.count - from;
        if (n <= 1) {
            return ev;
        }
        if (scratchPop.length < n) {
            int c = Math.max(n, scratchPop.length * 2);
            scratchPop = new int[c];
            scratchLocal = new int[c];
            scratchMult = new int[c];
            scratchFlush = new boolean[c];
        }
        java.util.Arrays.fill(perVp, 0);
        for (int i = from; i < ev.count; i++) {
            perVp[vp(ev, i) + 1]++;
        }
        for (int v = 0; v < virtualProcesses; v++) {
            perVp[v + 1] += perVp[v];
        }
        for (int i = from; i < ev.count; i++) {
            int at = perVp[vp(ev, i)]++;
            scratchPop[at] = ev.population[i];
            scratchLocal[at] = ev.local[i];
            scratchMult[at] = ev.mult[i];
            scratchFlush[at] = ev.flush[i];
        }
        System.arraycopy(scratchPop, 0, ev.population, from, n);
        System.arraycopy(scratchLocal, 0, ev.local, from, n);
        System.arraycopy(scratchMult, 0, ev.mult, from, n);
        System.arraycopy(scratchFlush, 0, ev.flush, from, n);
        return ev;
    }

    private int vp(EventList ev, int i) {
        return (int) (pops[ev.population[i]].nestNodeId(ev.local[i]) % virtualProcesses);
    }
}
