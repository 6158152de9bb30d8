package io.spikestream.nir;

import java.util.Map;

/**
 * The NIR primitives spikestream reads and writes, with NIR's own field names (reference package neuromorphs/NIR,
 * {@code nir/ir/*.py}). Arrays are per neuron, weight matrices are {@code [out][in]} ({@code y = W x}). Every node
 * may carry {@code metadata}: a flat map of strings and numbers (NIR's optional {@code metadata} group).
 *
 * <p>Nodes of other types are kept as {@link Other} so that a graph can be read whole and refused with a message
 * naming what it contains.
 */
public sealed interface NirNode {

    /** NIR's type name, the {@code type} dataset of the node's group. */
    String type();

    Map<String, Object> metadata();

    record Input(long[] shape, Map<String, Object> metadata) implements NirNode {
        public String type() {
            return "Input";
        }
    }

    record Output(long[] shape, Map<String, Object> metadata) implements NirNode {
        public String type() {
            return "Output";
        }
    }

    /** {@code y = W x + b}. */
    record Affine(double[][] weight, double[] bias, Map<String, Object> metadata) implements NirNode {
        public String type() {
            return "Affine";
        }
    }

    /** {@code y = W x}. */
    record Linear(double[][] weight, Map<String, Object> metadata) implements NirNode {
        public String type() {
            return "Linear";
        }
    }

    /** {@code tau dv/dt = (v_leak - v) + r I}; spike when {@code v > v_threshold}, then {@code v = v_reset}. */
    record Lif(double[] tau, double[] r, double[] vLeak, double[] vThreshold, double[] vReset,
               Map<String, Object> metadata) implements NirNode {
        public String type() {
            return "LIF";
        }
    }

    /** {@link Lif} fed through a synaptic current: {@code tau_syn dI/dt = -I + w_in S}. */
    record CubaLif(double[] tauSyn, double[] tauMem, double[] r, double[] vLeak, double[] vThreshold, double[] vReset,
                   double[] wIn, Map<String, Object> metadata) implements NirNode {
        public String type() {
            return "CubaLIF";
        }
    }

    /** Leaky integrator: {@code tau dv/dt = (v_leak - v) + r I}, no spikes. */
    record Li(double[] tau, double[] r, double[] vLeak, Map<String, Object> metadata) implements NirNode {
        public String type() {
            return "LI";
        }
    }

    /** A primitive spikestream does not map (Conv2d, Delay, Threshold, ...), kept by name only. */
    record Other(String type, Map<String, Object> metadata) implements NirNode {
    }
}
