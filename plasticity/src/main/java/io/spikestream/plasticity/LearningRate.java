package io.spikestream.plasticity;

/**
 * A rule's learning rate in force, changed from any thread while the simulation runs (each rule decides when a
 * synapse picks the new value up). The validation every rule's {@code setEta} shares.
 */
public final class LearningRate {

    private volatile double eta;

    public LearningRate(double eta) {
        set(eta);
    }

    public void set(double newEta) {
        if (!(newEta >= 0) || Double.isInfinite(newEta)) {
            throw new IllegalArgumentException("eta >= 0 required, got " + newEta);
        }
        eta = newEta;
    }

    /** A learning rate read from a checkpoint: refused as corrupt unless it is one {@link #set} accepts. */
    public static double checked(double stored) throws io.spikestream.network.checkpoint.CheckpointException {
        if (!(stored >= 0) || Double.isInfinite(stored)) {
            throw new io.spikestream.network.checkpoint.CheckpointException(
                io.spikestream.network.checkpoint.CheckpointException.Kind.CORRUPT, "learning rate " + stored + " in the checkpoint");
        }
        return stored;
    }

    public double get() {
        return eta;
    }
}
