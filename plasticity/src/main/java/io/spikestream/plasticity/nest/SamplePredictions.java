package io.spikestream.plasticity.nest;

import com.fasterxml.jackson.databind.JsonNode;
import io.spikestream.network.Multimeter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Per-sample predictions of a classification case scored as NEST's e-prop examples score them: the samples
 * are the intervals between consecutive amplitude times of the readouts' target generators (receptor 2), the
 * learning window is the last {@code w} ms of each, where {@code w} is the length of the learning-window
 * generator's (receptor 1) non-zero segments; the prediction is the argmax over readouts (in node-id order) of
 * the mean {@code readout_signal} over the window, the label the argmax of the mean {@code target_signal}.
 * Computed from NEST's multimeter file and from this engine's multimeter, side by side.
 */
final class SamplePredictions {

    /** One sample: its window (multimeter times in steps, (from, to]) and the three class indices. */
    record Sample(long fromStep, long toStep, int label, int nest, int ours) {
    }

    private final List<Sample> samples;
    private final double resolution;

    private SamplePredictions(List<Sample> samples, double resolution) {
        this.samples = samples;
        this.resolution = resolution;
    }

    List<Sample> samples() {
        return samples;
    }

    /** The case's predictions, or null when it is not a classification case of that form. */
    static SamplePredictions of(FixtureCase fixture, FixtureCase.Run run) throws IOException {
        long[] windows = windows(fixture);
        if (windows == null) {
            return null;
        }
        for (Map.Entry<Integer, Multimeter> e : run.multimeters.entrySet()) {
            Multimeter mm = e.getValue();
            Path f = fixture.dir.resolve("multimeter_" + e.getKey() + ".csv");
            if (!mm.recordFrom().contains("readout_signal") || !mm.recordFrom().contains("target_signal")
                || !Files.exists(f)) {
                continue;
            }
            // per readout (NEST id order): (step -> {readout, target}) of NEST and of the engine
            Map<Integer, NavigableMap<Long, double[]>> nest = new TreeMap<>();
            CsvTable t = CsvTable.read(f);
            int ct = t.col("times");
            int cs = t.col("senders");
            int cy = t.col("readout_signal");
            int cz = t.col("target_signal");
            for (int r = 0; r < t.size(); r++) {
                nest.computeIfAbsent((int) t.num(r, cs), x -> new TreeMap<>()).put(
                    Math.round(t.num(r, ct) / fixture.resolution), new double[] {t.num(r, cy), t.num(r, cz)});
            }
            Map<Integer, NavigableMap<Long, double[]>> ours = new TreeMap<>();
            for (int r = 0; r < mm.rows(); r++) {
                ours.computeIfAbsent(run.nestId(mm.sender(r)), x -> new TreeMap<>()).put(mm.timeSteps(r),
                    new double[] {mm.value(r, "readout_signal"), mm.value(r, "target_signal")});
            }
            if (nest.size() < 2) {
                return null;
            }
            List<Sample> out = new ArrayList<>();
            for (int k = 0; k + 1 < windows.length; k += 2) {
                long from = windows[k];
                long to = windows[k + 1];
                out.add(new Sample(from, to, argmax(nest, from, to, 1), argmax(nest, from, to, 0),
                    argmax(ours, from, to, 0)));
            }
            return new SamplePredictions(out, fixture.resolution);
        }
        return null;
    }

    /** Index (in NEST-id order) of the readout with the largest mean of column q over (from, to]; -1 if none. */
    private static int argmax(Map<Integer, NavigableMap<Long, double[]>> series, long from, long to, int q) {
        int best = -1;
        double bestMean = Double.NEGATIVE_INFINITY;
        int i = 0;
        for (NavigableMap<Long, double[]> s : series.values()) {
            double sum = 0;
            int n = 0;
            for (double[] v : s.subMap(from, false, to, true).values()) {
                sum += v[q];
                n++;
            }
            if (n > 0 && sum / n > bestMean) {
                bestMean = sum / n;
                best = i;
            }
            i++;
        }
        return best;
    }

    /**
     * The learning windows as (from, to] step pairs, flattened; null unless the readouts have a target generator
     * with at least two amplitude times and a learning-window generator with a non-zero segment.
     */
    private static long[] windows(FixtureCase fixture) {
        CsvTable c = fixture.connections;
        int cModel = c.col("synapse_model");
        int cSrc = c.col("source");
        int cRec = c.col("receptor");
        Integer target = null;
        Integer window = null;
        for (int r = 0; r < c.size(); r++) {
            if (!c.str(r, cModel).equals("rate_connection_delayed")) {
                continue;
            }
            int src = (int) c.num(r, cSrc);
            if (!fixture.rates.has(Integer.toString(src))) {
                continue;
            }
            switch ((int) c.num(r, cRec)) {
                case 1 -> window = window == null ? src : window;
                case 2 -> target = target == null ? src : target;
                default -> {
                }
            }
        }
        if (target == null || window == null) {
            return null;
        }
        double[] bounds = doubles(fixture.rates.path(Integer.toString(target)).path("amplitude_times"));
        JsonNode w = fixture.rates.path(Integer.toString(window));
        double[] wt = doubles(w.path("amplitude_times"));
        double[] wv = doubles(w.path("amplitude_values"));
        double length = Double.NaN;
        for (int i = 0; i + 1 < wt.length; i++) {
            if (wv[i] != 0.0) {
                length = wt[i + 1] - wt[i];
                break;
            }
        }
        if (bounds.length < 2 || !(length > 0)) {
            return null;
        }
        double period = bounds[1] - bounds[0];
        long[] out = new long[2 * bounds.length];
        for (int k = 0; k < bounds.length; k++) {
            double end = k + 1 < bounds.length ? bounds[k + 1] : bounds[k] + period;
            out[2 * k] = Math.round((end - length) / fixture.resolution);
            out[2 * k + 1] = Math.round(end / fixture.resolution);
        }
        return out;
    }

    private static double[] doubles(JsonNode a) {
        double[] d = new double[a.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = a.get(i).asDouble();
        }
        return d;
    }

    /** Samples whose prediction differs between NEST and the engine. */
    int disagreements() {
        return (int) samples.stream().filter(s -> s.nest != s.ours).count();
    }

    /** One line per sample, then the accuracies. */
    String report() {
        StringBuilder b = new StringBuilder("  predictions (argmax of the mean readout_signal over each sample's learning window):\n");
        int nestRight = 0;
        int oursRight = 0;
        for (int k = 0; k < samples.size(); k++) {
            Sample s = samples.get(k);
            nestRight += s.nest == s.label ? 1 : 0;
            oursRight += s.ours == s.label ? 1 : 0;
            b.append(String.format(Locale.ROOT, "    sample %2d  (%.1f, %.1f] ms  label %d  nest %d  ours %d%s%n", k + 1,
                s.fromStep * resolution, s.toStep * resolution, s.label, s.nest, s.ours, s.nest == s.ours ? "" : "  DIFFERENT"));
        }
        b.append(String.format(Locale.ROOT, "    accuracy  nest %d/%d  ours %d/%d%n", nestRight, samples.size(), oursRight,
            samples.size()));
        return b.toString();
    }
}
