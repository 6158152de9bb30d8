package io.spikestream.nir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A NIR graph: named nodes and identity edges {@code (from, to)}; the output of {@code from} is the input of
 * {@code to}, one time step later in a discrete-time backend (NIR says nothing finer about edge timing).
 * Node order is insertion order; NIR files store nodes in a group, whose member order is not significant.
 */
public record NirGraph(Map<String, NirNode> nodes, List<Edge> edges, Map<String, Object> metadata) {

    public record Edge(String from, String to) {
        @Override
        public String toString() {
            return from + "->" + to;
        }
    }

    public NirGraph {
        nodes = Collections.unmodifiableMap(new LinkedHashMap<>(nodes));
        edges = List.copyOf(edges);
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        for (Edge e : edges) {
            if (!nodes.containsKey(e.from()) || !nodes.containsKey(e.to())) {
                throw new NirException("edge " + e + " names a node the graph does not have; nodes: " + nodes.keySet());
            }
        }
    }

    /** Names of the nodes that {@code from} feeds. */
    public List<String> successors(String from) {
        List<String> out = new ArrayList<>();
        for (Edge e : edges) {
            if (e.from().equals(from)) {
                out.add(e.to());
            }
        }
        return out;
    }

    /** Names of the nodes that feed {@code to}. */
    public List<String> predecessors(String to) {
        List<String> out = new ArrayList<>();
        for (Edge e : edges) {
            if (e.to().equals(to)) {
                out.add(e.from());
            }
        }
        return out;
    }
}
