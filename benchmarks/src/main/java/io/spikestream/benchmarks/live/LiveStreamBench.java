package io.spikestream.benchmarks.live;

import io.spikestream.app.learn.NmnistSamples;
import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;
import io.spikestream.ingest.format.EventBatch;
import io.spikestream.ingest.format.EventFiles;
import io.spikestream.ingest.format.EventReader;
import io.spikestream.network.checkpoint.CheckpointReader;
import io.spikestream.network.checkpoint.CheckpointWriter;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The cost of continuous time without a broker (the learner alone, {@code time.mode=continuous}, e-prop, predictions
 * every 10 ms), printed as {@code key=value} lines for {@code benchmarks/live.sh}:
 * <ul>
 *   <li>{@code idle-gap}: recording A, {@code GAP_S} seconds of silence, recording B, against A then B with no gap:
 *   the wall time and steps the silence costs.</li>
 *   <li>{@code heap}: a live-rate stream (recordings back to back, labelled, at their recorded pace in stream time) for
 *   {@code MINUTES} simulated minutes; heap in use after a full GC at the end of every simulated minute.</li>
 *   <li>{@code throughput}: events and simulated seconds per wall second over the same stream.</li>
 * </ul>
 * Usage: {@code LiveStreamBench idle-gap|heap DATA_DIR [GAP_S|MINUTES] [n_rec]}.
 */
public final class LiveStreamBench {

    private LiveStreamBench() {
    }

    record Recording(int[] x, int[] y, byte[] p, long[] t, int label, String id) {
        long lastUs() {
            return t.length == 0 ? 0 : t[t.length - 1];
        }
    }

    static Recording load(NmnistSamples.Sample s) throws IOException {
        List<int[]> xs = new ArrayList<>();
        EventBatch b = new EventBatch(8192);
        int n = 0;
        int[] x = new int[0];
        int[] y = new int[0];
        byte[] p = new byte[0];
        long[] t = new long[0];
        try (EventReader r = EventFiles.open(s.file())) {
            int c;
            while ((c = r.read(b)) >= 0) {
                x = java.util.Arrays.copyOf(x, n + c);
                y = java.util.Arrays.copyOf(y, n + c);
                p = java.util.Arrays.copyOf(p, n + c);
                t = java.util.Arrays.copyOf(t, n + c);
                System.arraycopy(b.x, 0, x, n, c);
                System.arraycopy(b.y, 0, y, n, c);
                System.arraycopy(b.polarity, 0, p, n, c);
                System.arraycopy(b.timestampUs, 0, t, n, c);
                n += c;
            }
        }
        xs.clear();
        return new Recording(x, y, p, t, s.label(), s.id());
    }

    /** Feeds a recording at {@code offsetUs} in batches of 1 ms of its stream time; returns its end (exclusive). */
    static long feed(StreamLearner l, Recording r, long offsetUs, boolean label) {
        if (label) {
            l.onLabel(r.id(), offsetUs, offsetUs + r.lastUs() + 1, r.label());
        }
        long[] t = new long[r.t().length];
        for (int i = 0; i < t.length; i++) {
            t[i] = r.t()[i] + offsetUs;
        }
        int from = 0;
        while (from < t.length) {
            int to = from;
            long until = t[from] + 1000;
            while (to < t.length && t[to] < until) {
                to++;
            }
            l.onEvents(java.util.Arrays.copyOfRange(r.x(), from, to), java.util.Arrays.copyOfRange(r.y(), from, to),
                java.util.Arrays.copyOfRange(r.p(), from, to), java.util.Arrays.copyOfRange(t, from, to), to - from);
            from = to;
        }
        return offsetUs + r.lastUs() + 1;
    }

    static Settings settings(int nRec) throws IOException {
        return Settings.load(List.of(), List.of("time.mode=continuous", "network.n_rec=" + nRec));
    }

    public static void main(String[] args) throws Exception {
        String what = args[0];
        Path data = Path.of(args[1]);
        int nRec = args.length > 3 ? Integer.parseInt(args[3]) : 150;
        List<NmnistSamples.Sample> samples = NmnistSamples.list(data.resolve("Train"));
        switch (what) {
            case "idle-gap" -> idleGap(samples, args.length > 2 ? Double.parseDouble(args[2]) : 60, nRec);
            case "heap" -> heap(samples, args.length > 2 ? Integer.parseInt(args[2]) : 30, nRec);
            default -> throw new IllegalArgumentException("idle-gap or heap, got " + what);
        }
    }

    static void idleGap(List<NmnistSamples.Sample> samples, double gapS, int nRec) throws Exception {
        Recording a = load(samples.get(0));
        Recording b = load(samples.get(1));
        long gapUs = (long) (gapS * 1e6);
        // warm up the JIT on the same paths
        for (int w = 0; w < 3; w++) {
            run(a, b, 0, nRec, false);
            run(a, b, gapUs, nRec, false);
        }
        Run none = run(a, b, 0, nRec, false);
        Run carried = run(a, b, gapUs, nRec, false);
        Run stepped = run(a, b, gapUs, nRec, true);
        System.out.printf(Locale.ROOT, "idle-gap gap_s=%.1f n_rec=%d wall_ms_no_gap=%.1f wall_ms_with_gap=%.1f "
                + "gap_cost_ms=%.1f steps_no_gap=%d steps_with_gap=%d gap_cost_us_per_step=%.3f ticks_with_gap=%d "
                + "wall_ms_gap_stepped=%.1f steps_gap_stepped=%d state_equal_to_stepped=%s%n",
            gapS, nRec, none.ms, carried.ms, carried.ms - none.ms, none.steps, carried.steps,
            (carried.ms - none.ms) * 1000 / Math.max(1, carried.steps - none.steps), carried.ticks,
            stepped.ms, stepped.steps, sameNetworkState(carried.state, stepped.state));
    }

    /** Wall ms of feeding b (after a) and finishing, steps simulated (carried steps not counted), ticks, network state. */
    record Run(double ms, long steps, long ticks, byte[] state) {
    }

    static Run run(Recording a, Recording b, long gapUs, int nRec, boolean stepThrough) throws Exception {
        long[] ticks = {0};
        Settings s = stepThrough ? Settings.load(List.of(), List.of("time.mode=continuous", "network.n_rec=" + nRec,
            "time.max_simulated_gap_us=" + (gapUs + 1_000_000))) : settings(nRec);
        try (StreamLearner l = new StreamLearner(s, p -> ticks[0]++)) {
            long end = feed(l, a, 0, true);
            long t0 = System.nanoTime();
            feed(l, b, end + gapUs, true);
            l.finish();
            double ms = (System.nanoTime() - t0) / 1e6;
            long steps = l.network().currentStep() - l.counters().gapSkippedUs / s.l("time.us_per_step");
            CheckpointWriter w = new CheckpointWriter(l.network().checkpointShape());
            l.network().addCheckpointSections(w);
            return new Run(ms, steps, ticks[0], w.toBytes());
        }
    }

    /**
     * Whether two network states are equal byte for byte in every section but the input's scheduled-input ring (whose
     * capacity depends on how far ahead events were scheduled; nothing is pending in either).
     */
    static boolean sameNetworkState(byte[] x, byte[] y) throws Exception {
        CheckpointReader a = CheckpointReader.of(MemorySegment.ofArray(x), "carried");
        CheckpointReader b = CheckpointReader.of(MemorySegment.ofArray(y), "stepped");
        if (!a.sectionNames().equals(b.sectionNames())) {
            return false;
        }
        for (String name : a.sectionNames()) {
            if (!name.equals("network/drive/0") && MemorySegment.mismatch(a.section(name).body(), 0,
                a.section(name).body().byteSize(), b.section(name).body(), 0, b.section(name).body().byteSize()) != -1) {
                return false;
            }
        }
        return true;
    }

    static void heap(List<NmnistSamples.Sample> samples, int minutes, int nRec) throws Exception {
        List<Recording> recs = new ArrayList<>();
        for (int i = 0; i < Math.min(200, samples.size()); i++) {
            recs.add(load(samples.get(i)));
        }
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        long[] preds = {0};
        long events = 0;
        long t0 = System.nanoTime();
        try (StreamLearner l = new StreamLearner(settings(nRec), p -> preds[0]++)) {
            long offset = 0;
            int k = 0;
            for (int minute = 1; minute <= minutes; minute++) {
                long until = minute * 60_000_000L;
                while (offset < until) {
                    Recording r = recs.get(k++ % recs.size());
                    offset = feed(l, r, offset, true) + 5_000; // 5 ms between recordings, as a live camera moves on
                    events += r.t().length;
                }
                System.gc();
                long used = mem.getHeapMemoryUsage().getUsed();
                double wall = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "heap minute=%d heap_after_gc_mib=%.2f predictions=%d events=%d wall_s=%.1f "
                        + "events_per_s=%.0f realtime_factor=%.2f%n", minute, used / 1048576.0, preds[0], events, wall,
                    events / wall, offset / 1e6 / wall);
            }
        }
    }
}
