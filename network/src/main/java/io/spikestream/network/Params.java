package io.spikestream.network;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * The parameter dictionary of one population or synapse model, with NEST's names ({@code tau_m},
 * {@code V_th}, {@code E_L}, {@code t_ref}, {@code kappa}, ...). Values are {@code Double}, {@code Boolean}
 * or {@code String}; integers given by callers are widened to double. Unknown names and values of the wrong
 * type are rejected with a message naming the model and the key.
 *
 * <p>Immutable after construction. Built once per population, read in {@code prepare()} hooks, never on the
 * hot path.
 */
public final class Params {

    private final String model;
    private final Map<String, Object> values;

    private Params(String model, Map<String, Object> values) {
        this.model = model;
        this.values = Collections.unmodifiableMap(values);
    }

    /**
     * Defaults overridden by {@code overrides}; every override key must exist in {@code defaults}
     * and have a compatible type.
     */
    public static Params of(String model, Map<String, ?> defaults, Map<String, ?> overrides) {
        Map<String, Object> merged = new LinkedHashMap<>(defaults);
        for (Map.Entry<String, ?> e : overrides.entrySet()) {
            String key = e.getKey();
            if (!defaults.containsKey(key)) {
                throw new IllegalArgumentException("unknown parameter '" + key + "' for model " + model
                    + "; known parameters: " + new TreeSet<>(defaults.keySet()));
            }
            Object def = defaults.get(key);
            merged.put(key, coerce(model, key, def, e.getValue()));
        }
        return new Params(model, merged);
    }

    private static Object coerce(String model, String key, Object def, Object value) {
        if (value == null) {
            throw new IllegalArgumentException("parameter '" + key + "' of " + model + " must not be null");
        }
        if (def instanceof Double) {
            if (value instanceof Number n) {
                return n.doubleValue();
            }
        } else if (def instanceof Boolean) {
            if (value instanceof Boolean) {
                return value;
            }
        } else if (def instanceof String) {
            if (value instanceof String) {
                return value;
            }
        } else {
            return value;
        }
        throw new IllegalArgumentException("parameter '" + key + "' of " + model + " expects a "
            + def.getClass().getSimpleName().toLowerCase() + ", got " + value + " (" + value.getClass().getSimpleName() + ")");
    }

    public String model() {
        return model;
    }

    public double d(String key) {
        Object v = get(key);
        if (v instanceof Double d) {
            return d;
        }
        throw new IllegalStateException("parameter '" + key + "' of " + model + " is not a number: " + v);
    }

    public boolean b(String key) {
        Object v = get(key);
        if (v instanceof Boolean b) {
            return b;
        }
        throw new IllegalStateException("parameter '" + key + "' of " + model + " is not a boolean: " + v);
    }

    public String s(String key) {
        Object v = get(key);
        if (v instanceof String s) {
            return s;
        }
        throw new IllegalStateException("parameter '" + key + "' of " + model + " is not a string: " + v);
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public Object get(String key) {
        Object v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("model " + model + " has no parameter '" + key + "'");
        }
        return v;
    }

    public Map<String, Object> asMap() {
        return values;
    }

    /** Throws unless {@code d(key) > 0}. */
    public void requirePositive(String key) {
        if (!(d(key) > 0)) {
            throw new IllegalArgumentException(model + ": " + key + " > 0 required, got " + d(key));
        }
    }

    /** Throws unless {@code d(key) >= 0}. */
    public void requireNonNegative(String key) {
        if (!(d(key) >= 0)) {
            throw new IllegalArgumentException(model + ": " + key + " >= 0 required, got " + d(key));
        }
    }

    /** Throws unless {@code lo <= d(key) <= hi}. */
    public void requireIn(String key, double lo, double hi) {
        double v = d(key);
        if (!(v >= lo && v <= hi)) {
            throw new IllegalArgumentException(model + ": " + lo + " <= " + key + " <= " + hi + " required, got " + v);
        }
    }

    @Override
    public String toString() {
        return model + values;
    }
}
