package io.spikestream.plasticity.optim;

import java.util.Map;
import java.util.TreeSet;

/**
 * The weight optimizer of a plastic synapse model, shared by all its synapses (NEST's
 * {@code optimizer} dictionary of {@code eprop_synapse}): {@code type}, {@code eta}, {@code batch_size},
 * {@code optimize_each_step}, {@code Wmin}, {@code Wmax}, and for Adam {@code beta_1}, {@code beta_2},
 * {@code epsilon}.
 *
 * <p>{@code adam_catch_up} selects how Adam counts steps. NEST (true, the default) indexes optimization
 * steps by simulation time step and, when a synapse is updated after n silent steps, runs n Adam iterations
 * at once (the gradient in the first, zeros after): exact, but O(interval) per update. With false, Adam takes
 * exactly one step per weight update, which is what most users mean by Adam and costs O(1).
 */
public record OptimizerSpec(Type type, double eta, int batchSize, boolean optimizeEachStep, double wMin, double wMax,
                            double beta1, double beta2, double epsilon, boolean adamCatchUp) {

    public enum Type {
        GRADIENT_DESCENT("gradient_descent"), ADAM("adam");

        private final String nestName;

        Type(String nestName) {
            this.nestName = nestName;
        }

        public String nestName() {
            return nestName;
        }

        public static Type byName(String name) {
            for (Type t : values()) {
                if (t.nestName.equals(name)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unknown optimizer type '" + name + "'; known: gradient_descent, adam");
        }
    }

    public OptimizerSpec {
        if (!(eta >= 0) || Double.isInfinite(eta)) {
            throw new IllegalArgumentException("optimizer: eta >= 0 required, got " + eta);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("optimizer: batch_size >= 1 required, got " + batchSize);
        }
        if (!(wMin <= wMax)) {
            throw new IllegalArgumentException("optimizer: Wmin <= Wmax required, got [" + wMin + ", " + wMax + "]");
        }
        if (type == Type.ADAM) {
            if (!(beta1 >= 0 && beta1 < 1)) {
                throw new IllegalArgumentException("adam: 0 <= beta_1 < 1 required, got " + beta1);
            }
            if (!(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("adam: 0 <= beta_2 < 1 required, got " + beta2);
            }
            if (!(epsilon >= 0)) {
                throw new IllegalArgumentException("adam: epsilon >= 0 required, got " + epsilon);
            }
        }
    }

    /** NEST's defaults: gradient descent, eta 1e-4, batch 1, optimize each step, weights in [-100, 100]. */
    public static OptimizerSpec gradientDescent(double eta) {
        return new OptimizerSpec(Type.GRADIENT_DESCENT, eta, 1, true, -100.0, 100.0, 0.9, 0.999, 1e-7, true);
    }

    public static OptimizerSpec adam(double eta) {
        return new OptimizerSpec(Type.ADAM, eta, 1, true, -100.0, 100.0, 0.9, 0.999, 1e-7, true);
    }

    public OptimizerSpec withOptimizeEachStep(boolean each) {
        return new OptimizerSpec(type, eta, batchSize, each, wMin, wMax, beta1, beta2, epsilon, adamCatchUp);
    }

    public OptimizerSpec withEta(double newEta) {
        return new OptimizerSpec(type, newEta, batchSize, optimizeEachStep, wMin, wMax, beta1, beta2, epsilon, adamCatchUp);
    }

    public OptimizerSpec withBounds(double lo, double hi) {
        return new OptimizerSpec(type, eta, batchSize, optimizeEachStep, lo, hi, beta1, beta2, epsilon, adamCatchUp);
    }

    public OptimizerSpec withBatchSize(int b) {
        return new OptimizerSpec(type, eta, b, optimizeEachStep, wMin, wMax, beta1, beta2, epsilon, adamCatchUp);
    }

    public OptimizerSpec withAdamCatchUp(boolean catchUp) {
        return new OptimizerSpec(type, eta, batchSize, optimizeEachStep, wMin, wMax, beta1, beta2, epsilon, catchUp);
    }

    private static final java.util.Set<String> KEYS = java.util.Set.of("type", "optimizer", "eta", "batch_size",
        "optimize_each_step", "Wmin", "Wmax", "beta_1", "beta_2", "epsilon", "adam_catch_up");

    /** From a NEST-style dictionary; {@code type} (or {@code optimizer}, as the fixtures spell it) is required. */
    public static OptimizerSpec fromMap(Map<String, ?> d) {
        for (String k : d.keySet()) {
            if (!KEYS.contains(k)) {
                throw new IllegalArgumentException("unknown optimizer parameter '" + k + "'; known: " + new TreeSet<>(KEYS));
            }
        }
        Object t = d.containsKey("type") ? d.get("type") : d.get("optimizer");
        Type type = t == null ? Type.GRADIENT_DESCENT : Type.byName(t.toString());
        return new OptimizerSpec(type, num(d, "eta", 1e-4), (int) num(d, "batch_size", 1), bool(d, "optimize_each_step", true),
            num(d, "Wmin", -100.0), num(d, "Wmax", 100.0), num(d, "beta_1", 0.9), num(d, "beta_2", 0.999),
            num(d, "epsilon", 1e-7), bool(d, "adam_catch_up", true));
    }

    private static double num(Map<String, ?> d, String k, double def) {
        Object v = d.get(k);
        if (v == null) {
            return def;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException("optimizer parameter '" + k + "' must be a number, got " + v);
    }

    private static boolean bool(Map<String, ?> d, String k, boolean def) {
        Object v = d.get(k);
        if (v == null) {
            return def;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException("optimizer parameter '" + k + "' must be a boolean, got " + v);
    }
}
