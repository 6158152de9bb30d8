package io.spikestream.benchmarks;

import io.spikestream.network.KernelPrimer;
import io.spikestream.network.Network;
import io.spikestream.plasticity.eprop.FastEpropRule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Runs the benchmark network of {@code shared/bench/README.md} for a stretch of biological time and prints
 * one line of {@code key=value} results: wall seconds per simulated second, spikes, synaptic events per wall
 * second, bytes per plastic synapse and peak RSS. One configuration per JVM, so that peak RSS is its own
 * ({@code benchmarks/eprop-scaling.sh} runs the matrix).
 *
 * <pre>
 *   EpropScaling --n 10000 --p 0.1 | --k 100  --threads 2  --mode fast|nest  --adam per-update|catch-up
 *                [--sim-ms 1000] [--warmup-ms 0] [--silent 0] [--seed 1] [--eta E] [--loss-every-ms MS]
 *                [--frozen-input-ms MS] [--prime-ms MS [--prime-n 1000]]
 *                [--progress-ms MS] [--checkpoint FILE [--checkpoint-at-ms MS] [--resume-ms 20] [--keep-checkpoint]]
 * </pre>
 *
 * With {@code --checkpoint}, after the run (or after the progress stretch reaching {@code --checkpoint-at-ms}) the network is checkpointed to FILE (size, write seconds), simulated on
 * for {@code --resume-ms} (fingerprint of spikes and every plastic weight), restored from FILE (restore seconds)
 * and simulated for the same stretch again: {@code checkpoint_resume=identical} when both continuations agree bit
 * for bit. {@code --progress-ms} prints a line to stderr per stretch (long runs).
 *
 * <p>With {@code --prime-ms}, once the network is built, two miniatures of it ({@code --prime-n} recurrent neurons,
 * the same layout, other seeds) are simulated for MS and MS / 4 ({@link KernelPrimer}) before the measured stretch:
 * the JIT compiles the kernels during construction, and {@code build_s} includes it ({@code prime_s} on its own).
 * 4000 is what the benchmarks use: shorter priming leaves the methods called once or twice a step to be compiled in
 * the measured stretch ({@link KernelPrimer}, "How long").
 */
public final class EpropScaling {

    public static void main(String[] args) throws Exception {
        int n = 1000;
        double p = 0.1;
        int k = 0;
        int threads = 1;
        BenchNetwork.Mode mode = BenchNetwork.Mode.FAST;
        boolean catchUp = false;
        double simMs = 1000;
        double warmupMs = 0;
        int silent = 0;
        long seed = 1;
        double lossEveryMs = 0;
        double eta = -1;
        double frozenInputMs = 0;
        double progressMs = 0;
        Path checkpoint = null;
        double resumeMs = 20;
        double checkpointAtMs = Double.POSITIVE_INFINITY;
        boolean keepCheckpoint = false;
        double primeMs = 0;
        int primeN = 1000;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--n" -> { n = Integer.parseInt(v); i++; }
                case "--p" -> { p = Double.parseDouble(v); k = 0; i++; }
                case "--k" -> { k = Integer.parseInt(v); i++; }
                case "--threads" -> { threads = Integer.parseInt(v); i++; }
                case "--mode" -> { mode = BenchNetwork.Mode.valueOf(v.toUpperCase(Locale.ROOT)); i++; }
                case "--adam" -> { catchUp = v.equals("catch-up"); i++; }
                case "--sim-ms" -> { simMs = Double.parseDouble(v); i++; }
                case "--warmup-ms" -> { warmupMs = Double.parseDouble(v); i++; }
                case "--silent" -> { silent = Integer.parseInt(v); i++; }
                case "--seed" -> { seed = Long.parseLong(v); i++; }
                case "--loss-every-ms" -> { lossEveryMs = Double.parseDouble(v); i++; }
                case "--eta" -> { eta = Double.parseDouble(v); i++; }
                case "--frozen-input-ms" -> { frozenInputMs = Double.parseDouble(v); i++; }
                case "--progress-ms" -> { progressMs = Double.parseDouble(v); i++; }
                case "--checkpoint" -> { checkpoint = Path.of(v); i++; }
                case "--resume-ms" -> { resumeMs = Double.parseDouble(v); i++; }
                case "--checkpoint-at-ms" -> { checkpointAtMs = Double.parseDouble(v); i++; }
                case "--keep-checkpoint" -> keepCheckpoint = true;
                case "--prime-ms" -> { primeMs = Double.parseDouble(v); i++; }
                case "--prime-n" -> { primeN = Integer.parseInt(v); i++; }
                default -> throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        long t0 = System.nanoTime();
        BenchNetwork b = new BenchNetwork(n, p, k, threads, mode, catchUp, seed, silent, eta, frozenInputMs);
        io.spikestream.network.Multimeter errors = null;
        if (lossEveryMs > 0) {
            errors = b.net.multimeter(java.util.List.of("error_signal"), 0, 1e12, 1.0);
            for (int j = 0; j < b.out.size(); j++) {
                b.net.addToMultimeter(errors, b.out, j);
            }
        }
        b.net.prepare();
        double primeS = 0;
        if (primeMs > 0) {
            primeS = KernelPrimer.start(miniature(b, primeN, p, k, threads, mode, catchUp, seed, eta, frozenInputMs),
                primeMs, primeMs / 4).await();
        }
        double buildS = (System.nanoTime() - t0) / 1e9;
        // the memory figures do not depend on the simulation: printed now, so that a long run stopped early has them
        double[] built = bytesPerSynapse(b);
        System.out.printf(Locale.ROOT, "built n_rec=%d plastic_synapses=%d build_s=%.2f synapse_state_bytes_per_synapse=%.1f "
                + "history_bytes_per_synapse=%.1f other_bytes_per_synapse=%.1f total_bytes_per_synapse=%.1f "
                + "rss_after_build_mib=%.0f%n", n, b.plasticSynapses(), buildS, built[0], built[1], built[2],
            built[0] + built[1] + built[2], peakRssMib());
        System.out.println(workerSplit(b.net));
        if (warmupMs > 0) {
            b.net.simulate(warmupMs);
        }
        // simulated in stretches (one unless --progress-ms); the checkpoint round trip, if asked for, runs after the
        // stretch that reaches --checkpoint-at-ms and is left out of the timing, the spike and event counts and the
        // loss curve (its first continuation is undone by the restore; the second continues the run)
        double stretchMs = progressMs > 0 ? progressMs : simMs;
        double wall = 0;
        // CPU seconds of the whole process (both workers, the JIT's compiler threads, GC) and the JIT's compilation
        // time over the simulated stretches: their share shows what a cold JVM pays beyond the simulation itself
        double cpu = 0;
        long jitMs = 0;
        // CPU seconds of the Java threads alone (the simulation's workers and this one; not the JIT's compiler
        // threads or GC): on a loaded machine a steadier measure of the simulation's own work than wall time
        double appCpu = 0;
        long spikes = 0;
        long events = 0;
        List<Double> curve = new ArrayList<>();
        int[] lossRow = {0};
        boolean checkpointDone = checkpoint == null;
        for (double done = 0; done < simMs; done += stretchMs) {
            double stretch = Math.min(stretchMs, simMs - done);
            long spikes0 = b.net.spikeCount(b.rec);
            long events0 = b.net.synapticEvents();
            long s0 = System.nanoTime();
            double cpu0 = processCpuS();
            double app0 = javaThreadsCpuS();
            long jit0 = jitMs();
            b.net.simulate(stretch);
            double stretchWall = (System.nanoTime() - s0) / 1e9;
            double stretchCpu = processCpuS() - cpu0;
            long stretchJit = jitMs() - jit0;
            wall += stretchWall;
            cpu += stretchCpu;
            appCpu += javaThreadsCpuS() - app0;
            jitMs += stretchJit;
            spikes += b.net.spikeCount(b.rec) - spikes0;
            events += b.net.synapticEvents() - events0;
            int before = curve.size();
            if (errors != null) {
                appendLoss(errors, b.out.size(), lossEveryMs, lossRow, curve);
            }
            if (progressMs > 0) {
                double mse = 0;
                for (int q = before; q < curve.size(); q++) {
                    mse += curve.get(q) / (curve.size() - before);
                }
                System.err.printf(Locale.ROOT, "progress sim_ms=%.0f stretch_wall_s=%.2f rec_spikes=%d stretch_mse=%.5f "
                    + "peak_rss_mib=%.0f stretch_cpu_s=%.2f stretch_jit_ms=%d%n", done + stretch, stretchWall,
                    b.net.spikeCount(b.rec), mse, peakRssMib(), stretchCpu, stretchJit);
            }
            if (!checkpointDone && done + stretch >= checkpointAtMs) {
                checkpointRoundTrip(b, checkpoint, resumeMs, keepCheckpoint);
                checkpointDone = true;
                if (errors != null) {
                    lossRow[0] = errors.rows();
                }
            }
        }
        long syn = b.plasticSynapses();
        double[] bytes = bytesPerSynapse(b);
        System.out.printf(Locale.ROOT,
            "mode=%s adam=%s n_rec=%d rec=%s threads=%d sim_ms=%.0f plastic_synapses=%d build_s=%.2f prime_s=%.2f "
                + "wall_s=%.3f wall_per_sim_s=%.4f rec_spikes=%d rate_hz=%.2f synaptic_events=%d events_per_wall_s=%.4g "
                + "synapse_state_bytes_per_synapse=%.1f history_bytes_per_synapse=%.1f other_bytes_per_synapse=%.1f "
                + "total_bytes_per_synapse=%.1f peak_rss_mib=%.0f cpu_s=%.3f cpu_per_sim_s=%.4f jit_ms=%d jit_ms_total=%d "
                + "jvm_uptime_s=%.2f java_threads_cpu_s=%.3f weights_crc=%08x%n",
            mode.name().toLowerCase(Locale.ROOT), catchUp ? "catch-up" : "per-update", n,
            k > 0 ? "K=" + k : "p=" + p, threads, simMs, syn, buildS, primeS, wall, wall / (simMs / 1000.0), spikes,
            spikes / (double) n / (simMs / 1000.0), events, events / wall,
            bytes[0], bytes[1], bytes[2], bytes[0] + bytes[1] + bytes[2], peakRssMib(), cpu, cpu / (simMs / 1000.0),
            jitMs, jitMs(), java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0, appCpu,
            weightsCrc(b));
        if (errors != null) {
            // mean squared readout error per window: the learning curve of the sine-regression task
            StringBuilder line = new StringBuilder("loss_curve_ms=" + (long) lossEveryMs + " mse=");
            for (int q = 0; q < curve.size(); q++) {
                line.append(String.format(Locale.ROOT, "%s%.5f", q == 0 ? "" : ",", curve.get(q)));
            }
            System.out.println(line);
        }
        if (!checkpointDone) {
            checkpointRoundTrip(b, checkpoint, resumeMs, keepCheckpoint);
        }
        b.net.close();
    }

    /**
     * Miniatures of {@code b} for {@link KernelPrimer}: the benchmark network with {@code primeN} recurrent neurons
     * and other seeds, in the layout {@code b}'s rule chose (by default a small network keeps the classic layout,
     * whose kernels a large one does not run).
     */
    private static Supplier<Network> miniature(BenchNetwork b, int primeN, double p, int k, int threads,
                                               BenchNetwork.Mode mode, boolean catchUp, long seed, double eta,
                                               double frozenInputMs) {
        long[] next = {seed};
        return () -> {
            BenchNetwork m = new BenchNetwork(primeN, p, k, threads, mode, catchUp, ++next[0], 0, eta, frozenInputMs);
            if (b.rule instanceof FastEpropRule big) {
                ((FastEpropRule) m.rule).setCompactLayout(big.compactLayout());
            }
            return m.net;
        };
    }

    /**
     * CRC32C of every plastic weight, per projection in a canonical order (source, then target, then the weight's bits
     * for a multapse): equal in two runs only if every weight is bit-identical, whatever the number of workers or the
     * split of the populations into their chunks. That is what a before/after comparison of an engine change that
     * must keep the results checks, and what shows that the thread count does not change them.
     */
    private static long weightsCrc(BenchNetwork b) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 16);
        long[] row = new long[64];
        for (io.spikestream.network.Projection q : b.plastic) {
            int sources = q.part(0).rowPtr.length - 1;
            for (int src = 0; src < sources; src++) {
                int n = 0;
                for (int k = 0; k < q.parts(); k++) {
                    n += (int) (q.part(k).rowEnd(src) - q.part(k).rowStart(src));
                }
                long[] keys = row.length >= 2 * n ? row : (row = new long[2 * n]);
                int x = 0;
                for (int k = 0; k < q.parts(); k++) {
                    io.spikestream.network.Projection.Part part = q.part(k);
                    for (long i = part.rowStart(src); i < part.rowEnd(src); i++) {
                        keys[x++] = part.target(i);
                        keys[x++] = Double.doubleToRawLongBits(part.weight(i));
                    }
                }
                sortPairs(keys, n);
                for (int e = 0; e < 2 * n; e++) {
                    if (buf.remaining() < Long.BYTES) {
                        crc.update(buf.flip());
                        buf.clear();
                    }
                    buf.putLong(keys[e]);
                }
            }
        }
        crc.update(buf.flip());
        return crc.getValue();
    }

    /** Sorts n (target, weight bits) pairs stored flat in {@code a} by target, then bits (rows mostly come sorted). */
    private static void sortPairs(long[] a, int n) {
        boolean sorted = true;
        for (int i = 1; i < n && sorted; i++) {
            sorted = a[2 * i - 2] < a[2 * i] || a[2 * i - 2] == a[2 * i] && a[2 * i - 1] <= a[2 * i + 1];
        }
        if (sorted) {
            return;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> a[2 * x] != a[2 * y] ? Long.compare(a[2 * x], a[2 * y])
            : Long.compare(a[2 * x + 1], a[2 * y + 1]));
        long[] copy = java.util.Arrays.copyOf(a, 2 * n);
        for (int i = 0; i < n; i++) {
            a[2 * i] = copy[2 * order[i]];
            a[2 * i + 1] = copy[2 * order[i] + 1];
        }
    }

    /**
     * Bytes per plastic synapse: {synapse columns (engine target and weight + the rule's columns), neuron history,
     * everything else (per-source and per-neuron state, feedback and static connections, row pointers)}.
     */
    private static double[] bytesPerSynapse(BenchNetwork b) {
        long syn = b.plasticSynapses();
        long engineBytes = syn * (4 + 8);
        long ruleBytes = 0;
        long histBytes = 0;
        long otherBytes = 0;
        if (b.rule instanceof FastEpropRule f) {
            ruleBytes = f.synapseStateBytes();
            histBytes = f.historyBytes();
            otherBytes = f.sourceAndNeuronBytes() + rowPointerBytes(b.net);
            for (io.spikestream.network.Projection q : b.net.projections()) {
                if (!b.plastic.contains(q)) {
                    otherBytes += q.size() * (4 + 8); // static and feedback connections: target and weight
                }
            }
        }
        return new double[] {(engineBytes + ruleBytes) / (double) syn, histBytes / (double) syn, otherBytes / (double) syn};
    }

    /** Appends the mean squared error of every complete window of recorded rows from lossRow[0] on. */
    private static void appendLoss(io.spikestream.network.Multimeter errors, int readouts, double lossEveryMs,
                                   int[] lossRow, List<Double> curve) {
        int per = (int) Math.round(lossEveryMs) * readouts;
        int r = lossRow[0];
        for (; r + per <= errors.rows(); r += per) {
            double se = 0;
            for (int q = r; q < r + per; q++) {
                double e = errors.value(q, 0);
                se += e * e;
            }
            curve.add(se / per);
        }
        lossRow[0] = r;
    }

    /**
     * Writes a checkpoint, continues, restores and continues again: prints the checkpoint's size, write and restore
     * seconds and whether both continuations agree bit for bit (spike count and every plastic weight).
     */
    private static void checkpointRoundTrip(BenchNetwork b, Path file, double resumeMs, boolean keep) throws IOException {
        long w0 = System.nanoTime();
        long bytes = b.net.writeCheckpoint(file);
        double writeS = (System.nanoTime() - w0) / 1e9;
        double rssAfterWrite = peakRssMib();
        long spikes0 = b.net.spikeCount(b.rec);
        b.net.simulate(resumeMs);
        long first = fingerprint(b) ^ (b.net.spikeCount(b.rec) - spikes0);
        long r0 = System.nanoTime();
        b.net.restoreCheckpoint(file);
        double restoreS = (System.nanoTime() - r0) / 1e9;
        long spikes1 = b.net.spikeCount(b.rec);
        b.net.simulate(resumeMs);
        long second = fingerprint(b) ^ (b.net.spikeCount(b.rec) - spikes1);
        if (!keep) {
            Files.deleteIfExists(file);
        }
        System.out.printf(Locale.ROOT, "checkpoint_bytes=%d checkpoint_gib=%.2f checkpoint_write_s=%.2f checkpoint_restore_s=%.2f "
                + "checkpoint_resume=%s resume_ms=%.0f peak_rss_after_write_mib=%.0f peak_rss_after_restore_mib=%.0f%n",
            bytes, bytes / (double) (1L << 30), writeS, restoreS, first == second ? "identical" : "DIFFERENT", resumeMs,
            rssAfterWrite, peakRssMib());
    }

    /** A hash of every plastic weight (bit patterns, in storage order). */
    private static long fingerprint(BenchNetwork b) {
        long h = 0x9E3779B97F4A7C15L;
        for (io.spikestream.network.Projection p : b.plastic) {
            for (int k = 0; k < p.parts(); k++) {
                io.spikestream.network.Projection.Part part = p.part(k);
                for (long i = 0; i < part.nnz; i++) {
                    h = (h ^ Double.doubleToRawLongBits(part.weight(i))) * 0x100000001B3L;
                }
            }
        }
        return h;
    }

    /** Heap bytes of every projection's row pointers. */
    private static long rowPointerBytes(Network net) {
        long b = 0;
        for (io.spikestream.network.Projection p : net.projections()) {
            for (int k = 0; k < p.parts(); k++) {
                b += (long) p.part(k).rowPtr.length * Long.BYTES;
            }
        }
        return b;
    }

    /** VmHWM of this process (Linux), in MiB; -1 elsewhere. */
    /** CPU seconds used by this process so far (all threads), or -1 where the JVM cannot tell. */
    static double processCpuS() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            long ns = os.getProcessCpuTime();
            return ns < 0 ? -1 : ns / 1e9;
        }
        return -1;
    }

    /** CPU seconds used so far by the live Java threads (compiler and GC threads are not among them). */
    static double javaThreadsCpuS() {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        double sum = 0;
        for (long id : threads.getAllThreadIds()) {
            long ns = threads.getThreadCpuTime(id);
            if (ns > 0) {
                sum += ns / 1e9;
            }
        }
        return sum;
    }

    /** Milliseconds the JIT compilers have spent so far (summed over compiler threads), or -1. */
    static long jitMs() {
        var jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

    static double peakRssMib() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return -1;
    }

    /** {@code split pop=n0,n1,... ...}: each population's neurons per worker (as WorkerSplit left them). */
    static String workerSplit(Network net) {
        StringBuilder b = new StringBuilder("split");
        for (io.spikestream.network.Population pop : net.populations()) {
            b.append(' ').append(pop.label()).append('=');
            for (int k = 0; k < net.workers(); k++) {
                b.append(k == 0 ? "" : ",").append(pop.chunkEnd(k) - pop.chunkStart(k));
            }
        }
        return b.toString();
    }
}
