package io.spikestream.nir;

import io.spikestream.network.Population;
import io.spikestream.network.Projection;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Between a built network and a {@link RecurrentSpec}: weights of a projection as a dense {@code [target][source]}
 * matrix (0 where there is no synapse) and back. A NIR edge is one step, so a projection whose delay is not one step
 * is refused, naming it; so is a pair of neurons joined by two synapses (a dense matrix has one entry per pair).
 */
public final class NetworkNir {

    private NetworkNir() {
    }

    /** The spec of a learner's network: hidden and readout models and parameters, and the three projections' weights. */
    public static RecurrentSpec spec(Population hidden, Population readout, Projection inToHidden,
                                     Projection hiddenToHidden, Projection hiddenToReadout, double resolutionMs) {
        return new RecurrentSpec(hidden.model().nestName(), params(hidden), readout.model().nestName(), params(readout),
            matrix(inToHidden), hiddenToHidden == null ? null : matrix(hiddenToHidden), matrix(hiddenToReadout),
            resolutionMs);
    }

    private static Map<String, Object> params(Population p) {
        return new LinkedHashMap<>(p.params().asMap());
    }

    /** The projection's weights as {@code [target][source]}, 0 where no synapse. */
    public static double[][] matrix(Projection p) {
        requireOneStep(p);
        double[][] w = new double[p.target().size()][p.source().size()];
        boolean[][] seen = new boolean[w.length][p.source().size()];
        p.forEachSynapse((part, syn, src, tgt, weight) -> {
            if (seen[tgt][src]) {
                throw new NirException(describe(p) + ": neurons " + src + " -> " + tgt + " are joined by more than one "
                    + "synapse, which a NIR weight matrix cannot hold");
            }
            seen[tgt][src] = true;
            w[tgt][src] = weight;
        });
        return w;
    }

    /**
     * Sets every synapse of {@code p} to {@code w[target][source]}. Every nonzero entry needs a synapse (the importer
     * builds the projections dense, so it has one); an entry without one is refused, naming it.
     */
    public static void setWeights(Projection p, double[][] w) {
        requireOneStep(p);
        if (w.length != p.target().size() || (w.length > 0 && w[0].length != p.source().size())) {
            throw new NirException(describe(p) + ": weights are " + w.length + "x" + (w.length == 0 ? 0 : w[0].length)
                + ", the projection joins " + p.source().size() + " -> " + p.target().size() + " neurons");
        }
        boolean[][] seen = new boolean[w.length][w.length == 0 ? 0 : w[0].length];
        p.forEachSynapse((part, syn, src, tgt, weight) -> {
            part.setWeight(syn, w[tgt][src]);
            seen[tgt][src] = true;
        });
        for (int i = 0; i < w.length; i++) {
            for (int j = 0; j < w[i].length; j++) {
                if (!seen[i][j] && Double.doubleToRawLongBits(w[i][j]) != 0L) {
                    throw new NirException(describe(p) + ": weight [" + i + "][" + j + "] = " + w[i][j]
                        + " has no synapse (neuron " + j + " -> " + i + ")");
                }
            }
        }
    }

    private static void requireOneStep(Projection p) {
        if (p.uniformDelay() != 1) {
            throw new NirException(describe(p) + ": delay " + (p.uniformDelay() < 0 ? "varies per synapse (max "
                + p.maxDelay() + " steps)" : "is " + p.uniformDelay() + " steps") + "; a NIR edge is one step");
        }
    }

    private static String describe(Projection p) {
        return "projection " + p.source().label() + " -> " + p.target().label();
    }
}
