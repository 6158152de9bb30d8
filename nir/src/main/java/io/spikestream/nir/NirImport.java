package io.spikestream.nir;

import io.spikestream.network.NeuronModel;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A NIR graph of spikestream's shape as a {@link RecurrentSpec}: one Input, an Affine or Linear node into one LIF
 * population, optionally an Affine or Linear node from that LIF back to itself, an Affine or Linear node into one
 * LI population, one Output (node names are free). Anything else (other primitives, other edges, several hidden
 * layers) is refused with a message naming it.
 *
 * <p>Parameters: the inverse of {@link NirExport}'s mapping ({@code tau_m = tau}, {@code C_m = tau / r},
 * {@code E_L = v_leak}, {@code V_th = v_threshold}, {@code V_reset = v_reset}, {@code I_e} = the sum of the biases
 * feeding the population). NIR allows one value per neuron; a spikestream population has one per population, so a
 * parameter that varies across neurons is refused, naming it. A LIF node written by spikestream (metadata
 * {@code spikestream.model} and {@code nest.*}) comes back as that model with every NEST parameter, as long as its
 * NIR arrays still say what the metadata says; otherwise (any other writer: snnTorch, Norse, ...) it becomes
 * {@code eprop_iaf_psc_delta} (hard reset to {@code V_reset}, {@code t_ref = 0}), the NEST model with NIR's LIF
 * reset, and the readout {@code eprop_readout}. In that case the parameter maps hold only what NIR says
 * ({@code tau_m, C_m, E_L, V_th, V_reset, V_m = E_L, t_ref, I_e}; the readout's {@code tau_m, C_m, E_L, V_m, I_e}):
 * the learning parameters NIR has no word for (kappa, c_reg, surrogate gradient, ...) come from the learner's
 * settings.
 *
 * <p>{@code tauScale} converts the file's time constants to ms: 1 for NIR's documented ms, 1000 for files whose
 * taus are in seconds (snnTorch writes {@code tau = dt / (1 - beta)} with {@code dt} in s).
 */
public final class NirImport {

    private NirImport() {
    }

    public static RecurrentSpec toSpec(NirGraph g, double tauScale, double resolutionMs) {
        if (!(tauScale > 0)) {
            throw new NirException("tau scale must be > 0, got " + tauScale);
        }
        String input = null;
        String output = null;
        String hidden = null;
        String readout = null;
        for (Map.Entry<String, NirNode> e : g.nodes().entrySet()) {
            String name = e.getKey();
            switch (e.getValue()) {
                case NirNode.Input i -> input = only(input, name, "Input");
                case NirNode.Output o -> output = only(output, name, "Output");
                case NirNode.Lif l -> hidden = only(hidden, name, "LIF");
                case NirNode.Li l -> readout = only(readout, name, "LI");
                case NirNode.Affine a -> { }
                case NirNode.Linear l -> { }
                case NirNode.CubaLif c -> throw new NirException("node '" + name + "' is a CubaLIF: current-based "
                    + "hidden layers are not mapped yet (spikestream imports LIF hidden layers)");
                case NirNode.Other o -> throw new NirException("node '" + name + "' is a " + o.type()
                    + ", which spikestream does not map; it imports input -> Affine/Linear -> LIF (-> Affine/Linear -> "
                    + "LIF) -> Affine/Linear -> LI -> output");
            }
        }
        require(input, "an Input node");
        require(output, "an Output node");
        require(hidden, "a LIF node (the hidden population)");
        require(readout, "an LI node (the readout)");

        Set<NirGraph.Edge> used = new HashSet<>();
        String wInName = weightBetween(g, input, hidden, used, true);
        String wRecName = weightBetween(g, hidden, hidden, used, false);
        String wOutName = weightBetween(g, hidden, readout, used, true);
        NirGraph.Edge last = new NirGraph.Edge(readout, output);
        if (!g.edges().contains(last)) {
            throw new NirException("no edge " + last + ": the LI readout must feed the Output node");
        }
        used.add(last);
        for (NirGraph.Edge e : g.edges()) {
            if (!used.contains(e)) {
                throw new NirException("edge " + e + " is not part of spikestream's shape (input -> w_in -> LIF, "
                    + "LIF -> w_rec -> LIF, LIF -> w_out -> LI -> output)");
            }
        }
        for (String n : g.nodes().keySet()) {
            if (!n.equals(input) && !n.equals(output) && !n.equals(hidden) && !n.equals(readout) && !n.equals(wInName)
                && !n.equals(wRecName) && !n.equals(wOutName)) {
                throw new NirException("node '" + n + "' is not connected as spikestream's shape requires");
            }
        }

        NirNode.Lif lif = (NirNode.Lif) g.nodes().get(hidden);
        NirNode.Li li = (NirNode.Li) g.nodes().get(readout);
        int nRec = lif.tau().length;
        int nOut = li.tau().length;
        long nIn = product(((NirNode.Input) g.nodes().get(input)).shape());
        long outShape = product(((NirNode.Output) g.nodes().get(output)).shape());
        if (outShape != nOut) {
            throw new NirException("Output node '" + output + "' has " + outShape + " elements, the LI readout " + nOut);
        }
        double[][] wIn = weight(g, wInName, nRec, nIn);
        double[][] wRec = wRecName == null ? null : weight(g, wRecName, nRec, nRec);
        double[][] wOut = weight(g, wOutName, nOut, nRec);
        double iE = bias(g, wInName, hidden) + (wRecName == null ? 0.0 : bias(g, wRecName, hidden));
        double iEOut = bias(g, wOutName, readout);

        Map<String, Object> rec = hiddenParams(hidden, lif, tauScale, iE);
        Map<String, Object> ro = readoutParams(readout, li, tauScale, iEOut);
        return new RecurrentSpec((String) rec.remove(NirExport.MODEL_KEY), rec, NeuronModel.EPROP_READOUT.nestName(), ro,
            wIn, wRec, wOut, resolutionMs);
    }

    private static Map<String, Object> hiddenParams(String name, NirNode.Lif lif, double tauScale, double iE) {
        double tau = uniform(name, "tau", lif.tau()) * tauScale;
        double r = uniform(name, "r", lif.r());
        double vLeak = uniform(name, "v_leak", lif.vLeak());
        double vTh = uniform(name, "v_threshold", lif.vThreshold());
        double vReset = uniform(name, "v_reset", lif.vReset());
        positive(name, "tau", tau);
        positive(name, "r", r);
        Map<String, Object> fromMeta = fromMetadata(lif.metadata());
        if (fromMeta != null) {
            NeuronModel m = NeuronModel.byName((String) fromMeta.get(NirExport.MODEL_KEY));
            if (m.kind() == NeuronModel.Kind.RECURRENT && !m.adaptive() && !m.timeDriven() && !m.currentBased()) {
                double tauM = NirExport.d(fromMeta, "tau_m");
                boolean same = tauScale == 1.0 && tau == tauM && r == tauM / NirExport.d(fromMeta, "C_m")
                    && vLeak == NirExport.d(fromMeta, "E_L") && vTh == NirExport.d(fromMeta, "V_th")
                    && vReset == (m.hardReset() ? NirExport.d(fromMeta, "V_reset") : NirExport.d(fromMeta, "E_L"))
                    && iE == NirExport.d(fromMeta, "I_e");
                if (same) {
                    return fromMeta;
                }
            }
        }
        NeuronModel m = NeuronModel.EPROP_IAF_PSC_DELTA;
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("tau_m", tau);
        p.put("C_m", tau / r);
        p.put("E_L", vLeak);
        p.put("V_th", vTh);
        p.put("V_reset", vReset);
        p.put("V_m", vLeak);
        p.put("t_ref", 0.0);
        p.put("I_e", iE);
        p.put(NirExport.MODEL_KEY, m.nestName());
        return p;
    }

    private static Map<String, Object> readoutParams(String name, NirNode.Li li, double tauScale, double iE) {
        double tau = uniform(name, "tau", li.tau()) * tauScale;
        double r = uniform(name, "r", li.r());
        double vLeak = uniform(name, "v_leak", li.vLeak());
        positive(name, "tau", tau);
        positive(name, "r", r);
        Map<String, Object> fromMeta = fromMetadata(li.metadata());
        if (fromMeta != null && NeuronModel.EPROP_READOUT.nestName().equals(fromMeta.get(NirExport.MODEL_KEY))) {
            double tauM = NirExport.d(fromMeta, "tau_m");
            if (tauScale == 1.0 && tau == tauM && r == tauM / NirExport.d(fromMeta, "C_m")
                && vLeak == NirExport.d(fromMeta, "E_L") && iE == NirExport.d(fromMeta, "I_e")) {
                fromMeta.remove(NirExport.MODEL_KEY);
                return fromMeta;
            }
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("tau_m", tau);
        p.put("C_m", tau / r);
        p.put("E_L", vLeak);
        p.put("V_m", vLeak);
        p.put("I_e", iE);
        return p;
    }

    /**
     * The NEST parameters a spikestream export stored ({@code nest.KEY}), typed as the model's defaults (numbers,
     * booleans, strings) and only the model's own keys; null when the node has no such metadata.
     */
    private static Map<String, Object> fromMetadata(Map<String, Object> md) {
        if (!(md.get(NirExport.MODEL_KEY) instanceof String model)) {
            return null;
        }
        NeuronModel m;
        try {
            m = NeuronModel.byName(model);
        } catch (IllegalArgumentException e) {
            return null;
        }
        Map<String, Object> defaults = m.defaults();
        Map<String, Object> p = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : md.entrySet()) {
            if (!e.getKey().startsWith(NirExport.NEST_PREFIX)) {
                continue;
            }
            String key = e.getKey().substring(NirExport.NEST_PREFIX.length());
            Object def = defaults.get(key);
            Object v = e.getValue();
            if (def instanceof Double && v instanceof Number n) {
                p.put(key, n.doubleValue());
            } else if (def instanceof Boolean && v instanceof String s && (s.equals("true") || s.equals("false"))) {
                p.put(key, Boolean.parseBoolean(s));
            } else if (def instanceof String && v instanceof String s) {
                p.put(key, s);
            }
        }
        for (String k : List.of("tau_m", "C_m", "E_L", "I_e")) {
            if (!p.containsKey(k)) {
                return null;
            }
        }
        p.put(NirExport.MODEL_KEY, model);
        return p;
    }

    /** The weight node on the path from -> W -> to; null if none and not required. */
    private static String weightBetween(NirGraph g, String from, String to, Set<NirGraph.Edge> used, boolean required) {
        List<String> found = new ArrayList<>();
        for (String w : g.successors(from)) {
            NirNode n = g.nodes().get(w);
            if ((n instanceof NirNode.Affine || n instanceof NirNode.Linear) && g.successors(w).contains(to)) {
                found.add(w);
            }
        }
        if (g.edges().contains(new NirGraph.Edge(from, to)) && !from.equals(to)) {
            throw new NirException("edge " + from + "->" + to + " has no weight node between the populations");
        }
        if (g.edges().contains(new NirGraph.Edge(from, to))) {
            throw new NirException("edge " + from + "->" + to + ": a recurrent edge needs an Affine or Linear weight node");
        }
        if (found.size() > 1) {
            throw new NirException("several weight nodes from '" + from + "' to '" + to + "': " + found);
        }
        if (found.isEmpty()) {
            if (required) {
                throw new NirException("no Affine or Linear node from '" + from + "' to '" + to + "'");
            }
            return null;
        }
        String w = found.getFirst();
        if (g.predecessors(w).size() != 1 || g.successors(w).size() != 1) {
            throw new NirException("weight node '" + w + "' must have exactly one input and one output edge, has "
                + g.predecessors(w) + " -> " + g.successors(w));
        }
        used.add(new NirGraph.Edge(from, w));
        used.add(new NirGraph.Edge(w, to));
        return w;
    }

    private static double[][] weight(NirGraph g, String name, int rows, long cols) {
        double[][] w = switch (g.nodes().get(name)) {
            case NirNode.Affine a -> a.weight();
            case NirNode.Linear l -> l.weight();
            default -> throw new IllegalStateException(name);
        };
        if (w.length != rows || (rows > 0 && w[0].length != cols)) {
            throw new NirException("weight node '" + name + "' is " + w.length + "x" + (w.length == 0 ? 0 : w[0].length)
                + ", expected " + rows + "x" + cols + " ([out][in])");
        }
        for (int i = 0; i < w.length; i++) {
            for (int j = 0; j < w[i].length; j++) {
                if (!Double.isFinite(w[i][j])) {
                    throw new NirException("weight node '" + name + "': weight[" + i + "][" + j + "] = " + w[i][j]);
                }
            }
        }
        return w;
    }

    private static double bias(NirGraph g, String weightNode, String population) {
        if (g.nodes().get(weightNode) instanceof NirNode.Affine a) {
            return uniform(weightNode, "bias (I_e of '" + population + "')", a.bias());
        }
        return 0.0;
    }

    static double uniform(String node, String field, double[] values) {
        if (values.length == 0) {
            throw new NirException("node '" + node + "': " + field + " is empty");
        }
        double v = values[0];
        for (int i = 1; i < values.length; i++) {
            if (Double.compare(values[i], v) != 0) {
                throw new NirException("node '" + node + "': " + field + " varies across neurons (" + v + " at 0, "
                    + values[i] + " at " + i + "); a spikestream population has one value per parameter");
            }
        }
        return v;
    }

    private static void positive(String node, String field, double v) {
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new NirException("node '" + node + "': " + field + " must be finite and > 0, got " + v);
        }
    }

    private static String only(String seen, String name, String type) {
        if (seen != null) {
            throw new NirException("the graph has more than one " + type + " node ('" + seen + "', '" + name
                + "'); spikestream maps one");
        }
        return name;
    }

    private static void require(String name, String what) {
        if (name == null) {
            throw new NirException("the graph has no " + what);
        }
    }

    private static long product(long[] shape) {
        long p = 1;
        for (long s : shape) {
            p *= s;
        }
        return p;
    }
}
