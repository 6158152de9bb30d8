package io.spikestream.plasticity.nest;

import com.fasterxml.jackson.databind.JsonNode;
import io.spikestream.network.Connectivity;
import io.spikestream.network.BsshslmReadoutPopulation;
import io.spikestream.network.Multimeter;
import io.spikestream.network.NeuronModel;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.ReadoutPopulation;
import io.spikestream.network.SpikeGeneratorPopulation;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.network.WeightInit;
import io.spikestream.plasticity.bsshslm.BsshslmEpropRule;
import io.spikestream.plasticity.eprop.EpropRule;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Rebuilds one {@link FixtureCase}'s network in the engine: populations from consecutive NEST nodes of one model and
 * parameter set, connections grouped per (source population, target population, synapse model), the spike and rate
 * generators' inputs, and the recorders. Strict by design: a parameter, synapse model or recorder this engine does
 * not know is an error naming the file and node, so a new NEST feature can never be ignored silently.
 */
final class FixtureNetworkBuilder {

    /** Status keys of neurons that are NEST bookkeeping or recorded state, not parameters. */
    private static final Set<String> IGNORED = Set.of("learning_signal", "surrogate_gradient", "model_id", "node_uses_wfr",
        "recordables", "ignore_and_spike_interval", "ignore_and_spike_offset", "error_signal", "readout_signal",
        "target_signal", "receptor_types", "Ca", "archiver_length", "beta_Ca", "post_trace", "synaptic_elements",
        "t_spike", "tau_Ca", "tau_minus", "tau_minus_triplet", "global_id", "local_id", "vp", "thread", "element_type",
        "frozen", "thread_local_id", "node_id", "model", "eprop_history_duration", "readout_signal_unnorm");

    /** Status keys of spike generators that are data or bookkeeping (spike times and multiplicities are data). */
    private static final Set<String> GENERATOR_DATA = Set.of("label", "spike_times", "spike_multiplicities",
        "stimulus_source", "spike_weights");

    /** NEST's e-prop kernel parameters, which the time-driven models carry as population parameters. */
    private static final List<String> KERNEL_EPROP_KEYS = List.of("eprop_update_interval", "eprop_learning_window",
        "eprop_reset_neurons_on_update");

    private final FixtureCase c;
    private final FixtureCase.Run run;

    FixtureNetworkBuilder(FixtureCase c, FixtureCase.Run run) {
        this.c = c;
        this.run = run;
    }

    void buildPopulations() {
        List<JsonNode> neurons = new ArrayList<>();
        for (JsonNode n : c.nodes) {
            if (FixtureCase.NEURON_MODELS.contains(n.path("model").asText())) {
                neurons.add(n);
            } else if (!FixtureCase.isDevice(n.path("model").asText())) {
                throw new IllegalArgumentException(c.name + "/c.nodes.json: node " + n.path("node_id").asInt()
                    + " has model '" + n.path("model").asText() + "', which this engine does not implement");
            }
        }
        neurons.sort((a, b) -> Integer.compare(a.path("node_id").asInt(), b.path("node_id").asInt()));
        int i = 0;
        while (i < neurons.size()) {
            JsonNode first = neurons.get(i);
            String model = first.path("model").asText();
            Map<String, Object> params = params(first);
            int j = i + 1;
            // a population holds consecutive NEST node ids (its NEST ids fix the delivery order, see DeliveryOrder)
            while (j < neurons.size() && neurons.get(j).path("model").asText().equals(model)
                && neurons.get(j).path("node_id").asInt() == neurons.get(j - 1).path("node_id").asInt() + 1
                && params(neurons.get(j)).equals(params)) {
                j++;
            }
            Population pop = run.net.create(model + "@" + first.path("node_id").asInt(), model, j - i, params);
            run.net.setNestNodeIds(pop, first.path("node_id").asInt());
            for (int q = i; q < j; q++) {
                int id = neurons.get(q).path("node_id").asInt();
                run.byNestId.put(id, new FixtureCase.NodeRef(pop, q - i));
                run.nestIdOfGlobal.put(pop.globalOffset() + q - i, id);
            }
            i = j;
        }
    }

    private Map<String, Object> params(JsonNode node) {
        String model = node.path("model").asText();
        Map<String, Object> defaults = NeuronModel.byName(model).defaults();
        Map<String, Object> out = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.path("params").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            JsonNode v = e.getValue();
            if (k.equals("ignore_and_spike")) {
                if (v.asBoolean()) {
                    throw new IllegalArgumentException(c.name + ": node " + node.path("node_id").asInt()
                        + " uses ignore_and_spike, which this engine does not implement");
                }
                continue;
            }
            if (IGNORED.contains(k)) {
                continue;
            }
            if (model.equals("spike_generator") && GENERATOR_DATA.contains(k)) {
                boolean empty = v.isArray() ? v.isEmpty() : v.asText().isEmpty();
                if (!empty && (k.equals("spike_weights") || k.equals("stimulus_source"))) {
                    throw new IllegalArgumentException(c.name + ": spike_generator " + node.path("node_id").asInt()
                        + " uses " + k + ", which this engine does not implement");
                }
                continue;
            }
            if (!defaults.containsKey(k)) {
                throw new IllegalArgumentException(c.name + "/c.nodes.json: node " + node.path("node_id").asInt() + " ("
                    + model + ") has parameter '" + k + "' unknown to this engine");
            }
            Object def = defaults.get(k);
            Object val;
            if (def instanceof Double) {
                double d = v.asDouble();
                if (k.equals("f_target")) {
                    // NEST reports f_target in spikes/ms; the engine takes spikes/s (as NEST's SetStatus)
                    double hz = d * 1000.0;
                    if (hz / 1000.0 != d) {
                        throw new IllegalArgumentException(c.name + ": f_target " + d + " spikes/ms does not survive the "
                            + "conversion to spikes/s exactly");
                    }
                    d = hz;
                }
                val = d;
            } else if (def instanceof Boolean) {
                val = v.asBoolean();
            } else {
                val = v.asText();
            }
            out.put(k, val);
        }
        if (NeuronModel.byName(model).timeDriven()) {
            for (String k : KERNEL_EPROP_KEYS) {
                JsonNode v = c.kernel.path(k);
                if (!v.isMissingNode()) {
                    out.put(k, v.isBoolean() ? (Object) v.asBoolean() : (Object) v.asDouble());
                }
            }
        }
        return out;
    }

    private FixtureCase.NodeRef ref(int id, int row) {
        FixtureCase.NodeRef r = run.byNestId.get(id);
        if (r == null) {
            throw new IllegalArgumentException(c.name + "/c.connections.csv row " + (row + 2) + ": node " + id + " is not a neuron");
        }
        return r;
    }

    void buildConnections(TimeGrid grid) {
        int cSrc = c.connections.col("source");
        int cTgt = c.connections.col("target");
        int cModel = c.connections.col("synapse_model");
        int cDelay = c.connections.col("delay");
        int cRec = c.connections.col("receptor");
        int cW = c.connections.col("weight_initial");
        // grouped (srcPop, tgtPop, model) -> rows, in file order
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        Map<Integer, int[]> readoutRates = new TreeMap<>(); // generator id -> {readout id, receptor}
        List<int[]> rateLinks = new ArrayList<>();
        for (int r = 0; r < c.connections.size(); r++) {
            int s = (int) c.connections.num(r, cSrc);
            int t = (int) c.connections.num(r, cTgt);
            String model = c.connections.str(r, cModel);
            boolean srcNeuron = run.byNestId.containsKey(s);
            boolean tgtNeuron = run.byNestId.containsKey(t);
            switch (model) {
                case "static_synapse" -> {
                    if (srcNeuron && tgtNeuron) {
                        FixtureCase.NodeRef a = run.byNestId.get(s);
                        FixtureCase.NodeRef b = run.byNestId.get(t);
                        groups.computeIfAbsent(a.pop().index() + "|" + b.pop().index() + "|static_synapse", x -> new ArrayList<>()).add(r);
                    }
                    // recorder links (neuron -> spike_recorder, multimeter -> neuron) are read in buildRecorders
                }
                case EpropRule.SYNAPSE, EpropRule.LEARNING_SIGNAL, BsshslmEpropRule.SYNAPSE,
                     BsshslmEpropRule.LEARNING_SIGNAL -> {
                    FixtureCase.NodeRef a = ref(s, r);
                    FixtureCase.NodeRef b = ref(t, r);
                    groups.computeIfAbsent(a.pop().index() + "|" + b.pop().index() + "|" + model, x -> new ArrayList<>()).add(r);
                }
                case "rate_connection_delayed" -> {
                    FixtureCase.NodeRef b = ref(t, r);
                    if (srcNeuron) {
                        // readout -> readout: the unnormalised signals of a cross-entropy readout (spec §5.4)
                        FixtureCase.NodeRef a = run.byNestId.get(s);
                        groups.computeIfAbsent(a.pop().index() + "|" + b.pop().index() + "|" + model + "|"
                            + (int) c.connections.num(r, cRec), x -> new ArrayList<>()).add(r);
                    } else if (b.pop() instanceof ReadoutPopulation || b.pop() instanceof BsshslmReadoutPopulation) {
                        rateLinks.add(new int[] {s, t, (int) c.connections.num(r, cRec)});
                    } else {
                        throw new IllegalArgumentException(c.name + ": rate connection into non-readout node " + t);
                    }
                }
                default -> throw new IllegalArgumentException(c.name + "/c.connections.csv row " + (r + 2)
                    + ": synapse model '" + model + "' is not supported");
            }
        }
        for (Map.Entry<String, List<Integer>> g : groups.entrySet()) {
            String[] key = g.getKey().split("\\|");
            Population pre = run.net.populations().get(Integer.parseInt(key[0]));
            Population post = run.net.populations().get(Integer.parseInt(key[1]));
            List<Integer> rows = g.getValue();
            int[] src = new int[rows.size()];
            int[] tgt = new int[rows.size()];
            double[] w = new double[rows.size()];
            double[] d = new double[rows.size()];
            for (int q = 0; q < rows.size(); q++) {
                int r = rows.get(q);
                src[q] = run.byNestId.get((int) c.connections.num(r, cSrc)).local();
                tgt[q] = run.byNestId.get((int) c.connections.num(r, cTgt)).local();
                w[q] = c.connections.num(r, cW);
                d[q] = c.connections.num(r, cDelay);
            }
            int receptor = key.length > 3 ? Integer.parseInt(key[3]) : 0;
            Projection p = run.net.connect(pre, post, Connectivity.explicit(src, tgt),
                SynapseSpec.of(key[2]).weight(WeightInit.values(w)).delays(d).receptor(receptor));
            if (key[2].equals(EpropRule.SYNAPSE) || key[2].equals(BsshslmEpropRule.SYNAPSE)) {
                run.plastic.add(p);
            }
        }
        buildInputs();
        buildRates(grid, rateLinks);
    }

    /** Every spike generator's spike times (and multiplicities, if NEST had any) from input_spike_generators.json. */
    private void buildInputs() {
        Map<Integer, JsonNode> generators = new TreeMap<>();
        for (JsonNode n : c.nodes) {
            if (n.path("model").asText().equals("spike_generator")) {
                generators.put(n.path("node_id").asInt(), n);
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = c.inputs.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int gen = Integer.parseInt(e.getKey());
            FixtureCase.NodeRef ref = run.byNestId.get(gen);
            if (ref == null || !(ref.pop() instanceof SpikeGeneratorPopulation sg)) {
                throw new IllegalArgumentException(c.name + "/input_spike_generators.json: node " + gen
                    + " is not a spike_generator");
            }
            JsonNode v = e.getValue();
            JsonNode times = v.isArray() ? v : v.path("spike_times");
            double[] t = new double[times.size()];
            for (int i = 0; i < t.length; i++) {
                t[i] = times.get(i).asDouble();
            }
            JsonNode mult = v.isArray() ? generators.get(gen).path("params").path("spike_multiplicities")
                : v.path("spike_multiplicities");
            int[] m = null;
            if (mult.isArray() && !mult.isEmpty()) {
                m = new int[mult.size()];
                for (int i = 0; i < m.length; i++) {
                    m[i] = mult.get(i).asInt();
                }
            }
            sg.setSpikeTimes(ref.local(), t, m);
        }
    }

    private void buildRates(TimeGrid grid, List<int[]> links) {
        Map<Population, RateTable> drives = new LinkedHashMap<>();
        for (int[] l : links) {
            JsonNode g = c.rates.path(Integer.toString(l[0]));
            if (g.isMissingNode()) {
                throw new IllegalArgumentException(c.name + ": rate generator " + l[0] + " has no entry in rate_generators.json");
            }
            FixtureCase.NodeRef ref = run.byNestId.get(l[1]);
            Population rp = ref.pop();
            RateTable table = drives.computeIfAbsent(rp, x -> new RateTable(rp.size()));
            if (rp instanceof BsshslmReadoutPopulation && l[2] != 2) {
                throw new IllegalArgumentException(c.name + ": " + rp.model().nestName() + " takes generator input on "
                    + "receptor 2 (target) only, got receptor " + l[2]);
            }
            JsonNode times = g.path("amplitude_times");
            JsonNode values = g.path("amplitude_values");
            long[] steps = new long[times.size()];
            double[] vals = new double[times.size()];
            for (int i = 0; i < steps.length; i++) {
                steps[i] = Math.round(times.get(i).asDouble() / grid.resolutionMs());
                vals[i] = values.get(i).asDouble();
            }
            switch (l[2]) {
                case 1 -> table.window(ref.local(), steps, vals);
                case 2 -> table.target(ref.local(), steps, vals);
                default -> throw new IllegalArgumentException(c.name + ": readout receptor " + l[2] + " is not 1 (window) or 2 (target)");
            }
        }
        drives.forEach((pop, table) -> {
            if (pop instanceof ReadoutPopulation rp) {
                rp.setDrive(table);
            } else {
                ((BsshslmReadoutPopulation) pop).setDrive(table);
            }
        });
    }

    void buildRecorders() {
        Map<Integer, List<Integer>> linked = new TreeMap<>(); // recorder id -> neuron ids
        int cSrc = c.connections.col("source");
        int cTgt = c.connections.col("target");
        int cModel = c.connections.col("synapse_model");
        for (int r = 0; r < c.connections.size(); r++) {
            if (!c.connections.str(r, cModel).equals("static_synapse")) {
                continue;
            }
            int s = (int) c.connections.num(r, cSrc);
            int t = (int) c.connections.num(r, cTgt);
            if (run.byNestId.containsKey(s) && !run.byNestId.containsKey(t)) {
                linked.computeIfAbsent(t, x -> new ArrayList<>()).add(s); // neuron -> spike recorder
            } else if (!run.byNestId.containsKey(s) && run.byNestId.containsKey(t)) {
                linked.computeIfAbsent(s, x -> new ArrayList<>()).add(t); // multimeter -> neuron
            }
        }
        for (JsonNode rec : c.recorders) {
            int id = rec.path("node_id").asInt();
            String model = rec.path("model").asText();
            double start = rec.path("start").asDouble(0.0);
            double stop = Math.min(rec.path("stop").asDouble(Double.MAX_VALUE), 1e300);
            List<Integer> ids = linked.getOrDefault(id, List.of());
            switch (model) {
                case "multimeter" -> {
                    List<String> from = new ArrayList<>();
                    rec.path("record_from").forEach(x -> from.add(x.asText()));
                    Multimeter m = run.net.multimeter(from, start, stop, rec.path("interval").asDouble(c.resolution));
                    for (int n : ids.stream().sorted().toList()) {
                        FixtureCase.NodeRef ref = run.byNestId.get(n);
                        run.net.addToMultimeter(m, ref.pop(), ref.local());
                    }
                    run.multimeters.put(id, m);
                }
                case "spike_recorder" -> {
                    Map<Population, int[]> sel = new LinkedHashMap<>();
                    Map<Population, List<Integer>> tmp = new LinkedHashMap<>();
                    for (int n : ids) {
                        FixtureCase.NodeRef ref = run.byNestId.get(n);
                        tmp.computeIfAbsent(ref.pop(), x -> new ArrayList<>()).add(ref.local());
                    }
                    tmp.forEach((p, l) -> sel.put(p, l.stream().mapToInt(Integer::intValue).toArray()));
                    run.spikeRecorders.put(id, run.net.recordSpikes(sel, start, stop));
                }
                case "weight_recorder" -> {
                    int[] senders = globalIds(rec.path("senders").path("node_ids"));
                    int[] targets = globalIds(rec.path("targets").path("node_ids"));
                    run.weightRecorders.put(id, run.net.recordWeights(senders, targets, start, stop));
                }
                default -> throw new IllegalArgumentException(c.name + "/c.recorders.json: unknown recorder model " + model);
            }
        }
    }

    private int[] globalIds(JsonNode ids) {
        if (ids.isMissingNode() || ids.isEmpty()) {
            return null;
        }
        int[] out = new int[ids.size()];
        for (int i = 0; i < out.length; i++) {
            FixtureCase.NodeRef r = run.byNestId.get(ids.get(i).asInt());
            out[i] = r.pop().globalOffset() + r.local();
        }
        return out;
    }
}
