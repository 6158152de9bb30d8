package io.spikestream.plasticity;

/** A rule whose learning rate can change while the simulation runs (0 freezes learning, e.g. in a test phase). */
public interface LearningRateControl {
    void setEta(double eta);

    double eta();
}
