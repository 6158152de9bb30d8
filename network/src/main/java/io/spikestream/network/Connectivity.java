package io.spikestream.network;

/**
 * Connection rules, as PyNEST's {@code conn_spec}. Every random choice is drawn from the projection's own
 * seeded generator, so the same network seed gives the same connections whatever the thread count.
 */
public sealed interface Connectivity {

    /** Every source to every target ({@code all_to_all}). */
    record AllToAll(boolean allowAutapses) implements Connectivity {
    }

    /** Each (source, target) pair independently with probability p ({@code pairwise_bernoulli}). */
    record PairwiseBernoulli(double p, boolean allowAutapses) implements Connectivity {
        public PairwiseBernoulli {
            if (!(p >= 0.0 && p <= 1.0)) {
                throw new IllegalArgumentException("pairwise_bernoulli: p must lie in [0, 1], got " + p);
            }
        }
    }

    /** Each target draws K sources uniformly ({@code fixed_indegree}). */
    record FixedIndegree(int indegree, boolean allowAutapses, boolean allowMultapses) implements Connectivity {
        public FixedIndegree {
            if (indegree < 0) {
                throw new IllegalArgumentException("fixed_indegree: indegree must be >= 0, got " + indegree);
            }
        }
    }

    /** Source i to target i ({@code one_to_one}); both populations must have the same size. */
    record OneToOne() implements Connectivity {
    }

    /** An explicit list of (source, target) pairs, local indices, in connection order. */
    record Explicit(int[] sources, int[] targets) implements Connectivity {
        public Explicit {
            if (sources.length != targets.length) {
                throw new IllegalArgumentException("explicit connections: " + sources.length + " sources but "
                    + targets.length + " targets");
            }
        }
    }

    static Connectivity allToAll() {
        return new AllToAll(true);
    }

    static Connectivity allToAll(boolean allowAutapses) {
        return new AllToAll(allowAutapses);
    }

    static Connectivity pairwiseBernoulli(double p, boolean allowAutapses) {
        return new PairwiseBernoulli(p, allowAutapses);
    }

    static Connectivity fixedIndegree(int k, boolean allowAutapses) {
        return new FixedIndegree(k, allowAutapses, true);
    }

    static Connectivity oneToOne() {
        return new OneToOne();
    }

    static Connectivity explicit(int[] sources, int[] targets) {
        return new Explicit(sources, targets);
    }
}
