package io.spikestream.network;

import java.util.SplittableRandom;

/**
 * The connection rules of {@link Network#connect} (PyNEST's conn_spec): each rule produces its (source, target)
 * pairs into a sink, drawing from the projection's own random stream. {@link ProjectionBuilder} calls it twice with
 * the same seed (a counting pass and a filling pass), so a rule must draw the same pairs for the same stream and
 * keep no state between calls. Split out of {@link Network}.
 */
final class ConnectionGenerator {

    private ConnectionGenerator() {
    }

    /** The pairs of {@code conn} from {@code pre} to {@code post}, drawn from {@code rng}, into {@code sink}. */
    static void generate(Population pre, Population post, Connectivity conn, SplittableRandom rng,
                                 ProjectionBuilder.PairSink sink) {
        int nPre = pre.size();
        int nPost = post.size();
        boolean same = pre == post;
        switch (conn) {
            case Connectivity.AllToAll a -> {
                for (int i = 0; i < nPre; i++) {
                    for (int j = 0; j < nPost; j++) {
                        if (same && i == j && !a.allowAutapses()) {
                            continue;
                        }
                        sink.add(i, j);
                    }
                }
            }
            case Connectivity.PairwiseBernoulli b -> {
                double p = b.p();
                if (p <= 0) {
                    return;
                }
                // geometric skipping: the gap to the next chosen pair is Geometric(p); same law as a coin per pair
                double logq = Math.log1p(-p);
                for (int i = 0; i < nPre; i++) {
                    int j = -1;
                    while (true) {
                        if (p >= 1.0) {
                            j++;
                        } else {
                            double u = 1.0 - rng.nextDouble();
                            j += 1 + (int) Math.min(Integer.MAX_VALUE - 1L, (long) Math.floor(Math.log(u) / logq));
                        }
                        if (j >= nPost) {
                            break;
                        }
                        if (same && i == j && !b.allowAutapses()) {
                            continue;
                        }
                        sink.add(i, j);
                    }
                }
            }
            case Connectivity.FixedIndegree f -> {
                int k = f.indegree();
                int available = nPre - (same && !f.allowAutapses() ? 1 : 0);
                if (k > 0 && available <= 0) {
                    throw new IllegalArgumentException("fixed_indegree: no admissible source for K = " + k);
                }
                if (!f.allowMultapses() && k > available) {
                    throw new IllegalArgumentException("fixed_indegree: K = " + k + " exceeds the " + available
                        + " admissible sources without multapses");
                }
                boolean[] chosen = f.allowMultapses() ? null : new boolean[nPre];
                int[] picked = new int[k];
                for (int j = 0; j < nPost; j++) {
                    int c = 0;
                    while (c < k) {
                        int i = rng.nextInt(nPre);
                        if (same && i == j && !f.allowAutapses()) {
                            continue;
                        }
                        if (chosen != null) {
                            if (chosen[i]) {
                                continue;
                            }
                            chosen[i] = true;
                        }
                        picked[c++] = i;
                    }
                    for (int q = 0; q < k; q++) {
                        sink.add(picked[q], j);
                        if (chosen != null) {
                            chosen[picked[q]] = false;
                        }
                    }
                }
            }
            case Connectivity.OneToOne o -> {
                if (nPre != nPost) {
                    throw new IllegalArgumentException("one_to_one needs equal sizes, got " + nPre + " and " + nPost);
                }
                for (int i = 0; i < nPre; i++) {
                    sink.add(i, i);
                }
            }
            case Connectivity.Explicit e -> {
                for (int q = 0; q < e.sources().length; q++) {
                    int i = e.sources()[q];
                    int j = e.targets()[q];
                    if (i < 0 || i >= nPre || j < 0 || j >= nPost) {
                        throw new IllegalArgumentException("explicit connection " + q + ": (" + i + " -> " + j
                            + ") outside the populations' sizes " + nPre + " and " + nPost);
                    }
                    sink.add(i, j);
                }
            }
        }
    }
}
