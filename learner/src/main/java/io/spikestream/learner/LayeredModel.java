package io.spikestream.learner;

import io.spikestream.network.InputPopulation;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.plasticity.LearningRateControl;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What every rule's model shares: an input population, a hidden population and an output population of type
 * {@code O} (one neuron per class), its plastic projections by name, and learning on or off by its rule's learning
 * rate. A model creates its populations in its constructor and hands them over with {@link #layers}; a rule whose
 * learning is chosen per window instead (EventProp) registers no rate, and {@link #setLearning} leaves it alone.
 */
abstract class LayeredModel<O extends Population> implements LearnerModel {

    private final String rule;
    /** The plastic projections in creation order (the model puts them in as it connects them). */
    protected final Map<String, Projection> projections = new LinkedHashMap<>();
    protected InputPopulation in;
    protected Population hidden;
    protected O out;
    private LearningRateControl rate;
    private double eta;

    LayeredModel(String rule) {
        this.rule = rule;
    }

    /** The populations, once created. */
    protected final void layers(InputPopulation input, Population hiddenLayer, O output) {
        in = input;
        hidden = hiddenLayer;
        out = output;
    }

    /** {@link #setLearning} sets {@code control}'s rate to {@code configured} (on) or 0 (off). */
    protected final void learningRate(LearningRateControl control, double configured) {
        rate = control;
        eta = configured;
    }

    @Override
    public final String rule() {
        return rule;
    }

    @Override
    public final InputPopulation input() {
        return in;
    }

    @Override
    public final Population hidden() {
        return hidden;
    }

    @Override
    public final Population output() {
        return out;
    }

    @Override
    public final Map<String, Projection> projections() {
        return projections;
    }

    @Override
    public void setLearning(boolean on) {
        if (rate != null) {
            rate.setEta(on ? eta : 0.0);
        }
    }
}
