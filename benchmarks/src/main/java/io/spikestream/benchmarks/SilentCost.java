package io.spikestream.benchmarks;

import java.util.Arrays;
import java.util.Locale;

/**
 * What silent plastic neurons cost (issue 11, item 3: cost follows spikes), measured in one JVM: the benchmark network
 * (fast e-prop, K = 100) is built twice, once as it is and once with {@code --silent} extra plastic neurons that never
 * spike and receive no spikes ({@link BenchNetwork}; they are created last, so both networks spike alike), and the two
 * are simulated in alternating stretches of {@code --chunk-ms}, in the order A B B A per pair of rounds. A drift of the
 * machine's speed (on a shared 2-core machine 20-30 % from one run to the next) then hits both alike, which separate
 * processes cannot give: their ratios scatter by as much as the effect measured. Both networks also run the same
 * compiled code, so the difference is the silent neurons' own work, not a JIT decision taken differently.
 *
 * <pre>
 *   SilentCost --n 10000 --silent 10000 [--k 100] [--threads 2] [--warmup-ms 1500] [--chunk-ms 100] [--rounds 40]
 *              [--seed 1]
 * </pre>
 *
 * Prints one line per round ({@code round=...}) and a summary line {@code silent_cost ...}: wall seconds per simulated
 * second of each, the ratio of the totals, the median and quartiles of the per-round ratios, and the wall nanoseconds
 * per silent neuron and step.
 */
public final class SilentCost {

    public static void main(String[] args) {
        int n = 10_000;
        int silent = 10_000;
        int k = 100;
        int threads = 2;
        double warmupMs = 1500;
        double chunkMs = 100;
        int rounds = 40;
        long seed = 1;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--n" -> { n = Integer.parseInt(v); i++; }
                case "--silent" -> { silent = Integer.parseInt(v); i++; }
                case "--k" -> { k = Integer.parseInt(v); i++; }
                case "--threads" -> { threads = Integer.parseInt(v); i++; }
                case "--warmup-ms" -> { warmupMs = Double.parseDouble(v); i++; }
                case "--chunk-ms" -> { chunkMs = Double.parseDouble(v); i++; }
                case "--rounds" -> { rounds = Integer.parseInt(v); i++; }
                case "--seed" -> { seed = Long.parseLong(v); i++; }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (rounds < 2 || rounds % 2 != 0) {
            throw new IllegalArgumentException("--rounds must be even (A B B A per pair of rounds), got " + rounds);
        }
        BenchNetwork base = new BenchNetwork(n, 0.1, k, threads, BenchNetwork.Mode.FAST, false, seed, 0, -1);
        BenchNetwork with = new BenchNetwork(n, 0.1, k, threads, BenchNetwork.Mode.FAST, false, seed, silent, -1);
        base.net.prepare();
        with.net.prepare();
        // warm-up in the same alternation, so that the JIT compiles while both run
        for (double done = 0; done < warmupMs; done += chunkMs) {
            base.net.simulate(chunkMs);
            with.net.simulate(chunkMs);
        }
        long spikesBase0 = base.net.spikeCount(base.rec);
        long spikesWith0 = with.net.spikeCount(with.rec);
        double[] wallBase = new double[rounds];
        double[] wallWith = new double[rounds];
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            boolean baseFirst = (r & 1) == 0;
            if (baseFirst) {
                wallBase[r] = timed(base, chunkMs);
                wallWith[r] = timed(with, chunkMs);
            } else {
                wallWith[r] = timed(with, chunkMs);
                wallBase[r] = timed(base, chunkMs);
            }
            ratio[r] = wallWith[r] / wallBase[r];
            System.out.printf(Locale.ROOT, "round=%d base_wall_s=%.4f silent_wall_s=%.4f ratio=%.3f%n", r + 1,
                wallBase[r], wallWith[r], ratio[r]);
        }
        double simS = rounds * chunkMs / 1000.0;
        double totBase = Arrays.stream(wallBase).sum();
        double totWith = Arrays.stream(wallWith).sum();
        double[] sorted = ratio.clone();
        Arrays.sort(sorted);
        double steps = rounds * chunkMs / with.net.grid().resolutionMs();
        System.out.printf(Locale.ROOT, "silent_cost n_rec=%d silent=%d k=%d threads=%d chunk_ms=%.0f rounds=%d "
                + "base_wall_per_sim_s=%.4f silent_wall_per_sim_s=%.4f ratio=%.3f ratio_median=%.3f ratio_q1=%.3f "
                + "ratio_q3=%.3f ns_per_silent_neuron_step=%.2f rec_spikes_base=%d rec_spikes_silent=%d%n",
            n, silent, k, threads, chunkMs, rounds, totBase / simS, totWith / simS, totWith / totBase,
            quantile(sorted, 0.5), quantile(sorted, 0.25), quantile(sorted, 0.75),
            (totWith - totBase) / (silent * steps) * 1e9, base.net.spikeCount(base.rec) - spikesBase0,
            with.net.spikeCount(with.rec) - spikesWith0);
        base.net.close();
        with.net.close();
    }

    private static double timed(BenchNetwork b, double ms) {
        long t0 = System.nanoTime();
        b.net.simulate(ms);
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Linear interpolation between the order statistics of a sorted array. */
    private static double quantile(double[] sorted, double q) {
        double x = q * (sorted.length - 1);
        int i = (int) Math.floor(x);
        int j = Math.min(sorted.length - 1, i + 1);
        return sorted[i] + (x - i) * (sorted[j] - sorted[i]);
    }
}
