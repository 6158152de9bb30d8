package io.spikestream.nir;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;
import io.spikestream.network.Projection;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Between a {@link StreamLearner} of the e-prop rules and NIR: the spec of a learner's network (export), and the
 * settings and learner of a NIR graph (import). The NIR graph decides the network's shape and neuron parameters
 * ({@code network.n_rec}, {@code rec_model}, {@code rec}, {@code readout}, {@code supervision.classes}, dense
 * projections); the learner's settings decide everything else (sensor, time, optimizer, learning parameters NIR has
 * no word for).
 */
public final class LearnerNir {

    /** The e-prop rules (with their older names): the learners whose network is input -> LIF -> LI. */
    public static final Set<String> EPROP_RULES = Set.of("eprop", "eprop-exact", "fast", "nest");

    /** Bare Infinity/NaN (what {@link Settings} reads as numbers), not quoted strings. */
    private static final JsonMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
        .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS).disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS).build();

    private LearnerNir() {
    }

    /** The learner's network as a spec (export). */
    public static RecurrentSpec spec(StreamLearner learner) {
        requireEprop(learner.settings());
        Map<String, Projection> p = learner.projections();
        return NetworkNir.spec(learner.recurrent(), learner.output(), p.get("input->recurrent"),
            p.get("recurrent->recurrent"), p.get("recurrent->readout"), learner.network().grid().resolutionMs());
    }

    /**
     * {@code base} with the graph's shape and parameters laid over it, as a complete settings file ({@code out}) that
     * {@code learn --config} takes, and loaded.
     */
    public static Settings settings(RecurrentSpec spec, Settings base, Path out) throws IOException {
        requireEprop(base);
        if (base.s("network.feedback").equals("symmetric")) {
            throw new NirException("network.feedback=symmetric derives the feedback weights from the initial output "
                + "weights; an imported model needs network.feedback=random");
        }
        ObjectNode root = (ObjectNode) JSON.readTree(base.toJson());
        ObjectNode net = (ObjectNode) root.get("network");
        net.put("n_rec", spec.hidden());
        net.put("rec_model", spec.recModel());
        merge((ObjectNode) net.get("rec"), spec.rec());
        merge((ObjectNode) net.get("readout"), spec.readout());
        net.put("p_in", 1.0);
        net.put("p_rec", spec.wRec() == null ? 0.0 : 1.0);
        net.put("p_out", 1.0);
        ((ObjectNode) root.get("supervision")).put("classes", spec.outputs());
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(out, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
        return Settings.load(List.of(out.toString()), List.of());
    }

    /**
     * A learner of {@code settings} whose weights are the spec's, every synapse set (the projections are dense). The
     * sensor settings must give as many inputs as the graph's Input node has.
     */
    public static StreamLearner learner(RecurrentSpec spec, Settings settings) throws IOException {
        StreamLearner l = new StreamLearner(settings, p -> { });
        try {
            if (l.inputs() != spec.inputs()) {
                throw new NirException("the graph has " + spec.inputs() + " inputs, the sensor settings give "
                    + l.inputs() + " (2 polarities x ceil(sensor.width / sensor.pool) x ceil(sensor.height / sensor.pool), less the blocklist); "
                    + "set sensor.width, sensor.height and sensor.pool to match");
            }
            Map<String, Projection> p = l.projections();
            NetworkNir.setWeights(p.get("input->recurrent"), spec.wIn());
            if (spec.wRec() != null) {
                NetworkNir.setWeights(p.get("recurrent->recurrent"), spec.wRec());
            }
            NetworkNir.setWeights(p.get("recurrent->readout"), spec.wOut());
            return l;
        } catch (RuntimeException e) {
            l.close();
            throw e;
        }
    }

    private static void merge(ObjectNode into, Map<String, Object> params) {
        for (Map.Entry<String, Object> e : params.entrySet()) {
            switch (e.getValue()) {
                case Double d -> into.put(e.getKey(), d);
                case Boolean b -> into.put(e.getKey(), b);
                default -> into.put(e.getKey(), e.getValue().toString());
            }
        }
    }

    private static void requireEprop(Settings s) {
        String rule = s.s("network.rule");
        if (!EPROP_RULES.contains(rule)) {
            throw new NirException("NIR export and import cover the e-prop rules (network.rule = eprop or eprop-exact), "
                + "not '" + rule + "'");
        }
    }
}
