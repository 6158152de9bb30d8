package io.spikestream.plasticity;

import io.spikestream.network.Population;
import io.spikestream.network.Projection;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The learning-signal (feedback) connections into one target population, as compressed rows by target neuron:
 * for neuron j, entries [ptr[j], ptr[j+1]) name a slot of a compact error vector (one slot per neuron of the
 * feeding readout populations) and a weight. A rule fills the error vector once per step and worker
 * ({@link #source}, {@link #sourceSlot}) and sums {@link #signal}: n_out loads of one small hot vector per neuron
 * instead of a population lookup and a virtual call per feedback synapse.
 *
 * <p>Per target neuron the entries are in ascending global source id (NEST's delivery order of learning signals,
 * so sums round the same way), connection order among equal ids. Built straight from the projections' rows:
 * 12 bytes per feedback synapse, no object per synapse.
 */
public final class LearningSignalIndex {

    private final int[] ptr;
    private final int[] slot;
    private final double[] weight;
    private final Population[] sources;
    private final int[] sourceSlot;
    private final int slots;

    private LearningSignalIndex(int[] ptr, int[] slot, double[] weight, Population[] sources, int[] sourceSlot, int slots) {
        this.ptr = ptr;
        this.slot = slot;
        this.weight = weight;
        this.sources = sources;
        this.sourceSlot = sourceSlot;
        this.slots = slots;
    }

    /** The index of {@code feedback} (projections all ending at {@code target}). */
    public static LearningSignalIndex build(Population target, List<Projection> feedback) {
        // feeding populations in ascending global id, each with the projections from it in connection order
        Map<Population, List<Projection>> bySource = new LinkedHashMap<>();
        feedback.stream().sorted(Comparator.comparingInt(p -> p.source().globalOffset()))
            .forEach(p -> bySource.computeIfAbsent(p.source(), x -> new ArrayList<>()).add(p));
        Population[] sources = bySource.keySet().toArray(new Population[0]);
        int[] sourceSlot = new int[sources.length];
        int slots = 0;
        for (int q = 0; q < sources.length; q++) {
            sourceSlot[q] = slots;
            slots += sources[q].size();
        }
        int n = target.size();
        long[] count = new long[n + 1];
        for (Projection p : feedback) {
            forEach(p, (s, j, w) -> count[j + 1]++);
        }
        for (int j = 0; j < n; j++) {
            count[j + 1] += count[j];
        }
        if (count[n] > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(count[n] + " learning-signal connections into " + target
                + " exceed the 2^31 an index holds");
        }
        int total = (int) count[n];
        int[] ptr = new int[n + 1];
        for (int j = 0; j <= n; j++) {
            ptr[j] = (int) count[j];
        }
        int[] fill = java.util.Arrays.copyOf(ptr, n);
        int[] slot = new int[total];
        double[] weight = new double[total];
        for (int q = 0; q < sources.length; q++) {
            List<Projection> ps = bySource.get(sources[q]);
            int base = sourceSlot[q];
            for (int s = 0; s < sources[q].size(); s++) {
                for (Projection p : ps) {
                    for (int k = 0; k < p.parts(); k++) {
                        Projection.Part part = p.part(k);
                        for (long i = part.rowStart(s); i < part.rowEnd(s); i++) {
                            int at = fill[part.target(i)]++;
                            slot[at] = base + s;
                            weight[at] = part.weight(i);
                        }
                    }
                }
            }
        }
        return new LearningSignalIndex(ptr, slot, weight, sources, sourceSlot, slots);
    }

    private interface Visit {
        void visit(int src, int tgt, double w);
    }

    private static void forEach(Projection p, Visit v) {
        for (int k = 0; k < p.parts(); k++) {
            Projection.Part part = p.part(k);
            for (int s = 0; s < p.source().size(); s++) {
                for (long i = part.rowStart(s); i < part.rowEnd(s); i++) {
                    v.visit(s, part.target(i), part.weight(i));
                }
            }
        }
    }

    /** Length of the error vector. */
    public int slots() {
        return slots;
    }

    /** Number of feeding populations. */
    public int sources() {
        return sources.length;
    }

    public Population source(int q) {
        return sources[q];
    }

    /** Slot of neuron 0 of feeding population q. */
    public int sourceSlot(int q) {
        return sourceSlot[q];
    }

    /** First entry of neuron j. */
    public int start(int j) {
        return ptr[j];
    }

    /** End (exclusive) of neuron j's entries. */
    public int end(int j) {
        return ptr[j + 1];
    }

    /** Error-vector slot of entry i. */
    public int slot(int i) {
        return slot[i];
    }

    /** Weight of entry i. */
    public double weight(int i) {
        return weight[i];
    }

    /** sum_i B_ji err_i over neuron j's feedback connections (0 without any). */
    public double signal(int j, double[] errors) {
        double ls = 0.0;
        for (int i = ptr[j], e = ptr[j + 1]; i < e; i++) {
            ls += weight[i] * errors[slot[i]];
        }
        return ls;
    }

    /** Heap bytes of the index. */
    public long bytes() {
        return (long) ptr.length * Integer.BYTES + (long) slot.length * (Integer.BYTES + Double.BYTES);
    }
}
