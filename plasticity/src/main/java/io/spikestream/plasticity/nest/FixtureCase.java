package io.spikestream.plasticity.nest;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.spikestream.network.Multimeter;
import io.spikestream.network.Network;
import io.spikestream.network.PlasticityRule;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.SpikeRecorder;
import io.spikestream.network.TimeGrid;
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

    static final Set<String> NEURON_MODELS = Set.of("spike_generator", "parrot_neuron", "eprop_iaf", "eprop_iaf_adapt",
        "eprop_iaf_psc_delta", "eprop_iaf_psc_delta_adapt", "eprop_readout", "eprop_iaf_bsshslm_2020",
        "eprop_iaf_adapt_bsshslm_2020", "eprop_readout_bsshslm_2020");

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
            FixtureNetworkBuilder builder = new FixtureNetworkBuilder(this, run);
            builder.buildPopulations();
            builder.buildConnections(grid);
            builder.buildRecorders();
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

    static boolean isDevice(String model) {
        return model.equals("step_rate_generator") || model.equals("multimeter")
            || model.equals("spike_recorder") || model.equals("weight_recorder");
    }

}
