package io.spikestream.sinks.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Formats a {@link RunSummary} for people (an aligned table for the terminal) and for scripts (one line of
 * {@code key=value} pairs). Both forms are stable: scripts parse the line, and tests compare the table.
 *
 * <pre>
 * quantity            train     test         total
 * ----------------  -------  -------  ------------
 * samples               669       72           741
 * accuracy          60.24 %  61.11 %
 * ...
 * </pre>
 * Numbers use the root locale (a dot for decimals, commas between thousands in the table); an unknown figure
 * (NaN) is shown as {@code -} in the table and {@code NaN} in the line. Stateless.
 */
public final class SummaryTable {

    private static final String[] HEADER = {"quantity", "train", "test", "total"};

    private SummaryTable() {
    }

    /** The table, one row per line, each ending in a newline. */
    public static String table(RunSummary s) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"samples", count(s.trainSamples()), count(s.testSamples()), count(s.samples())});
        rows.add(new String[] {"accuracy", percent(s.trainAccuracy()), percent(s.testAccuracy()), ""});
        rows.add(new String[] {"loss", decimal(s.trainLoss(), 4), decimal(s.testLoss(), 4), ""});
        rows.add(new String[] {"events", "", "", count(s.events())});
        rows.add(new String[] {"spikes", "", "", count(s.spikes())});
        rows.add(new String[] {"synaptic events", "", "", count(s.synapticEvents())});
        rows.add(new String[] {"wall time", "", "", decimal(s.wallTime().toNanos() * 1e-9, 1) + " s"});
        rows.add(new String[] {"simulated time", "", "", decimal(s.simulatedSeconds(), 1) + " s"});
        double factor = s.realtimeFactor();
        rows.add(new String[] {"real-time factor", "", "", Double.isNaN(factor) ? "-" : decimal(factor, 1) + " x"});
        for (Map.Entry<String, Long> e : s.dropped().entrySet()) {
            rows.add(new String[] {"dropped: " + e.getKey().replace('_', ' '), "", "", count(e.getValue())});
        }
        int[] widths = new int[HEADER.length];
        for (int c = 0; c < HEADER.length; c++) {
            widths[c] = HEADER[c].length();
            for (String[] row : rows) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        StringBuilder out = new StringBuilder();
        appendRow(out, HEADER, widths);
        String[] rule = new String[HEADER.length];
        for (int c = 0; c < rule.length; c++) {
            rule[c] = "-".repeat(widths[c]);
        }
        appendRow(out, rule, widths);
        for (String[] row : rows) {
            appendRow(out, row, widths);
        }
        return out.toString();
    }

    // First column left-aligned, numbers right-aligned; no trailing blanks.
    private static void appendRow(StringBuilder out, String[] cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        line.append(cells[0]).append(" ".repeat(widths[0] - cells[0].length()));
        for (int c = 1; c < cells.length; c++) {
            line.append("  ").append(" ".repeat(widths[c] - cells[c].length())).append(cells[c]);
        }
        out.append(line.toString().stripTrailing()).append('\n');
    }

    /**
     * The same figures as one line of space-separated {@code key=value} pairs, no newline: {@code samples,
     * train_samples, test_samples, train_accuracy, test_accuracy, train_loss, test_loss, events, spikes,
     * synaptic_events, wall_s, simulated_s, realtime_factor}, then {@code dropped_REASON} per dropped count.
     * Accuracies are fractions.
     */
    public static String keyValues(RunSummary s) {
        StringBuilder out = new StringBuilder(256);
        out.append("samples=").append(s.samples())
            .append(" train_samples=").append(s.trainSamples())
            .append(" test_samples=").append(s.testSamples())
            .append(" train_accuracy=").append(plain(s.trainAccuracy(), 6))
            .append(" test_accuracy=").append(plain(s.testAccuracy(), 6))
            .append(" train_loss=").append(plain(s.trainLoss(), 6))
            .append(" test_loss=").append(plain(s.testLoss(), 6))
            .append(" events=").append(s.events())
            .append(" spikes=").append(s.spikes())
            .append(" synaptic_events=").append(s.synapticEvents())
            .append(" wall_s=").append(plain(s.wallTime().toNanos() * 1e-9, 3))
            .append(" simulated_s=").append(plain(s.simulatedSeconds(), 3))
            .append(" realtime_factor=").append(plain(s.realtimeFactor(), 2));
        for (Map.Entry<String, Long> e : s.dropped().entrySet()) {
            out.append(" dropped_").append(e.getKey()).append('=').append(e.getValue());
        }
        return out.toString();
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String percent(double fraction) {
        return Double.isNaN(fraction) ? "-" : String.format(Locale.ROOT, "%.2f %%", fraction * 100);
    }

    private static String decimal(double v, int digits) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%,." + digits + "f", v);
    }

    private static String plain(double v, int digits) {
        return Double.isNaN(v) ? "NaN" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }
}
