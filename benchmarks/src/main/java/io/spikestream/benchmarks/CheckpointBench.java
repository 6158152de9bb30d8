package io.spikestream.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Checkpoint cost of the benchmark network of {@code shared/bench/README.md} (fast e-prop, Adam), scaled by the
 * recurrent in-degree to a given number of plastic synapses: size of a checkpoint, time to write it (sizing pass,
 * memory-mapped temporary file, CRC32C of every section, force, rename, directory force) and to restore it into a
 * freshly built network (map, verify every checksum, copy into the state), and the throughput cost of
 * checkpointing every {@code --every-ms} of stream time while simulating. Prints one line of {@code key=value}.
 *
 * <pre>
 *   CheckpointBench --synapses 1000000 --threads 2 --dir /tmp/ckpt [--repeat 3] [--warmup-ms 2000]
 *                   [--stream-ms 60000] [--every-ms 10000]
 * </pre>
 *
 * Wall-clock timing with {@code System.nanoTime()}: this is a benchmark harness, not engine code.
 */
public final class CheckpointBench {

    public static void main(String[] args) throws Exception {
        long synapses = 1_000_000;
        int threads = 2;
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "spikestream-ckpt-bench");
        int repeat = 3;
        double warmupMs = 2000;
        double streamMs = 60_000;
        double everyMs = 10_000;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--synapses" -> { synapses = (long) Double.parseDouble(v); i++; }
                case "--threads" -> { threads = Integer.parseInt(v); i++; }
                case "--dir" -> { dir = Path.of(v); i++; }
                case "--repeat" -> { repeat = Integer.parseInt(v); i++; }
                case "--warmup-ms" -> { warmupMs = Double.parseDouble(v); i++; }
                case "--stream-ms" -> { streamMs = Double.parseDouble(v); i++; }
                case "--every-ms" -> { everyMs = Double.parseDouble(v); i++; }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Files.createDirectories(dir);
        // 100 inputs all-to-all, K recurrent in-degree, 10 readouts: synapses = N (100 + K + 10); N = 1000 per 10^6
        int n = (int) Math.max(100, synapses / 1000);
        int k = (int) Math.max(1, Math.round(synapses / (double) n - 110));
        long t0 = System.nanoTime();
        BenchNetwork b = new BenchNetwork(n, 0, k, threads, BenchNetwork.Mode.FAST, false, 1, 0, -1);
        b.net.prepare();
        double buildS = (System.nanoTime() - t0) / 1e9;
        b.net.simulate(warmupMs);
        long plastic = b.plasticSynapses();

        Path file = dir.resolve("bench.ckpt");
        double[] write = new double[repeat];
        long bytes = 0;
        for (int r = 0; r < repeat; r++) {
            b.net.simulate(100); // the state changes between checkpoints, as it would
            long s = System.nanoTime();
            bytes = b.net.writeCheckpoint(file);
            write[r] = (System.nanoTime() - s) / 1e9;
        }
        double[] restore = new double[repeat];
        for (int r = 0; r < repeat; r++) {
            BenchNetwork fresh = new BenchNetwork(n, 0, k, threads, BenchNetwork.Mode.FAST, false, 1, 0, -1);
            try {
                fresh.net.prepare();
                long s = System.nanoTime();
                fresh.net.restoreCheckpoint(file);
                restore[r] = (System.nanoTime() - s) / 1e9;
            } finally {
                fresh.net.close();
            }
        }
        Files.deleteIfExists(file);

        // throughput: simulate the stream in stretches of everyMs, checkpointing after each stretch
        int stretches = (int) Math.round(streamMs / everyMs);
        double simS = 0;
        double ckptS = 0;
        for (int i = 0; i < stretches; i++) {
            long s = System.nanoTime();
            b.net.simulate(everyMs);
            long m = System.nanoTime();
            b.net.writeCheckpoint(file);
            long e = System.nanoTime();
            simS += (m - s) / 1e9;
            ckptS += (e - m) / 1e9;
        }
        Files.deleteIfExists(file);
        b.net.close();
        System.out.printf(Locale.ROOT, "synapses=%d neurons=%d k=%d threads=%d build_s=%.2f bytes=%d bytes_per_synapse=%.1f "
                + "write_s=%.3f write_min_s=%.3f write_max_s=%.3f write_MBps=%.0f restore_s=%.3f restore_min_s=%.3f "
                + "restore_max_s=%.3f restore_MBps=%.0f stream_s=%.0f every_s=%.0f sim_wall_s=%.2f ckpt_wall_s=%.2f "
                + "cost_pct=%.2f%n",
            plastic, n, k, threads, buildS, bytes, bytes / (double) plastic, median(write), min(write), max(write),
            bytes / 1e6 / median(write), median(restore), min(restore), max(restore), bytes / 1e6 / median(restore),
            streamMs / 1000, everyMs / 1000, simS, ckptS, 100.0 * ckptS / simS);
    }

    static double median(double[] a) {
        double[] c = a.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }

    static double min(double[] a) {
        return Arrays.stream(a).min().orElse(Double.NaN);
    }

    static double max(double[] a) {
        return Arrays.stream(a).max().orElse(Double.NaN);
    }
}
