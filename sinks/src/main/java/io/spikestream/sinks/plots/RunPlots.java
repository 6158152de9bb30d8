package io.spikestream.sinks.plots;

import io.spikestream.sinks.Phase;
import io.spikestream.sinks.stats.PrequentialStats.CurvePoint;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The pictures of a run, written once at its end: PNG files and one self-contained {@code index.html} that
 * embeds them (base64) and links to the files. Collect the figures, then {@link #writeTo} a folder:
 * <pre>
 *   learning-curve.png        rolling and cumulative accuracy and rolling loss against windows seen, per phase
 *   spike-raster.png          spikes of one window, coloured by population
 *   weights-PROJECTION.png    weight histogram of a projection before and after the run
 *   confusion-PHASE.png       confusion matrix heat map (true class against predicted class)
 *   index.html                all of the above with the run's summary table
 * </pre>
 * Charts are drawn by XChart into images with no display ({@code java.awt.headless} is set to true when this
 * class loads unless the JVM set it). Empty inputs and NaN values give a chart that says "no data" or leaves a
 * gap, never an exception.
 *
 * <p>Not threadsafe; call from one thread at the end of a run. Building a chart copies what it needs, so the
 * caller may reuse its arrays afterwards.
 */
public final class RunPlots {

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    public static final int DEFAULT_WIDTH = 960;
    public static final int DEFAULT_HEIGHT = 540;
    /** Bins of a weight histogram. */
    public static final int HISTOGRAM_BINS = 60;

    private static final Color TRAIN_COLOR = new Color(0x1f77b4);
    private static final Color TEST_COLOR = new Color(0xd62728);
    private static final Color[] POPULATION_COLORS = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd), new Color(0xff7f0e),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)};
    private static final Color OTHER_COLOR = new Color(0x7f7f7f);

    private final String title;
    private final int width;
    private final int height;
    private final List<Figure> figures = new ArrayList<>();
    private final Set<String> fileNames = new HashSet<>();
    private final Map<String, String> summary = new LinkedHashMap<>();

    private record Figure(String fileName, String heading, Chart<?, ?> chart) {
    }

    /** Plots of {@value #DEFAULT_WIDTH} x {@value #DEFAULT_HEIGHT} pixels. */
    public RunPlots(String title) {
        this(title, DEFAULT_WIDTH, DEFAULT_HEIGHT);
    }

    public RunPlots(String title, int width, int height) {
        if (width < 100 || height < 100) {
            throw new IllegalArgumentException("plots of " + width + "x" + height + " pixels are too small to read");
        }
        this.title = title;
        this.width = width;
        this.height = height;
    }

    /** Rows of the summary table at the top of {@code index.html}, in insertion order. */
    public RunPlots summary(Map<String, String> rows) {
        summary.putAll(rows);
        return this;
    }

    /**
     * The learning curve: for each phase, rolling and cumulative accuracy (left axis, 0..1) and rolling loss
     * (right axis) against the number of windows seen. A vertical line marks where each test phase starts.
     */
    public RunPlots learningCurve(List<CurvePoint> points) {
        XYChart chart = new XYChartBuilder().width(width).height(height).title("Learning curve (test-then-train)")
            .xAxisTitle("windows seen").yAxisTitle("accuracy").build();
        style(chart);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setXAxisDecimalPattern("#,##0");
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setYAxisMin(0, 0.0).setYAxisMax(0, 1.0);
        chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        chart.setYAxisGroupTitle(0, "accuracy");
        chart.setYAxisGroupTitle(1, "loss");
        int n = points.size();
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = points.get(i).windows();
        }
        boolean any = false;
        for (Phase phase : Phase.values()) {
            Color color = phase == Phase.TRAIN ? TRAIN_COLOR : TEST_COLOR;
            double[] rolling = new double[n];
            double[] cumulative = new double[n];
            double[] loss = new double[n];
            for (int i = 0; i < n; i++) {
                CurvePoint p = points.get(i);
                boolean mine = p.phase() == phase;
                rolling[i] = mine ? p.rollingAccuracy() : Double.NaN;
                cumulative[i] = mine ? p.cumulativeAccuracy() : Double.NaN;
                loss[i] = mine ? p.rollingLoss() : Double.NaN;
            }
            any |= addLine(chart, phase.tag() + ": rolling acc.", x, rolling, color, solid(2f), 0);
            any |= addLine(chart, phase.tag() + ": cumulative acc.", x, cumulative, color.darker(), dashed(2f), 0);
            any |= addLine(chart, phase.tag() + ": rolling loss", x, loss, blend(color, Color.LIGHT_GRAY), solid(1f), 1);
        }
        for (int i = 1; i < n; i++) {
            if (points.get(i).phase() == Phase.TEST && points.get(i - 1).phase() != Phase.TEST) {
                chart.addAnnotation(new AnnotationLine(points.get(i).windows(), true, false));
            }
        }
        if (!any) {
            noData(chart);
        } else {
            // XChart puts the ticks of equally spaced x values (1, 2, 3, ...) on data points, packed as tightly as
            // the labels allow. A hidden, disabled series at an off-grid x (it takes no part in the axis ranges)
            // breaks the spacing, so the axis gets round ticks (0, 50, 100, ...) instead.
            XYSeries spacing = chart.addSeries(" ", new double[] {0.5}, new double[] {Double.NaN});
            spacing.setEnabled(false);
            spacing.setShowInLegend(false);
        }
        return add("learning-curve", "Learning curve", chart);
    }

    /** A raster of one window's spikes: time since the window's start (ms) against neuron id. */
    public RunPlots spikeRaster(SpikeRaster raster) {
        XYChart chart = new XYChartBuilder().width(width).height(height)
            .title("Spike raster, window [" + ms(raster.windowStartUs()) + ", " + ms(raster.windowEndUs()) + ") ms")
            .xAxisTitle("time in window (ms)").yAxisTitle("neuron").build();
        style(chart);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(3);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        double lengthMs = (raster.windowEndUs() - raster.windowStartUs()) / 1000.0;
        chart.getStyler().setXAxisMin(0.0).setXAxisMax(Math.max(lengthMs, 1e-3));
        chart.getStyler().setYAxisMin(0.0).setYAxisMax((double) Math.max(raster.neuronCount(), 1));
        List<SpikeRaster.Population> populations = raster.populations();
        int groups = populations.size() + 1; // the last one collects neurons outside every population
        int[] sizes = new int[groups];
        int[] group = new int[raster.count()];
        for (int i = 0; i < raster.count(); i++) {
            int g = populations.size();
            for (int p = 0; p < populations.size(); p++) {
                if (populations.get(p).contains(raster.neurons()[i])) {
                    g = p;
                    break;
                }
            }
            group[i] = g;
            sizes[g]++;
        }
        boolean any = false;
        for (int g = 0; g < groups; g++) {
            if (sizes[g] == 0) {
                continue;
            }
            double[] t = new double[sizes[g]];
            double[] y = new double[sizes[g]];
            int k = 0;
            for (int i = 0; i < raster.count(); i++) {
                if (group[i] == g) {
                    t[k] = (raster.timesUs()[i] - raster.windowStartUs()) / 1000.0;
                    y[k] = raster.neurons()[i];
                    k++;
                }
            }
            String name = g < populations.size() ? populations.get(g).name() : "other";
            Color color = g < populations.size() ? POPULATION_COLORS[g % POPULATION_COLORS.length] : OTHER_COLOR;
            XYSeries series = chart.addSeries(name + " (" + sizes[g] + ")", t, y);
            series.setMarker(SeriesMarkers.CIRCLE);
            series.setMarkerColor(color);
            any = true;
        }
        if (!any) {
            noData(chart);
        }
        return add("spike-raster", "Spike raster", chart);
    }

    /**
     * Histogram of one projection's weights before and after the run, over the common range of both (NaN and
     * infinite weights are left out).
     */
    public RunPlots weightHistogram(String projection, double[] before, double[] after) {
        XYChart chart = new XYChartBuilder().width(width).height(height)
            .title("Weights of " + projection + " (" + finiteCount(before) + " before, " + finiteCount(after) + " after)")
            .xAxisTitle("weight").yAxisTitle("synapses").build();
        style(chart);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.StepArea);
        chart.getStyler().setMarkerSize(0);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] values : List.of(before, after)) {
            for (double v : values) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (lo > hi) {
            noData(chart);
        } else {
            if (lo == hi) { // one distinct value: give it a visible bin
                double pad = lo == 0 ? 0.5 : Math.abs(lo) * 0.05;
                lo -= pad;
                hi += pad;
            }
            // Enough decimals to tell bins apart, whatever the weights' scale.
            int decimals = (int) Math.min(12, Math.max(0, Math.ceil(-Math.log10((hi - lo) / 10))));
            chart.getStyler().setXAxisDecimalPattern(decimals == 0 ? "0" : "0." + "#".repeat(decimals));
            double[] edges = new double[HISTOGRAM_BINS + 1];
            for (int b = 0; b <= HISTOGRAM_BINS; b++) {
                edges[b] = lo + (hi - lo) * b / HISTOGRAM_BINS;
            }
            addHistogram(chart, "before", before, edges, lo, hi, new Color(0x80, 0x80, 0x80, 0x90));
            addHistogram(chart, "after", after, edges, lo, hi, new Color(0x1f, 0x77, 0xb4, 0x90));
        }
        return add("weights-" + slug(projection), "Weights: " + projection, chart);
    }

    private static void addHistogram(XYChart chart, String name, double[] values, double[] edges, double lo, double hi,
                                     Color color) {
        int bins = edges.length - 1;
        double[] counts = new double[bins + 1];
        int n = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                int b = (int) ((v - lo) / (hi - lo) * bins);
                counts[Math.min(Math.max(b, 0), bins - 1)]++;
                n++;
            }
        }
        if (n == 0) {
            return;
        }
        counts[bins] = counts[bins - 1]; // a step plot needs the right edge of the last bin
        XYSeries series = chart.addSeries(name + " (" + n + ")", edges.clone(), counts);
        series.setMarker(SeriesMarkers.NONE);
        series.setFillColor(color);
        series.setLineColor(color.darker());
    }

    /**
     * A heat map of a confusion matrix {@code counts[trueClass][predictedClass]}, each cell labelled with its
     * count; rows of unequal length are padded with zeros.
     */
    public RunPlots confusionMatrix(Phase phase, long[][] counts) {
        HeatMapChart chart = new HeatMapChartBuilder().width(width).height(height)
            .title("Confusion matrix, " + phase.tag() + " windows").xAxisTitle("predicted class")
            .yAxisTitle("true class").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setShowValue(true);
        chart.getStyler().setPlotContentSize(0.95);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setRangeColors(new Color[] {new Color(0xf7fbff), new Color(0x6baed6), new Color(0x08306b)});
        chart.getStyler().setHeatMapValueDecimalPattern("0");
        int classes = counts.length;
        for (long[] row : counts) {
            classes = Math.max(classes, row.length);
        }
        if (classes == 0) {
            XYChart empty = new XYChartBuilder().width(width).height(height)
                .title("Confusion matrix, " + phase.tag() + " windows").xAxisTitle("predicted class")
                .yAxisTitle("true class").build();
            style(empty);
            noData(empty);
            return add("confusion-" + phase.tag(), "Confusion matrix (" + phase.tag() + ")", empty);
        }
        int[] classIds = new int[classes];
        long max = 1;
        for (int c = 0; c < classes; c++) {
            classIds[c] = c;
        }
        // XChart's heat data are [x][y]: x = predicted, y = true class.
        int[][] heat = new int[classes][classes];
        for (int label = 0; label < counts.length; label++) {
            for (int predicted = 0; predicted < counts[label].length; predicted++) {
                long v = counts[label][predicted];
                heat[predicted][label] = (int) Math.min(v, Integer.MAX_VALUE);
                max = Math.max(max, v);
            }
        }
        chart.getStyler().setMin(0).setMax(max);
        chart.addSeries("windows", classIds, classIds, heat);
        return add("confusion-" + phase.tag(), "Confusion matrix (" + phase.tag() + ")", chart);
    }

    /** File names (without folder) of the figures collected so far, in order, then {@code index.html}. */
    public List<String> fileNames() {
        List<String> names = new ArrayList<>();
        for (Figure f : figures) {
            names.add(f.fileName());
        }
        names.add("index.html");
        return names;
    }

    /**
     * Renders every figure to PNG in {@code dir} (created if missing) and writes {@code index.html} beside them.
     *
     * @return the files written, {@code index.html} last
     * @throws IOException naming the file that could not be written
     */
    public List<Path> writeTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        StringBuilder html = new StringBuilder(64 * 1024);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
            .append(escape(title)).append("</title>\n<style>\n")
            .append("body{font-family:sans-serif;margin:2em;color:#222}\n")
            .append("table{border-collapse:collapse;margin-bottom:2em}\n")
            .append("td,th{border:1px solid #ccc;padding:.25em .75em;text-align:left}\n")
            .append("td.v{text-align:right;font-family:monospace}\n")
            .append("figure{margin:0 0 2em 0}\nimg{max-width:100%;border:1px solid #eee}\n")
            .append("</style>\n</head>\n<body>\n<h1>").append(escape(title)).append("</h1>\n");
        if (!summary.isEmpty()) {
            html.append("<table>\n");
            for (Map.Entry<String, String> row : summary.entrySet()) {
                html.append("<tr><th>").append(escape(row.getKey())).append("</th><td class=\"v\">")
                    .append(escape(row.getValue())).append("</td></tr>\n");
            }
            html.append("</table>\n");
        }
        for (Figure figure : figures) {
            Path file = dir.resolve(figure.fileName());
            byte[] png = BitmapEncoder.getBitmapBytes(figure.chart(), BitmapEncoder.BitmapFormat.PNG);
            try (OutputStream out = Files.newOutputStream(file)) {
                out.write(png);
            } catch (IOException e) {
                throw new IOException("cannot write plot " + file + ": " + e.getMessage(), e);
            }
            written.add(file);
            html.append("<figure>\n<h2>").append(escape(figure.heading())).append("</h2>\n<a href=\"")
                .append(escape(figure.fileName())).append("\"><img alt=\"").append(escape(figure.heading()))
                .append("\" width=\"").append(width).append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png)).append("\"></a>\n</figure>\n");
        }
        html.append("</body>\n</html>\n");
        Path index = dir.resolve("index.html");
        try {
            Files.writeString(index, html, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException("cannot write " + index + ": " + e.getMessage(), e);
        }
        written.add(index);
        return written;
    }

    private RunPlots add(String baseName, String heading, Chart<?, ?> chart) {
        String name = baseName;
        for (int k = 2; !fileNames.add(name); k++) {
            name = baseName + "-" + k;
        }
        figures.add(new Figure(name + ".png", heading, chart));
        return this;
    }

    /** Adds a line unless it has no finite value; a line of one point gets a marker so that it shows. */
    private static boolean addLine(XYChart chart, String name, double[] x, double[] y, Color color,
                                   BasicStroke stroke, int axisGroup) {
        int finite = 0;
        for (double v : y) {
            if (Double.isFinite(v)) {
                finite++;
            }
        }
        if (finite == 0) {
            return false;
        }
        double[] ys = y.clone();
        for (int i = 0; i < ys.length; i++) {
            if (!Double.isFinite(ys[i])) {
                ys[i] = Double.NaN; // XChart leaves a gap at NaN; infinities would stretch the axis
            }
        }
        XYSeries series = chart.addSeries(name, x.clone(), ys);
        series.setMarker(finite == 1 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        series.setMarkerColor(color);
        series.setLineColor(color);
        series.setLineStyle(stroke);
        series.setYAxisGroup(axisGroup);
        return true;
    }

    private static void style(XYChart chart) {
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotGridLinesColor(new Color(0xe0e0e0));
        chart.getStyler().setLocale(Locale.ROOT);
        chart.getStyler().setAntiAlias(true);
    }

    private static void noData(XYChart chart) {
        chart.getStyler().setLegendVisible(false);
        chart.addAnnotation(new AnnotationText("no data", chart.getWidth() / 2.0, chart.getHeight() / 2.0, true));
    }

    private static BasicStroke solid(float w) {
        return new BasicStroke(w);
    }

    private static BasicStroke dashed(float w) {
        return new BasicStroke(w, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
            new float[] {6f, 4f}, 0f);
    }

    private static Color blend(Color a, Color b) {
        return new Color((a.getRed() + b.getRed()) / 2, (a.getGreen() + b.getGreen()) / 2, (a.getBlue() + b.getBlue()) / 2);
    }

    private static int finiteCount(double[] values) {
        int n = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                n++;
            }
        }
        return n;
    }

    private static String ms(long us) {
        return String.format(Locale.ROOT, "%.1f", us / 1000.0);
    }

    static String slug(String s) {
        String slug = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
        return slug.isEmpty() ? "projection" : slug;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
