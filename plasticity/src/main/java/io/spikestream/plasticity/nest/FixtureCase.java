package io.spikestream.plasticity.nest;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.spikestream.network.Connectivity;
import io.spikestream.network.BsshslmReadoutPopulation;
import io.spikestream.network.Multimeter;
import io.spikestream.network.Network;
import io.spikestream.network.NeuronModel;
import io.spikestream.network.PlasticityRule;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.ReadoutPopulation;
import io.spikestream.network.SpikeGeneratorPopulation;
import io.spikestream.network.SpikeRecorder;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.network.WeightInit;
import io.spikestream.network.WeightRecorder;
import io.spikestream.plasticity.bsshslm.BsshslmConfig;
import io.spikestream.plasticity.bsshslm.BsshslmEpropRule;
import io.spikestream.plasticity.eprop.EpropRule;
import io.spikestream.plasticity.optim.OptimizerSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One case of NEST's e-prop fixture format (a directory as in {@code shared/fixtures/nest-eprop/<case>};
 * spec §10): the network at simulation start, its inputs, recorders and the results NEST produced.
 * {@link #run} rebuilds the network with spikestream's engine, simulates it and returns the recordings;
 * {@link FixtureComparison} compares them with NEST's.
 *
 * <p>Accepts cases it has never seen: populations are formed from consecutive nodes of one model with
 * identical parameters; unknown node parameters are an error (so a new NEST parameter cannot be ignored
 * silently), NEST's bookkeeping keys are skipped. Cases of the time-driven {@code *_bsshslm_2020} models run
 * with {@link BsshslmEpropRule} (spec §5.11): the kernel's e-prop parameters become parameters of those
 * populations, and {@code tau_m_readout}, which the format does not store, is taken from the readouts' {@code tau_m}
 * as NEST's tests set it.
 */
public final class FixtureCase {

    static final ObjectMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    /** Status keys of neurons that are NEST bookkeeping or recorded state, not parameters. */
    private static final Set<String> IGNORED = Set.of("learning_signal", "surrogate_gradient", "model_id", "node_uses_wfr",
        "recordables", "ignore_and_spike_interval", "ignore_and_spike_offset", "error_signal", "readout_signal",
        "target_signal", "receptor_types", "Ca", "archiver_length", "beta_Ca", "post_trace", "synaptic_elements",
        "t_spike", "tau_Ca", "tau_minus", "tau_minus_triplet", "global_id", "local_id", "vp", "thread", "element_type",
        "frozen", "thread_local_id", "node_id", "model", "eprop_history_duration", "readout_signal_unnorm");

    /** Status keys of spike generators that are data or bookkeeping (spike times and multiplicities are data). */
    private static final Set<String> GENERATOR_DATA = Set.of("label", "spike_times", "spike_multiplicities",
        "stimulus_source", "spike_weights");

    private static final Set<String> NEURON_MODELS = Set.of("spike_generator", "parrot_neuron", "eprop_iaf", "eprop_iaf_adapt",
        "eprop_iaf_psc_delta", "eprop_iaf_psc_delta_adapt", "eprop_readout", "eprop_iaf_bsshslm_2020",
        "eprop_iaf_adapt_bsshslm_2020", "eprop_readout_bsshslm_2020");

    /** NEST's e-prop kernel parameters, which the time-driven models carry as population parameters. */
    private static final List<String> KERNEL_EPROP_KEYS = List.of("eprop_update_interval", "eprop_learning_window",
        "eprop_reset_neurons_on_update");

    final Path dir;
    final String name;
    final JsonNode meta;
    final JsonNode kernel;
    final double resolution;
    final double tSimMs;
    final JsonNode nodes;
    final JsonNode inputs;
    final JsonNode rates;
    final JsonNode recorders;
    final JsonNode synapseDefaults;
    final CsvTable connections;

    private FixtureCase(Path dir) throws IOException {
        this.dir = dir;
        this.name = dir.getFileName().toString();
        this.meta = readJson("meta.json");
        this.kernel = readJson("kernel_status_pre.json");
        this.resolution = kernel.path("resolution").asDouble(1.0);
        this.nodes = readJson("nodes.json");
        this.inputs = optionalJson("input_spike_generators.json");
        this.rates = optionalJson("rate_generators.json");
        this.recorders = optionalJson("recorders.json");
        this.synapseDefaults = readJson("synapse_defaults.json");
        this.connections = CsvTable.read(dir.resolve("connections.csv"));
        this.tSimMs = simulationTime();
    }

    /** Reads a case directory; throws with the file name on any missing or malformed file. */
    public static FixtureCase load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": not a fixture case directory");
        }
        return new FixtureCase(dir);
    }

    public String name() {
        return name;
    }

    private JsonNode readJson(String file) throws IOException {
        Path p = dir.resolve(file);
        if (!Files.exists(p)) {
            throw new IOException(p + ": missing (every fixture case needs it)");
        }
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new IOException(p + ": malformed JSON: " + e.getMessage(), e);
        }
    }

    private JsonNode optionalJson(String file) throws IOException {
        return Files.exists(dir.resolve(file)) ? readJson(file) : JSON.createObjectNode();
    }

    private double simulationTime() throws IOException {
        if (meta.has("t_sim_ms")) {
            return meta.get("t_sim_ms").asDouble();
        }
        Path index = dir.getParent() == null ? null : dir.getParent().resolve("index.json");
        if (index != null && Files.exists(index)) {
            for (JsonNode c : JSON.readTree(index.toFile()).path("cases")) {
                if (name.equals(c.path("case").asText()) && c.has("t_sim_ms")) {
                    return c.get("t_sim_ms").asDouble();
                }
            }
        }
        throw new IOException(dir + ": no t_sim_ms in meta.json nor in ../index.json");
    }

    /** Model names of the case's nodes. */
    public Set<String> models() {
        Set<String> s = new java.util.TreeSet<>();
        for (JsonNode n : nodes) {
            s.add(n.path("model").asText());
        }
        return s;
    }

    /** Why the case cannot run on this engine (a node model it does not implement), or null. */
    public String unsupportedReason() {
        for (String m : models()) {
            if (!NEURON_MODELS.contains(m) && !isDevice(m)) {
                return "uses the model " + m + ", which this engine does not implement";
            }
        }
        return null;
    }

    /** Whether the case uses NEST's time-driven {@code *_bsshslm_2020} models (spec §5). */
    public boolean timeDriven() {
        return models().stream().anyMatch(m -> m.endsWith("_bsshslm_2020"));
    }

    // ------------------------------------------------------------------ running

    /** A neuron by NEST id: population and index in it. */
    record NodeRef(Population pop, int local) {
    }

    /** Per-synapse Adam moments of the rule that ran a case. */
    interface Moments {
        double m(Projection proj, int part, long syn);

        double v(Projection proj, int part, long syn);
    }

    /** The rebuilt network after simulation, with its recorders. */
    public static final class Run implements AutoCloseable {
        final Network net;
        final PlasticityRule rule;
        final Moments moments;
        final Map<Integer, NodeRef> byNestId = new TreeMap<>();
        final Map<Integer, Integer> nestIdOfGlobal = new TreeMap<>();
        final Map<Integer, Multimeter> multimeters = new LinkedHashMap<>();
        final Map<Integer, SpikeRecorder> spikeRecorders = new LinkedHashMap<>();
        final Map<Integer, WeightRecorder> weightRecorders = new LinkedHashMap<>();
        final List<Projection> plastic = new ArrayList<>();

        Run(Network net, PlasticityRule rule, Moments moments) {
            this.net = net;
            this.rule = rule;
            this.moments = moments;
        }

        public Network network() {
            return net;
        }

        /** The e-prop rule that ran the case: {@link EpropRule} or {@link BsshslmEpropRule}. */
        public PlasticityRule rule() {
            return rule;
        }

        int nestId(int global) {
            return nestIdOfGlobal.get(global);
        }

        @Override
        public void close() {
            net.close();
        }
    }

    /** Builds the case's network on {@code threads} workers, simulates {@code t_sim_ms} and returns it. */
    public Run run(int threads) {
        String why = unsupportedReason();
        if (why != null) {
            throw new UnsupportedOperationException(name + ": " + why);
        }
        TimeGrid grid = TimeGrid.of(resolution);
        Network net = new Network(grid, threads, 1L);
        net.setNestVirtualProcesses(kernel.path("total_num_virtual_procs").asInt(1));
        Run run;
        if (timeDriven()) {
            BsshslmEpropRule rule = BsshslmEpropRule.install(net, bsshslmConfig());
            run = new Run(net, rule, new Moments() {
                public double m(Projection p, int k, long i) {
                    return rule.adamM(p, k, i);
                }

                public double v(Projection p, int k, long i) {
                    return rule.adamV(p, k, i);
                }
            });
        } else {
            EpropRule rule = EpropRule.install(net, optimizer());
            run = new Run(net, rule, new Moments() {
                public double m(Projection p, int k, long i) {
                    return rule.adamM(p, k, i);
                }

                public double v(Projection p, int k, long i) {
                    return rule.adamV(p, k, i);
                }
            });
        }
        try {
            buildPopulations(run);
            buildConnections(run, grid);
            buildRecorders(run);
            net.simulate(tSimMs);
            return run;
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    OptimizerSpec optimizer() {
        return optimizer(synapseDefaults.path("eprop_synapse").path("optimizer"));
    }

    /**
     * The common properties of {@code eprop_synapse_bsshslm_2020}; {@code tau_m_readout} is the readouts'
     * {@code tau_m} (the fixture format does not store the per-connection value, spec §5.11).
     */
    BsshslmConfig bsshslmConfig() {
        JsonNode d = synapseDefaults.path(BsshslmEpropRule.SYNAPSE);
        Double tau = null;
        for (JsonNode n : nodes) {
            if (n.path("model").asText().equals("eprop_readout_bsshslm_2020")) {
                double t = n.path("params").path("tau_m").asDouble(10.0);
                if (tau != null && tau != t) {
                    throw new IllegalArgumentException(name + ": readouts with different tau_m (" + tau + ", " + t
                        + "): tau_m_readout of each connection is not stored in the fixture");
                }
                tau = t;
            }
        }
        return new BsshslmConfig(optimizer(d.path("optimizer")), d.path("average_gradient").asBoolean(false),
            tau != null ? tau : d.path("tau_m_readout").asDouble(10.0));
    }

    private static OptimizerSpec optimizer(JsonNode o) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            m.put(e.getKey(), v.isBoolean() ? v.asBoolean() : v.isNumber() ? v.asDouble() : v.asText());
        }
        return OptimizerSpec.fromMap(m);
    }

    private void buildPopulations(Run run) {
        List<JsonNode> neurons = new ArrayList<>();
        for (JsonNode n : nodes) {
            if (NEURON_MODELS.contains(n.path("model").asText())) {
                neurons.add(n);
            } else if (!isDevice(n.path("model").asText())) {
                throw new IllegalArgumentException(name + "/nodes.json: node " + n.path("node_id").asInt()
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
                run.byNestId.put(id, new NodeRef(pop, q - i));
                run.nestIdOfGlobal.put(pop.globalOffset() + q - i, id);
            }
            i = j;
        }
    }

    private static boolean isDevice(String model) {
        return model.equals("step_rate_generator") || model.equals("multimeter")
            || model.equals("spike_recorder") || model.equals("weight_recorder");
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
                    throw new IllegalArgumentException(name + ": node " + node.path("node_id").asInt()
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
                    throw new IllegalArgumentException(name + ": spike_generator " + node.path("node_id").asInt()
                        + " uses " + k + ", which this engine does not implement");
                }
                continue;
            }
            if (!defaults.containsKey(k)) {
                throw new IllegalArgumentException(name + "/nodes.json: node " + node.path("node_id").asInt() + " ("
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
                        throw new IllegalArgumentException(name + ": f_target " + d + " spikes/ms does not survive the "
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
                JsonNode v = kernel.path(k);
                if (!v.isMissingNode()) {
                    out.put(k, v.isBoolean() ? (Object) v.asBoolean() : (Object) v.asDouble());
                }
            }
        }
        return out;
    }

    private NodeRef ref(Run run, int id, int row) {
        NodeRef r = run.byNestId.get(id);
        if (r == null) {
            throw new IllegalArgumentException(name + "/connections.csv row " + (row + 2) + ": node " + id + " is not a neuron");
        }
        return r;
    }

    private void buildConnections(Run run, TimeGrid grid) {
        int cSrc = connections.col("source");
        int cTgt = connections.col("target");
        int cModel = connections.col("synapse_model");
        int cDelay = connections.col("delay");
        int cRec = connections.col("receptor");
        int cW = connections.col("weight_initial");
        // grouped (srcPop, tgtPop, model) -> rows, in file order
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        Map<Integer, int[]> readoutRates = new TreeMap<>(); // generator id -> {readout id, receptor}
        List<int[]> rateLinks = new ArrayList<>();
        for (int r = 0; r < connections.size(); r++) {
            int s = (int) connections.num(r, cSrc);
            int t = (int) connections.num(r, cTgt);
            String model = connections.str(r, cModel);
            boolean srcNeuron = run.byNestId.containsKey(s);
            boolean tgtNeuron = run.byNestId.containsKey(t);
            switch (model) {
                case "static_synapse" -> {
                    if (srcNeuron && tgtNeuron) {
                        NodeRef a = run.byNestId.get(s);
                        NodeRef b = run.byNestId.get(t);
                        groups.computeIfAbsent(a.pop().index() + "|" + b.pop().index() + "|static_synapse", x -> new ArrayList<>()).add(r);
                    }
                    // recorder links (neuron -> spike_recorder, multimeter -> neuron) are read in buildRecorders
                }
                case EpropRule.SYNAPSE, EpropRule.LEARNING_SIGNAL, BsshslmEpropRule.SYNAPSE,
                     BsshslmEpropRule.LEARNING_SIGNAL -> {
                    NodeRef a = ref(run, s, r);
                    NodeRef b = ref(run, t, r);
                    groups.computeIfAbsent(a.pop().index() + "|" + b.pop().index() + "|" + model, x -> new ArrayList<>()).add(r);
                }
                case "rate_connection_delayed" -> {
                    NodeRef b = ref(run, t, r);
                    if (srcNeuron) {
                        // readout -> readout: the unnormalised signals of a cross-entropy readout (spec §5.4)
                        NodeRef a = run.byNestId.get(s);
                        groups.computeIfAbsent(a.pop().index() + "|" + b.pop().index() + "|" + model + "|"
                            + (int) connections.num(r, cRec), x -> new ArrayList<>()).add(r);
                    } else if (b.pop() instanceof ReadoutPopulation || b.pop() instanceof BsshslmReadoutPopulation) {
                        rateLinks.add(new int[] {s, t, (int) connections.num(r, cRec)});
                    } else {
                        throw new IllegalArgumentException(name + ": rate connection into non-readout node " + t);
                    }
                }
                default -> throw new IllegalArgumentException(name + "/connections.csv row " + (r + 2)
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
                src[q] = run.byNestId.get((int) connections.num(r, cSrc)).local();
                tgt[q] = run.byNestId.get((int) connections.num(r, cTgt)).local();
                w[q] = connections.num(r, cW);
                d[q] = connections.num(r, cDelay);
            }
            int receptor = key.length > 3 ? Integer.parseInt(key[3]) : 0;
            Projection p = run.net.connect(pre, post, Connectivity.explicit(src, tgt),
                SynapseSpec.of(key[2]).weight(WeightInit.values(w)).delays(d).receptor(receptor));
            if (key[2].equals(EpropRule.SYNAPSE) || key[2].equals(BsshslmEpropRule.SYNAPSE)) {
                run.plastic.add(p);
            }
        }
        buildInputs(run);
        buildRates(run, grid, rateLinks);
    }

    /** Every spike generator's spike times (and multiplicities, if NEST had any) from input_spike_generators.json. */
    private void buildInputs(Run run) {
        Map<Integer, JsonNode> generators = new TreeMap<>();
        for (JsonNode n : nodes) {
            if (n.path("model").asText().equals("spike_generator")) {
                generators.put(n.path("node_id").asInt(), n);
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = inputs.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int gen = Integer.parseInt(e.getKey());
            NodeRef ref = run.byNestId.get(gen);
            if (ref == null || !(ref.pop() instanceof SpikeGeneratorPopulation sg)) {
                throw new IllegalArgumentException(name + "/input_spike_generators.json: node " + gen
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

    private void buildRates(Run run, TimeGrid grid, List<int[]> links) {
        Map<Population, RateTable> drives = new LinkedHashMap<>();
        for (int[] l : links) {
            JsonNode g = rates.path(Integer.toString(l[0]));
            if (g.isMissingNode()) {
                throw new IllegalArgumentException(name + ": rate generator " + l[0] + " has no entry in rate_generators.json");
            }
            NodeRef ref = run.byNestId.get(l[1]);
            Population rp = ref.pop();
            RateTable table = drives.computeIfAbsent(rp, x -> new RateTable(rp.size()));
            if (rp instanceof BsshslmReadoutPopulation && l[2] != 2) {
                throw new IllegalArgumentException(name + ": " + rp.model().nestName() + " takes generator input on "
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
                default -> throw new IllegalArgumentException(name + ": readout receptor " + l[2] + " is not 1 (window) or 2 (target)");
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

    private void buildRecorders(Run run) {
        Map<Integer, List<Integer>> linked = new TreeMap<>(); // recorder id -> neuron ids
        int cSrc = connections.col("source");
        int cTgt = connections.col("target");
        int cModel = connections.col("synapse_model");
        for (int r = 0; r < connections.size(); r++) {
            if (!connections.str(r, cModel).equals("static_synapse")) {
                continue;
            }
            int s = (int) connections.num(r, cSrc);
            int t = (int) connections.num(r, cTgt);
            if (run.byNestId.containsKey(s) && !run.byNestId.containsKey(t)) {
                linked.computeIfAbsent(t, x -> new ArrayList<>()).add(s); // neuron -> spike recorder
            } else if (!run.byNestId.containsKey(s) && run.byNestId.containsKey(t)) {
                linked.computeIfAbsent(s, x -> new ArrayList<>()).add(t); // multimeter -> neuron
            }
        }
        for (JsonNode rec : recorders) {
            int id = rec.path("node_id").asInt();
            String model = rec.path("model").asText();
            double start = rec.path("start").asDouble(0.0);
            double stop = Math.min(rec.path("stop").asDouble(Double.MAX_VALUE), 1e300);
            List<Integer> ids = linked.getOrDefault(id, List.of());
            switch (model) {
                case "multimeter" -> {
                    List<String> from = new ArrayList<>();
                    rec.path("record_from").forEach(x -> from.add(x.asText()));
                    Multimeter m = run.net.multimeter(from, start, stop, rec.path("interval").asDouble(resolution));
                    for (int n : ids.stream().sorted().toList()) {
                        NodeRef ref = run.byNestId.get(n);
                        run.net.addToMultimeter(m, ref.pop(), ref.local());
                    }
                    run.multimeters.put(id, m);
                }
                case "spike_recorder" -> {
                    Map<Population, int[]> sel = new LinkedHashMap<>();
                    Map<Population, List<Integer>> tmp = new LinkedHashMap<>();
                    for (int n : ids) {
                        NodeRef ref = run.byNestId.get(n);
                        tmp.computeIfAbsent(ref.pop(), x -> new ArrayList<>()).add(ref.local());
                    }
                    tmp.forEach((p, l) -> sel.put(p, l.stream().mapToInt(Integer::intValue).toArray()));
                    run.spikeRecorders.put(id, run.net.recordSpikes(sel, start, stop));
                }
                case "weight_recorder" -> {
                    int[] senders = globalIds(run, rec.path("senders").path("node_ids"));
                    int[] targets = globalIds(run, rec.path("targets").path("node_ids"));
                    run.weightRecorders.put(id, run.net.recordWeights(senders, targets, start, stop));
                }
                default -> throw new IllegalArgumentException(name + "/recorders.json: unknown recorder model " + model);
            }
        }
    }

    private static int[] globalIds(Run run, JsonNode ids) {
        if (ids.isMissingNode() || ids.isEmpty()) {
            return null;
        }
        int[] out = new int[ids.size()];
        for (int i = 0; i < out.length; i++) {
            NodeRef r = run.byNestId.get(ids.get(i).asInt());
            out[i] = r.pop().globalOffset() + r.local();
        }
        return out;
    }
}
