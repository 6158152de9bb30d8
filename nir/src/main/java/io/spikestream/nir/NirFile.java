package io.spikestream.nir;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.api.WritableGroup;

import java.lang.reflect.Array;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes NIR graphs as HDF5 files in the layout of the reference package ({@code nir.write} /
 * {@code nir.read}, neuromorphs/NIR {@code nir/serialization.py}, read at v1.0.7-9-g7232ada):
 *
 * <pre>
 *  /version                 string, the NIR version that wrote the file
 *  /node/type               "NIRGraph"
 *  /node/edges              string [n][2]: (from, to) node names
 *  /node/metadata/...       optional: one dataset per key
 *  /node/nodes/NAME/type    "Input", "Affine", "LIF", ...
 *  /node/nodes/NAME/FIELD   the node's fields by NIR's names (shape, weight, bias, tau, r, v_leak, ...)
 * </pre>
 *
 * HDF5 goes through jhdf (pure Java): it reads what h5py writes (gzip-compressed chunked arrays, variable-length
 * strings) and writes contiguous float64/int64 arrays and fixed-length strings, which h5py reads as the same numpy
 * values. Numbers are read as double (float32 widens exactly); a missing field is an error naming the node and
 * the field.
 */
public final class NirFile {

    /** Written to {@code /version}: the reference package's release whose layout this follows. */
    public static final String NIR_VERSION = "1.0.7";

    private NirFile() {
    }

    public static NirGraph read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new NirException(file + ": no such file");
        }
        try (HdfFile h = new HdfFile(file)) {
            Node node = h.getChild("node");
            if (!(node instanceof Group g)) {
                throw new NirException(file + ": no /node group: not a NIR file");
            }
            return readGraph(file + ":/node", g);
        } catch (NirException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new NirException(file + ": not a readable HDF5 file: " + e.getMessage(), e);
        }
    }

    private static NirGraph readGraph(String where, Group g) {
        String type = string(where, g, "type");
        if (!type.equals("NIRGraph")) {
            throw new NirException(where + ": type is " + type + ", expected NIRGraph");
        }
        Map<String, NirNode> nodes = new LinkedHashMap<>();
        Node nodesGroup = g.getChild("nodes");
        if (!(nodesGroup instanceof Group ng)) {
            throw new NirException(where + ": no nodes group");
        }
        for (Map.Entry<String, Node> e : ng.getChildren().entrySet()) {
            if (!(e.getValue() instanceof Group child)) {
                throw new NirException(where + "/nodes/" + e.getKey() + ": not a group");
            }
            nodes.put(e.getKey(), readNode(where + "/nodes/" + e.getKey(), child));
        }
        List<NirGraph.Edge> edges = new ArrayList<>();
        Object raw = dataset(where, g, "edges").getData();
        if (raw instanceof String[][] pairs) {
            for (String[] p : pairs) {
                edges.add(new NirGraph.Edge(p[0], p[1]));
            }
        } else if (!(raw instanceof String[] s && s.length == 0)) {
            throw new NirException(where + "/edges: expected a [n][2] array of node names, got " + raw.getClass().getSimpleName());
        }
        return new NirGraph(nodes, edges, metadata(where, g));
    }

    private static NirNode readNode(String where, Group g) {
        String type = string(where, g, "type");
        Map<String, Object> md = metadata(where, g);
        return switch (type) {
            case "Input" -> new NirNode.Input(longs(where, g, "shape"), md);
            case "Output" -> new NirNode.Output(longs(where, g, "shape"), md);
            case "Affine" -> new NirNode.Affine(matrix(where, g, "weight"), doubles(where, g, "bias"), md);
            case "Linear" -> new NirNode.Linear(matrix(where, g, "weight"), md);
            case "LIF" -> {
                double[] th = doubles(where, g, "v_threshold");
                // the reference package reads a missing v_reset as zeros
                double[] reset = g.getChild("v_reset") != null ? doubles(where, g, "v_reset") : new double[th.length];
                yield new NirNode.Lif(doubles(where, g, "tau"), doubles(where, g, "r"), doubles(where, g, "v_leak"), th,
                    reset, md);
            }
            case "CubaLIF" -> {
                double[] th = doubles(where, g, "v_threshold");
                double[] reset = g.getChild("v_reset") != null ? doubles(where, g, "v_reset") : new double[th.length];
                double[] wIn = g.getChild("w_in") != null ? doubles(where, g, "w_in") : ones(th.length);
                yield new NirNode.CubaLif(doubles(where, g, "tau_syn"), doubles(where, g, "tau_mem"),
                    doubles(where, g, "r"), doubles(where, g, "v_leak"), th, reset, wIn, md);
            }
            case "LI" -> new NirNode.Li(doubles(where, g, "tau"), doubles(where, g, "r"), doubles(where, g, "v_leak"), md);
            default -> new NirNode.Other(type, md);
        };
    }

    private static double[] ones(int n) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, 1.0);
        return a;
    }

    private static Dataset dataset(String where, Group g, String name) {
        Node n = g.getChild(name);
        if (!(n instanceof Dataset d)) {
            throw new NirException(where + ": missing dataset '" + name + "'");
        }
        return d;
    }

    private static String string(String where, Group g, String name) {
        Object v = dataset(where, g, name).getData();
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof String[] a && a.length == 1) {
            return a[0];
        }
        throw new NirException(where + "/" + name + ": expected a string, got " + v.getClass().getSimpleName());
    }

    private static double[] doubles(String where, Group g, String name) {
        Object v = dataset(where, g, name).getData();
        if (v instanceof Number n) {
            return new double[] {n.doubleValue()};
        }
        if (v != null && v.getClass().isArray() && !v.getClass().getComponentType().isArray()) {
            int len = Array.getLength(v);
            double[] out = new double[len];
            for (int i = 0; i < len; i++) {
                Object x = Array.get(v, i);
                if (!(x instanceof Number n)) {
                    throw new NirException(where + "/" + name + ": expected numbers, got " + x);
                }
                out[i] = n.doubleValue();
            }
            return out;
        }
        throw new NirException(where + "/" + name + ": expected a 1-d numeric array, got "
            + (v == null ? "nothing" : v.getClass().getSimpleName()));
    }

    private static long[] longs(String where, Group g, String name) {
        double[] d = doubles(where, g, name);
        long[] out = new long[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = (long) d[i];
        }
        return out;
    }

    private static double[][] matrix(String where, Group g, String name) {
        Object v = dataset(where, g, name).getData();
        if (v == null || !v.getClass().isArray() || !v.getClass().getComponentType().isArray()
            || v.getClass().getComponentType().getComponentType().isArray()) {
            throw new NirException(where + "/" + name + ": expected a 2-d weight matrix [out][in], got "
                + (v == null ? "nothing" : v.getClass().getSimpleName()));
        }
        int rows = Array.getLength(v);
        double[][] out = new double[rows][];
        for (int i = 0; i < rows; i++) {
            Object row = Array.get(v, i);
            int cols = Array.getLength(row);
            out[i] = new double[cols];
            for (int j = 0; j < cols; j++) {
                out[i][j] = ((Number) Array.get(row, j)).doubleValue();
            }
        }
        return out;
    }

    /** Strings and numeric scalars of a node's {@code metadata} group (other entries are skipped). */
    private static Map<String, Object> metadata(String where, Group g) {
        Map<String, Object> md = new LinkedHashMap<>();
        if (g.getChild("metadata") instanceof Group m) {
            for (Map.Entry<String, Node> e : m.getChildren().entrySet()) {
                if (e.getValue() instanceof Dataset d) {
                    Object v = d.getData();
                    if (v instanceof String || v instanceof Number) {
                        md.put(e.getKey(), v instanceof Number n && !(v instanceof Double) ? n.doubleValue() : v);
                    } else if (v != null && v.getClass().isArray() && Array.getLength(v) == 1) {
                        Object x = Array.get(v, 0);
                        if (x instanceof String || x instanceof Number) {
                            md.put(e.getKey(), x instanceof Number n ? n.doubleValue() : x);
                        }
                    }
                }
            }
        }
        return md;
    }

    /** Writes {@code graph} to {@code file} (replaced if present). */
    public static void write(NirGraph graph, Path file) {
        try {
            Files.deleteIfExists(file);
            try (WritableHdfFile h = HdfFile.write(file)) {
                h.putDataset("version", NIR_VERSION);
                WritableGroup node = h.putGroup("node");
                node.putDataset("type", "NIRGraph");
                String[][] edges = new String[graph.edges().size()][];
                for (int i = 0; i < edges.length; i++) {
                    NirGraph.Edge e = graph.edges().get(i);
                    edges[i] = new String[] {e.from(), e.to()};
                }
                node.putDataset("edges", edges);
                putMetadata(node, graph.metadata());
                WritableGroup nodes = node.putGroup("nodes");
                for (Map.Entry<String, NirNode> e : graph.nodes().entrySet()) {
                    writeNode(nodes.putGroup(e.getKey()), e.getValue());
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            throw new NirException(file + ": cannot write: " + e.getMessage(), e);
        }
    }

    private static void writeNode(WritableGroup g, NirNode n) {
        g.putDataset("type", n.type());
        switch (n) {
            case NirNode.Input in -> g.putDataset("shape", in.shape());
            case NirNode.Output out -> g.putDataset("shape", out.shape());
            case NirNode.Affine a -> {
                g.putDataset("weight", a.weight());
                g.putDataset("bias", a.bias());
            }
            case NirNode.Linear l -> g.putDataset("weight", l.weight());
            case NirNode.Lif l -> {
                g.putDataset("tau", l.tau());
                g.putDataset("r", l.r());
                g.putDataset("v_leak", l.vLeak());
                g.putDataset("v_threshold", l.vThreshold());
                g.putDataset("v_reset", l.vReset());
            }
            case NirNode.CubaLif c -> {
                g.putDataset("tau_syn", c.tauSyn());
                g.putDataset("tau_mem", c.tauMem());
                g.putDataset("r", c.r());
                g.putDataset("v_leak", c.vLeak());
                g.putDataset("v_threshold", c.vThreshold());
                g.putDataset("v_reset", c.vReset());
                g.putDataset("w_in", c.wIn());
            }
            case NirNode.Li l -> {
                g.putDataset("tau", l.tau());
                g.putDataset("r", l.r());
                g.putDataset("v_leak", l.vLeak());
            }
            case NirNode.Other o -> throw new NirException("cannot write a node of type " + o.type());
        }
        putMetadata(g, n.metadata());
    }

    private static void putMetadata(WritableGroup g, Map<String, Object> md) {
        if (md.isEmpty()) {
            return; // as the reference package: no empty metadata group
        }
        WritableGroup m = g.putGroup("metadata");
        for (Map.Entry<String, Object> e : md.entrySet()) {
            Object v = e.getValue();
            m.putDataset(e.getKey(), v instanceof Number n ? new double[] {n.doubleValue()} : v.toString());
        }
    }
}
