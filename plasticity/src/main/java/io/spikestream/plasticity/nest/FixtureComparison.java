package io.spikestream.plasticity.nest;

import com.fasterxml.jackson.databind.JsonNode;
import io.spikestream.network.Multimeter;
import io.spikestream.network.Projection;
import io.spikestream.network.SpikeRecorder;
import io.spikestream.network.WeightRecorder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Compares a {@link FixtureCase.Run} with what NEST recorded: spike trains (exact), every multimeter
 * column, weight-recorder rows, final weights and Adam moments, and the expected arrays of the case (losses,
 * surrogate gradients, history lengths). One {@link Metric} per quantity with its maximum absolute and
 * relative error and the tolerance of the fixtures' README.
 */
public final class FixtureComparison {

    /** README tolerances. */
    public static final double TRACE_RTOL = 1e-9;
    public static final double TRACE_ATOL = 1e-12;
    public static final double WEIGHT_RTOL = 1e-8;
    public static final double WEIGHT_ATOL = 1e-12;
    public static final double LOSS_RTOL = 1e-8;

    /** Errors of one compared quantity. */
    public static final class Metric {
        public final String name;
        public final double rtol;
        public final double atol;
        public long n;
        public long missing;
        public long violations;
        public double maxAbs;
        public double maxRel;
        public String note = "";

        Metric(String name, double rtol, double atol) {
            this.name = name;
            this.rtol = rtol;
            this.atol = atol;
        }

        void add(double got, double expected) {
            n++;
            double abs = Math.abs(got - expected);
            if (Double.isNaN(abs)) {
                abs = Double.isNaN(got) && Double.isNaN(expected) ? 0.0 : Double.POSITIVE_INFINITY;
            }
            double rel = abs == 0.0 ? 0.0 : abs / Math.max(Math.abs(expected), Double.MIN_NORMAL);
            maxAbs = Math.max(maxAbs, abs);
            maxRel = Math.max(maxRel, rel);
            if (!(abs <= atol + rtol * Math.abs(expected))) {
                violations++;
            }
        }

        public boolean passed() {
            return violations == 0 && missing == 0 && n > 0;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "  %-34s max_abs=%.3e max_rel=%.3e n=%d%s%s  %s", name, maxAbs, maxRel, n,
                missing > 0 ? " missing=" + missing : "", note.isEmpty() ? "" : " " + note, passed() ? "ok" : "FAIL");
        }
    }

    private final FixtureCase fixture;
    private final List<Metric> metrics = new ArrayList<>();
    private SamplePredictions predictions;

    private FixtureComparison(FixtureCase fixture) {
        this.fixture = fixture;
    }

    public static FixtureComparison compare(FixtureCase fixture, FixtureCase.Run run) throws IOException {
        FixtureComparison c = new FixtureComparison(fixture);
        c.spikes(run);
        c.multimeters(run);
        c.weightRecorders(run);
        c.finalWeights(run);
        c.expectedArrays(run);
        c.predictions = SamplePredictions.of(fixture, run);
        if (c.predictions != null) {
            Metric m = new Metric("predictions", 0.0, 0.0);
            m.n = c.predictions.samples().size();
            m.violations = c.predictions.disagreements();
            m.maxAbs = m.violations;
            m.note = "samples whose prediction differs from NEST's: " + m.violations;
            c.metrics.add(m);
        }
        return c;
    }

    public List<Metric> metrics() {
        return metrics;
    }

    public Metric metric(String name) {
        for (Metric m : metrics) {
            if (m.name.equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("no metric " + name + " in " + metrics.stream().map(x -> x.name).toList());
    }

    public boolean passed() {
        return !metrics.isEmpty() && metrics.stream().allMatch(Metric::passed);
    }

    // ------------------------------------------------------------------ spikes

    private void spikes(FixtureCase.Run run) throws IOException {
        for (Map.Entry<Integer, SpikeRecorder> e : run.spikeRecorders.entrySet()) {
            Path f = fixture.dir.resolve("spike_recorder_" + e.getKey() + ".csv");
            if (!Files.exists(f)) {
                continue;
            }
            CsvTable t = CsvTable.read(f);
            int ct = t.col("times");
            int cs = t.col("senders");
            List<long[]> expected = new ArrayList<>();
            for (int r = 0; r < t.size(); r++) {
                expected.add(new long[] {Math.round(t.num(r, ct) / fixture.resolution), (long) t.num(r, cs)});
            }
            SpikeRecorder sr = e.getValue();
            List<long[]> got = new ArrayList<>();
            for (int i = 0; i < sr.count(); i++) {
                got.add(new long[] {sr.stamp(i), run.nestId(sr.sender(i))});
            }
            java.util.Comparator<long[]> order = (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]);
            expected.sort(order);
            got.sort(order);
            Metric m = new Metric("spikes[" + e.getKey() + "]", 0.0, 0.0);
            int mismatched = 0;
            String first = "";
            for (int i = 0; i < Math.max(expected.size(), got.size()); i++) {
                long[] a = i < got.size() ? got.get(i) : null;
                long[] b = i < expected.size() ? expected.get(i) : null;
                boolean same = a != null && b != null && a[0] == b[0] && a[1] == b[1];
                if (!same) {
                    mismatched++;
                    if (first.isEmpty()) {
                        first = " first_difference: got " + (a == null ? "none" : fmt(a)) + " expected " + (b == null ? "none" : fmt(b));
                    }
                }
            }
            m.n = expected.size();
            m.violations = mismatched;
            m.maxAbs = mismatched;
            m.note = "expected=" + expected.size() + " got=" + got.size() + " mismatched=" + mismatched + first;
            metrics.add(m);
        }
    }

    private String fmt(long[] s) {
        return "(t=" + s[0] * fixture.resolution + " ms, node " + s[1] + ")";
    }

    // ------------------------------------------------------------------ multimeters

    private void multimeters(FixtureCase.Run run) throws IOException {
        for (Map.Entry<Integer, Multimeter> e : run.multimeters.entrySet()) {
            Path f = fixture.dir.resolve("multimeter_" + e.getKey() + ".csv");
            if (!Files.exists(f)) {
                continue;
            }
            CsvTable t = CsvTable.read(f);
            Multimeter mm = e.getValue();
            Map<Long, Integer> rowOf = new HashMap<>();
            for (int r = 0; r < mm.rows(); r++) {
                rowOf.put(key(mm.timeSteps(r), run.nestId(mm.sender(r))), r);
            }
            int ct = t.col("times");
            int cs = t.col("senders");
            for (String q : mm.recordFrom()) {
                Metric m = new Metric(q + "[" + e.getKey() + "]", TRACE_RTOL, TRACE_ATOL);
                int cq = t.col(q);
                for (int r = 0; r < t.size(); r++) {
                    long step = Math.round(t.num(r, ct) / fixture.resolution);
                    Integer ours = rowOf.get(key(step, (long) t.num(r, cs)));
                    if (ours == null) {
                        m.missing++;
                        continue;
                    }
                    m.add(mm.value(ours, q), t.num(r, cq));
                }
                metrics.add(m);
            }
        }
    }

    private static long key(long step, long nestId) {
        return step * 1_000_003L + nestId;
    }

    // ------------------------------------------------------------------ weight recorder and final weights

    private void weightRecorders(FixtureCase.Run run) throws IOException {
        // rows are matched by (stamp, sender, target), in order within a key; see NestFlushArtifacts for NEST's extra rows
        for (Map.Entry<Integer, WeightRecorder> e : run.weightRecorders.entrySet()) {
            Path f = fixture.dir.resolve("weight_recorder_" + e.getKey() + ".csv");
            if (!Files.exists(f)) {
                continue;
            }
            CsvTable t = CsvTable.read(f);
            WeightRecorder wr = e.getValue();
            Map<String, List<Double>> ours = new HashMap<>();
            for (int i = 0; i < wr.count(); i++) {
                String k = wr.stamp(i) + ":" + run.nestId(wr.sender(i)) + ":" + run.nestId(wr.target(i));
                ours.computeIfAbsent(k, x -> new ArrayList<>()).add(wr.weight(i));
            }
            Metric m = new Metric("weight_recorder[" + e.getKey() + "]", WEIGHT_RTOL, WEIGHT_ATOL);
            Map<String, Integer> used = new HashMap<>();
            int ct = t.col("times");
            int cs = t.col("senders");
            int cg = t.col("targets");
            int cw = t.col("weights");
            Map<String, List<Integer>> unmatched = new java.util.LinkedHashMap<>(); // "stamp:sender" -> rows
            for (int r = 0; r < t.size(); r++) {
                long stamp = Math.round(t.num(r, ct) / fixture.resolution);
                String k = stamp + ":" + (long) t.num(r, cs) + ":" + (long) t.num(r, cg);
                List<Double> l = ours.get(k);
                int u = used.merge(k, 1, Integer::sum) - 1;
                if (l == null || u >= l.size()) {
                    unmatched.computeIfAbsent(stamp + ":" + (long) t.num(r, cs), x -> new ArrayList<>()).add(r);
                    continue;
                }
                m.add(l.get(u), t.num(r, cw));
            }
            int artifacts = 0;
            NestFlushArtifacts flushArtifacts = new NestFlushArtifacts(fixture);
            for (Map.Entry<String, List<Integer>> g : unmatched.entrySet()) {
                String[] sk = g.getKey().split(":");
                if (flushArtifacts.explains(t, g.getValue(), Long.parseLong(sk[0]), Integer.parseInt(sk[1]))) {
                    artifacts += g.getValue().size();
                } else {
                    m.missing += g.getValue().size();
                }
            }
            int extra = wr.count() - (t.size() - artifacts);
            if (extra != 0 || artifacts > 0) {
                m.note = "rows: expected=" + t.size() + " got=" + wr.count()
                    + (artifacts > 0 ? " nest_flush_artifacts=" + artifacts : "");
                m.violations += Math.abs(extra);
            }
            metrics.add(m);
        }
    }

    private void finalWeights(FixtureCase.Run run) {
        CsvTable c = fixture.connections;
        int cModel = c.col("synapse_model");
        int cSrc = c.col("source");
        int cTgt = c.col("target");
        int cW = c.col("weight_final");
        boolean adam = c.has("optimizer_m_final");
        Map<String, List<double[]>> ours = new HashMap<>();
        for (Projection p : run.plastic) {
            for (int k = 0; k < p.parts(); k++) {
                final int part = k;
                Projection.Part pt = p.part(k);
                for (int s = 0; s < p.source().size(); s++) {
                    for (long i = pt.rowStart(s); i < pt.rowEnd(s); i++) {
                        int gs = p.source().globalOffset() + s;
                        int gt = p.target().globalOffset() + pt.target(i);
                        String key = run.nestId(gs) + ":" + run.nestId(gt);
                        ours.computeIfAbsent(key, x -> new ArrayList<>()).add(new double[] {pt.weight(i),
                            run.moments.m(p, part, i), run.moments.v(p, part, i)});
                    }
                }
            }
        }
        Metric w = new Metric("weights_final", WEIGHT_RTOL, WEIGHT_ATOL);
        Metric m = new Metric("adam_m_final", WEIGHT_RTOL, WEIGHT_ATOL);
        Metric v = new Metric("adam_v_final", WEIGHT_RTOL, WEIGHT_ATOL);
        Map<String, Integer> used = new HashMap<>();
        for (int r = 0; r < c.size(); r++) {
            String model = c.str(r, cModel);
            if (!model.equals("eprop_synapse") && !model.equals("eprop_synapse_bsshslm_2020")) {
                continue;
            }
            String key = (long) c.num(r, cSrc) + ":" + (long) c.num(r, cTgt);
            List<double[]> l = ours.get(key);
            int u = used.merge(key, 1, Integer::sum) - 1;
            if (l == null || u >= l.size()) {
                w.missing++;
                continue;
            }
            double[] o = l.get(u);
            w.add(o[0], c.num(r, cW));
            if (adam && !c.str(r, c.col("optimizer_m_final")).isEmpty()) {
                m.add(o[1], c.num(r, c.col("optimizer_m_final")));
                v.add(o[2], c.num(r, c.col("optimizer_v_final")));
            }
        }
        if (w.n + w.missing > 0) {
            metrics.add(w);
        }
        if (m.n > 0) {
            metrics.add(m);
            metrics.add(v);
        }
    }

    // ------------------------------------------------------------------ expected arrays (losses etc.)

    private void expectedArrays(FixtureCase.Run run) {
        String source = fixture.meta.path("source").asText("");
        JsonNode cmp = fixture.meta.path("comparisons");
        double[] expected = cmp.isArray() && !cmp.isEmpty() ? doubles(cmp.get(0).path("value")) : null;
        if (source.contains("bsshslm_2020") && expected != null) {
            addArray("loss", timeDrivenLoss(run, expected.length), expected, LOSS_RTOL, 0.0);
        } else if (source.contains("test_eprop_regression") && expected != null) {
            addArray("loss", regressionLoss(run, expected.length, 0), expected, LOSS_RTOL, 0.0);
        } else if (source.contains("test_eprop_surrogate_gradients") && expected != null) {
            double[] psi = column(run, "surrogate_gradient");
            double[] last = java.util.Arrays.copyOfRange(psi, Math.max(0, psi.length - expected.length), psi.length);
            addArray("surrogate_gradient_last" + expected.length, last, expected, LOSS_RTOL, 0.0);
        } else if (source.contains("test_eprop_history_cleaning") && expected != null) {
            addArray("eprop_history_duration_trace", column(run, "eprop_history_duration"), expected, 0.0, 0.0);
        } else if (fixture.meta.has("loss_per_iteration")) {
            double[] loss = doubles(fixture.meta.path("loss_per_iteration"));
            double[][] la = classificationLoss(run, loss.length);
            addArray("loss", la[0], loss, LOSS_RTOL, 0.0);
            if (fixture.meta.has("accuracy_per_iteration")) {
                addArray("accuracy", la[1], doubles(fixture.meta.path("accuracy_per_iteration")), 0.0, 0.0);
            }
        }
    }

    private void addArray(String name, double[] got, double[] expected, double rtol, double atol) {
        Metric m = new Metric(name, rtol, atol);
        if (got.length != expected.length) {
            m.note = "length: expected=" + expected.length + " got=" + got.length;
            m.missing = Math.abs(expected.length - got.length);
        }
        for (int i = 0; i < Math.min(got.length, expected.length); i++) {
            m.add(got[i], expected[i]);
        }
        metrics.add(m);
    }

    private static double[] doubles(JsonNode a) {
        double[] d = new double[a.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = a.get(i).asDouble();
        }
        return d;
    }

    /** The first multimeter column named q, in row order, without the final step (NEST never samples it). */
    private double[] column(FixtureCase.Run run, String q) {
        long lastStep = Math.round(fixture.tSimMs / fixture.resolution);
        for (Multimeter mm : run.multimeters.values()) {
            if (mm.recordFrom().contains(q)) {
                double[] v = new double[mm.rows()];
                int n = 0;
                for (int r = 0; r < mm.rows(); r++) {
                    if (mm.timeSteps(r) < lastStep) {
                        v[n++] = mm.value(r, q);
                    }
                }
                return java.util.Arrays.copyOf(v, n);
            }
        }
        throw new IllegalArgumentException(fixture.name + ": no multimeter records " + q);
    }

    private Multimeter readoutMultimeter(FixtureCase.Run run) {
        for (Multimeter mm : run.multimeters.values()) {
            if (mm.recordFrom().contains("readout_signal") && mm.recordFrom().contains("target_signal")) {
                return mm;
            }
        }
        throw new IllegalArgumentException(fixture.name + ": no multimeter records readout_signal and target_signal");
    }

    /**
     * Per readout, its (y, y*) samples in time order, restricted to the samples NEST's multimeter produced
     * (the last loop step is never sampled by NEST).
     */
    private double[][][] readoutSeries(FixtureCase.Run run) {
        Multimeter mm = readoutMultimeter(run);
        long lastStep = Math.round(fixture.tSimMs / fixture.resolution);
        Map<Integer, List<double[]>> bySender = new java.util.TreeMap<>();
        for (int r = 0; r < mm.rows(); r++) {
            if (mm.timeSteps(r) >= lastStep) {
                continue;
            }
            bySender.computeIfAbsent(mm.sender(r), x -> new ArrayList<>())
                .add(new double[] {mm.value(r, "readout_signal"), mm.value(r, "target_signal")});
        }
        double[][][] out = new double[bySender.size()][][];
        int i = 0;
        for (List<double[]> l : bySender.values()) {
            out[i++] = l.toArray(new double[0][]);
        }
        return out;
    }

    /** 0.5 * mean over readouts of the per-iteration sum of squared errors (NEST's regression test). */
    private double[] regressionLoss(FixtureCase.Run run, int iterations, int unused) {
        double[][][] s = readoutSeries(run);
        int per = s[0].length / iterations;
        double[] loss = new double[iterations];
        for (int k = 0; k < iterations; k++) {
            double sum = 0;
            for (double[][] ro : s) {
                double se = 0;
                for (int q = k * per; q < (k + 1) * per; q++) {
                    double d = ro[q][0] - ro[q][1];
                    se += d * d;
                }
                sum += se;
            }
            loss[k] = 0.5 * sum / s.length;
        }
        return loss;
    }

    /** Evidence accumulation: loss over the last 150 samples of each trial, and argmax accuracy there. */
    private double[][] classificationLoss(FixtureCase.Run run, int trials) {
        double[][][] s = readoutSeries(run);
        int per = s[0].length / trials;
        int window = 150;
        double[] loss = new double[trials];
        double[] acc = new double[trials];
        for (int k = 0; k < trials; k++) {
            int from = (k + 1) * per - window;
            int to = (k + 1) * per;
            double sum = 0;
            int pred = 0;
            int truth = 0;
            double best = Double.NEGATIVE_INFINITY;
            double bestT = Double.NEGATIVE_INFINITY;
            for (int o = 0; o < s.length; o++) {
                double se = 0;
                double my = 0;
                double mt = 0;
                for (int q = from; q < to; q++) {
                    double d = s[o][q][0] - s[o][q][1];
                    se += d * d;
                    my += s[o][q][0];
                    mt += s[o][q][1];
                }
                sum += se;
                if (my > best) {
                    best = my;
                    pred = o;
                }
                if (mt > bestT) {
                    bestT = mt;
                    truth = o;
                }
            }
            loss[k] = 0.5 * sum / s.length;
            acc[k] = pred == truth ? 1.0 : 0.0;
        }
        return new double[][] {loss, acc};
    }

    /**
     * The losses of NEST's time-driven tests (spec §5.9): the readout samples reshaped to (readout, iteration,
     * batch, interval); mean squared error {@code ½·mean_{readout,batch} Σ_interval (y - y*)²}, cross-entropy
     * {@code -mean_{batch, last LW samples} Σ_readout y*·log y}.
     */
    private double[] timeDrivenLoss(FixtureCase.Run run, int iterations) {
        double[][][] s = readoutSeries(run);
        int u = (int) Math.round(fixture.kernel.path("eprop_update_interval").asDouble() / fixture.resolution);
        int lw = (int) Math.round(fixture.kernel.path("eprop_learning_window").asDouble() / fixture.resolution);
        int batch = fixture.bsshslmConfig().optimizer().batchSize();
        boolean crossEntropy = false;
        for (JsonNode n : fixture.nodes) {
            if (n.path("model").asText().equals("eprop_readout_bsshslm_2020")) {
                crossEntropy = n.path("params").path("loss").asText().equals("cross_entropy");
            }
        }
        double[] loss = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            double sum = 0;
            for (int b = 0; b < batch; b++) {
                int seq = (i * batch + b) * u;
                if (crossEntropy) {
                    for (int q = seq + u - lw; q < seq + u; q++) {
                        double ce = 0;
                        for (double[][] ro : s) {
                            ce += ro[q][1] * Math.log(ro[q][0]);
                        }
                        sum += ce;
                    }
                } else {
                    for (double[][] ro : s) {
                        double se = 0;
                        for (int q = seq; q < seq + u; q++) {
                            double d = ro[q][0] - ro[q][1];
                            se += d * d;
                        }
                        sum += se;
                    }
                }
            }
            loss[i] = crossEntropy ? -sum / ((double) batch * lw) : 0.5 * sum / ((double) s.length * batch);
        }
        return loss;
    }

    /** Human-readable report: one line per metric and a verdict. */
    public String report() {
        StringBuilder b = new StringBuilder();
        b.append("case ").append(fixture.name).append('\n');
        for (Metric m : metrics) {
            b.append(m).append('\n');
        }
        if (predictions != null) {
            b.append(predictions.report());
        }
        b.append("  => ").append(passed() ? "PASS" : "FAIL").append('\n');
        return b.toString();
    }
}
