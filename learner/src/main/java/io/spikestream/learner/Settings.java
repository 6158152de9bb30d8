package io.spikestream.learner;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Learner configuration: the documented defaults ({@code learner-defaults.json}, every key with its value),
 * overlaid by an optional JSON file and {@code key.path=value} overrides. A key that the defaults do not have is
 * rejected, naming the key and where it came from, so a typo never silently falls back to a default. The NEST
 * parameter dictionaries of the e-prop populations ({@link #NEST_DICTIONARIES}) also take the parameters of the
 * chosen model that the defaults leave out ({@code V_reset} of {@code eprop_iaf_psc_delta}, {@code V_min}, ...):
 * NEST's model checks those when the population is created, naming the model and the key.
 * Immutable.
 */
public final class Settings {

    private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
        .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS).build();

    /** Settings that are NEST parameter dictionaries, checked key by key by the neuron model, not by the defaults. */
    static final java.util.Set<String> NEST_DICTIONARIES = java.util.Set.of("network.rec", "network.readout");

    private final ObjectNode root;

    private Settings(ObjectNode root) {
        this.root = root;
    }

    public static Settings defaults() {
        try (InputStream in = Settings.class.getResourceAsStream("learner-defaults.json")) {
            return new Settings((ObjectNode) JSON.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Defaults, then the file (if not null), then the overrides ({@code a.b.c=value}) in order. */
    public static Settings load(Path file, List<String> overrides) throws IOException {
        return load(file == null ? List.of() : List.of(file.toString()), overrides);
    }

    /**
     * Defaults, then each configuration source in order ({@code classpath:name} for a bundled one, else a file),
     * then the overrides. Keys starting with '_' are comments.
     */
    public static Settings load(List<String> sources, List<String> overrides) throws IOException {
        Settings s = defaults();
        ObjectNode root = s.root.deepCopy();
        for (String src : sources) {
            JsonNode user;
            try {
                if (src.startsWith("classpath:")) {
                    try (InputStream in = Settings.class.getResourceAsStream(src.substring("classpath:".length()))) {
                        if (in == null) {
                            throw new IOException(src + ": no such bundled configuration");
                        }
                        user = JSON.readTree(in);
                    }
                } else {
                    user = JSON.readTree(Path.of(src).toFile());
                }
            } catch (IOException e) {
                throw new IOException(src + ": not valid JSON: " + e.getMessage(), e);
            }
            if (!(user instanceof ObjectNode obj)) {
                throw new IllegalArgumentException(src + ": the configuration must be a JSON object");
            }
            merge(root, obj, "", src);
        }
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("override '" + o + "' must look like key.path=value");
            }
            set(root, o.substring(0, eq).trim(), o.substring(eq + 1).trim(), "--set " + o);
        }
        return new Settings(root);
    }

    private static void merge(ObjectNode into, ObjectNode from, String prefix, String origin) {
        for (Iterator<Map.Entry<String, JsonNode>> it = from.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().startsWith("_")) {
                continue;
            }
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            JsonNode current = into.get(e.getKey());
            if (current == null && NEST_DICTIONARIES.contains(prefix) && e.getValue().isValueNode()) {
                into.set(e.getKey(), e.getValue());
                continue;
            }
            if (current == null) {
                throw new IllegalArgumentException(origin + ": unknown setting '" + key + "'");
            }
            if (current.isObject()) {
                if (!e.getValue().isObject()) {
                    throw new IllegalArgumentException(origin + ": setting '" + key + "' must be an object");
                }
                merge((ObjectNode) current, (ObjectNode) e.getValue(), key, origin);
            } else {
                into.set(e.getKey(), e.getValue());
            }
        }
    }

    private static void set(ObjectNode root, String path, String value, String origin) {
        String[] parts = path.split("\\.");
        ObjectNode node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode next = node.get(parts[i]);
            if (!(next instanceof ObjectNode obj)) {
                throw new IllegalArgumentException(origin + ": unknown setting '" + path + "'");
            }
            node = obj;
        }
        String leaf = parts[parts.length - 1];
        JsonNode current = node.get(leaf);
        if (current == null || current.isObject()) {
            throw new IllegalArgumentException(origin + ": unknown setting '" + path + "'");
        }
        try {
            if (current.isNumber()) {
                node.put(leaf, Double.parseDouble(value));
            } else if (current.isBoolean()) {
                if (!value.equals("true") && !value.equals("false")) {
                    throw new IllegalArgumentException(origin + ": '" + path + "' expects true or false");
                }
                node.put(leaf, Boolean.parseBoolean(value));
            } else {
                node.put(leaf, value);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(origin + ": '" + path + "' expects a number, got '" + value + "'");
        }
    }

    private JsonNode node(String path) {
        JsonNode n = root;
        for (String p : path.split("\\.")) {
            n = n.get(p);
            if (n == null) {
                throw new IllegalArgumentException("no setting '" + path + "'");
            }
        }
        return n;
    }

    public double d(String path) {
        return node(path).asDouble();
    }

    public int i(String path) {
        double v = d(path);
        if (v != Math.rint(v)) {
            throw new IllegalArgumentException("setting '" + path + "' must be a whole number, got " + v);
        }
        return (int) v;
    }

    public long l(String path) {
        return (long) d(path);
    }

    public boolean b(String path) {
        return node(path).asBoolean();
    }

    public String s(String path) {
        return node(path).asText();
    }

    /** The object at {@code path} as a NEST parameter dictionary (numbers as doubles). */
    public Map<String, Object> map(String path) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node(path).fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            m.put(e.getKey(), v.isNumber() ? (Object) v.asDouble() : v.isBoolean() ? (Object) v.asBoolean() : v.asText());
        }
        return m;
    }

    /**
     * The configuration without the given blocks ({@code checkpoint}, or nested as {@code network.superspike}), as
     * pretty JSON: what a checkpoint records as the model's shape (operational blocks such as the checkpoint policy
     * may change between runs, and the blocks of rules the model does not use do not shape it; the model's may not).
     */
    public String toJsonWithout(String... blocks) {
        ObjectNode copy = root.deepCopy();
        for (String path : blocks) {
            String[] parts = path.split("\\.");
            JsonNode parent = copy;
            for (int i = 0; i < parts.length - 1 && parent != null; i++) {
                parent = parent.get(parts[i]);
            }
            if (parent instanceof ObjectNode obj) {
                obj.remove(parts[parts.length - 1]);
            }
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(copy);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** These settings with one leaf replaced by a string value (no check that it is one of the documented values). */
    public Settings with(String path, String value) {
        ObjectNode copy = root.deepCopy();
        String[] parts = path.split("\\.");
        ObjectNode node = copy;
        for (int i = 0; i < parts.length - 1; i++) {
            node = (ObjectNode) node.get(parts[i]);
        }
        node.put(parts[parts.length - 1], value);
        return new Settings(copy);
    }

    /**
     * These settings with {@code time.mode = auto} (the default) replaced by {@code modeForAuto}: {@code continuous}
     * for {@code run} and {@code learn}, {@code per_window} for {@code nmnist}, {@code demo} and a learner built
     * directly. Settings whose mode is set are returned as they are.
     */
    public Settings resolved(String modeForAuto) {
        return s("time.mode").equals("auto") ? with("time.mode", modeForAuto) : this;
    }

    /** The whole configuration as pretty JSON (printed at the start of every run, for provenance). */
    public String toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
