package io.spikestream.nir;

import io.spikestream.network.NeuronModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link RecurrentSpec} as a NIR graph:
 *
 * <pre>
 *  input --> w_in (Affine) --> hidden (LIF) --> w_out (Affine) --> readout (LI) --> output
 *                                ^       |
 *                                +-w_rec-+  (Linear)
 * </pre>
 *
 * Parameters (NIR's units: ms, mV; see docs/nir.md): {@code tau = tau_m}, {@code r = tau_m / C_m} (GΩ = mV/pA, so
 * that {@code r * w} is mV with NEST's weights in pA, unscaled), {@code v_leak = E_L}, {@code v_threshold = V_th},
 * {@code v_reset = V_reset}; a constant {@code I_e} is the bias of the population's incoming Affine node. Every
 * NEST parameter is also stored in the node's metadata ({@code nest.KEY}, with {@code spikestream.model}), so an
 * import restores the model exactly.
 *
 * <p>What NIR cannot express is refused with a message naming it: adaptive thresholds, the time-driven
 * {@code *_bsshslm_2020} models (threshold subtracted one step after the spike), current-based models, a finite
 * {@code V_min}, and (unless approximations are allowed) refractoriness. Documented approximations:
 * {@code eprop_iaf}'s reset by subtracting the threshold is written as {@code v_reset = E_L} (exact when the
 * membrane is at {@code V_th} in the spike step; the overshoot is lost), always, and reported; with
 * {@code allowApproximations}, {@code t_ref > 0} is dropped and reported.
 */
public final class NirExport {

    public static final String MODEL_KEY = "spikestream.model";
    public static final String NEST_PREFIX = "nest.";

    /** The graph and the approximations made writing it (empty: exact). */
    public record Result(NirGraph graph, List<String> approximations) {
    }

    private NirExport() {
    }

    public static Result toGraph(RecurrentSpec s, boolean allowApproximations) {
        List<String> approx = new ArrayList<>();
        NeuronModel rec = NeuronModel.byName(s.recModel());
        refuseUnmappable(rec, s.rec(), "hidden", allowApproximations, approx);
        NeuronModel out = NeuronModel.byName(s.readoutModel());
        if (out != NeuronModel.EPROP_READOUT) {
            throw new NirException("readout model " + out.nestName() + " is not mapped to NIR (only eprop_readout -> LI)");
        }
        refuseFiniteVmin(out, s.readout(), "readout");
        int nIn = s.inputs();
        int nRec = s.hidden();
        int nOut = s.outputs();

        Map<String, NirNode> nodes = new LinkedHashMap<>();
        List<NirGraph.Edge> edges = new ArrayList<>();
        nodes.put("input", new NirNode.Input(new long[] {nIn}, Map.of()));
        nodes.put("w_in", new NirNode.Affine(copy(s.wIn()), filled(nRec, d(s.rec(), "I_e")), Map.of("unit", "pA")));
        double tauM = d(s.rec(), "tau_m");
        double eL = d(s.rec(), "E_L");
        double vReset = rec.hardReset() ? d(s.rec(), "V_reset") : eL;
        if (!rec.hardReset()) {
            approx.add("hidden: " + rec.nestName() + " resets by subtracting V_th - E_L; written as NIR's hard reset "
                + "v_reset = E_L = " + eL + " mV (exact when the membrane is at V_th in the spike step)");
        }
        nodes.put("hidden", new NirNode.Lif(filled(nRec, tauM), filled(nRec, tauM / d(s.rec(), "C_m")), filled(nRec, eL),
            filled(nRec, d(s.rec(), "V_th")), filled(nRec, vReset), nestMetadata(rec, s.rec())));
        if (s.wRec() != null) {
            nodes.put("w_rec", new NirNode.Linear(copy(s.wRec()), Map.of("unit", "pA")));
        }
        nodes.put("w_out", new NirNode.Affine(copy(s.wOut()), filled(nOut, d(s.readout(), "I_e")), Map.of("unit", "pA")));
        double tauOut = d(s.readout(), "tau_m");
        nodes.put("readout", new NirNode.Li(filled(nOut, tauOut), filled(nOut, tauOut / d(s.readout(), "C_m")),
            filled(nOut, d(s.readout(), "E_L")), nestMetadata(out, s.readout())));
        nodes.put("output", new NirNode.Output(new long[] {nOut}, Map.of()));
        edges.add(new NirGraph.Edge("input", "w_in"));
        edges.add(new NirGraph.Edge("w_in", "hidden"));
        if (s.wRec() != null) {
            edges.add(new NirGraph.Edge("hidden", "w_rec"));
            edges.add(new NirGraph.Edge("w_rec", "hidden"));
        }
        edges.add(new NirGraph.Edge("hidden", "w_out"));
        edges.add(new NirGraph.Edge("w_out", "readout"));
        edges.add(new NirGraph.Edge("readout", "output"));
        Map<String, Object> gm = new LinkedHashMap<>();
        gm.put("spikestream.resolution_ms", s.resolutionMs());
        gm.put("spikestream.units", "tau ms, v mV, r GOhm (mV/pA), weights pA");
        if (!approx.isEmpty()) {
            gm.put("spikestream.approximations", String.join("; ", approx));
        }
        return new Result(new NirGraph(nodes, edges, gm), List.copyOf(approx));
    }

    private static void refuseUnmappable(NeuronModel m, Map<String, Object> p, String role, boolean allow,
                                         List<String> approx) {
        if (m.kind() != NeuronModel.Kind.RECURRENT) {
            throw new NirException(role + ": " + m.nestName() + " is not a spiking hidden model");
        }
        if (m.adaptive()) {
            throw new NirException(role + ": " + m.nestName() + " has an adaptive threshold (V_th + adapt_beta * a), "
                + "which NIR's LIF cannot express");
        }
        if (m.timeDriven()) {
            throw new NirException(role + ": " + m.nestName() + " subtracts the threshold one step after the spike and "
                + "resets at update intervals, which NIR's LIF cannot express");
        }
        if (m.currentBased()) {
            throw new NirException(role + ": " + m.nestName() + " (current-based, NIR's CubaLIF) is not mapped yet; "
                + "spikestream exports the e-prop models eprop_iaf and eprop_iaf_psc_delta");
        }
        refuseFiniteVmin(m, p, role);
        double tRef = d(p, "t_ref");
        if (tRef > 0) {
            if (!allow) {
                throw new NirException(role + ": refractoriness t_ref = " + tRef + " ms cannot be expressed in NIR's "
                    + "LIF; set t_ref to 0, or allow the approximation (--approximate) to drop it");
            }
            approx.add(role + ": refractoriness t_ref = " + tRef + " ms dropped (NIR's LIF has none)");
        }
    }

    private static void refuseFiniteVmin(NeuronModel m, Map<String, Object> p, String role) {
        if (p.containsKey("V_min") && d(p, "V_min") > -Double.MAX_VALUE) {
            throw new NirException(role + ": " + m.nestName() + " clamps the membrane at V_min = " + d(p, "V_min")
                + " mV, which NIR cannot express");
        }
    }

    /** The model name and every NEST parameter (numbers as numbers, booleans and strings as strings). */
    static Map<String, Object> nestMetadata(NeuronModel m, Map<String, Object> p) {
        Map<String, Object> md = new LinkedHashMap<>();
        md.put(MODEL_KEY, m.nestName());
        for (Map.Entry<String, Object> e : p.entrySet()) {
            Object v = e.getValue();
            md.put(NEST_PREFIX + e.getKey(), v instanceof Number n ? (Object) n.doubleValue() : v.toString());
        }
        return md;
    }

    static double d(Map<String, Object> p, String key) {
        Object v = p.get(key);
        if (!(v instanceof Number n)) {
            throw new NirException("parameter " + key + " missing or not a number: " + v);
        }
        return n.doubleValue();
    }

    static double[] filled(int n, double v) {
        double[] a = new double[n];
        Arrays.fill(a, v);
        return a;
    }

    private static double[][] copy(double[][] m) {
        double[][] c = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            c[i] = m[i].clone();
        }
        return c;
    }
}
