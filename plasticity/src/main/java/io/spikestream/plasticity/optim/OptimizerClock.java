package io.spikestream.plasticity.optim;

/**
 * The part of NEST's per-synapse optimizer state that evolves identically for every synapse leaving one
 * source (they see the same sequence of update indices): the optimization step {@code k}, Adam's
 * {@code beta_1^k, beta_2^k}, the update count and the learning rate in force. Stored once per source and
 * copied into this mutable scratch object while a row is processed. Not threadsafe; one per worker.
 */
public final class OptimizerClock {
    public long k;
    public double b1pow;
    public double b2pow;
    public long nOptimize;
    public double etaCurrent;

    public void set(long k, double b1pow, double b2pow, long nOptimize, double etaCurrent) {
        this.k = k;
        this.b1pow = b1pow;
        this.b2pow = b2pow;
        this.nOptimize = nOptimize;
        this.etaCurrent = etaCurrent;
    }

    public void copyFrom(OptimizerClock o) {
        set(o.k, o.b1pow, o.b2pow, o.nOptimize, o.etaCurrent);
    }
}
