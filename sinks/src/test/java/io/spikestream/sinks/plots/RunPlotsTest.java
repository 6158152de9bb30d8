package io.spikestream.sinks.plots;

import io.spikestream.sinks.Phase;
import io.spikestream.sinks.stats.PrequentialStats;
import io.spikestream.sinks.stats.PrequentialStats.CurvePoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunPlotsTest {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    @TempDir
    Path dir;

    /** Reads a file as a PNG of the given size and returns how many distinct colours it has. */
    private static int assertPng(Path file, int width, int height) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(bytes, 8), file + " is not a PNG");
        BufferedImage image = ImageIO.read(file.toFile());
        assertEquals(width, image.getWidth(), file.toString());
        assertEquals(height, image.getHeight(), file.toString());
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < height; y += 3) {
            for (int x = 0; x < width; x += 3) {
                colours.add(image.getRGB(x, y));
            }
        }
        return colours.size();
    }

    private static PrequentialStats trainedStats() {
        PrequentialStats stats = new PrequentialStats(10, 20);
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 300; i++) {
            int label = random.nextInt(10);
            boolean right = random.nextDouble() < 0.1 + 0.8 * i / 300.0;
            stats.record(Phase.TRAIN, label, right ? label : (label + 1) % 10, 1.0 - 0.5 * i / 300.0);
        }
        for (int i = 0; i < 60; i++) {
            int label = random.nextInt(10);
            stats.record(Phase.TEST, label, random.nextDouble() < 0.8 ? label : -1, 0.45);
        }
        return stats;
    }

    @Test
    void everyFigureIsAPngOfTheRequestedSizeAndTheHtmlEmbedsThem() throws IOException {
        PrequentialStats stats = trainedStats();
        Random random = new Random(11);
        int spikes = 2_000;
        long[] times = new long[spikes];
        int[] neurons = new int[spikes];
        for (int i = 0; i < spikes; i++) {
            times[i] = 1_000_000 + random.nextInt(300_000);
            neurons[i] = random.nextInt(1_306);
        }
        double[] before = new double[5_000];
        double[] after = new double[5_000];
        for (int i = 0; i < before.length; i++) {
            before[i] = random.nextGaussian() * 0.1;
            after[i] = random.nextGaussian() * 0.2 + 0.05;
        }
        Map<String, String> summary = new LinkedHashMap<>();
        summary.put("test accuracy", "80.00 %");
        summary.put("samples <all>", "360");

        RunPlots plots = new RunPlots("N-MNIST run", 800, 450)
            .summary(summary)
            .learningCurve(stats.learningCurve())
            .spikeRaster(new SpikeRaster(1_000_000, 1_300_000, times, neurons, spikes, List.of(
                new SpikeRaster.Population("input", 0, 1_156), new SpikeRaster.Population("recurrent", 1_156, 1_306))))
            .weightHistogram("input -> recurrent", before, after)
            .weightHistogram("recurrent -> recurrent", before, after)
            .confusionMatrix(Phase.TEST, stats.confusion(Phase.TEST));
        List<Path> written = plots.writeTo(dir.resolve("plots"));

        List<String> expected = List.of("learning-curve.png", "spike-raster.png", "weights-input-recurrent.png",
            "weights-recurrent-recurrent.png", "confusion-test.png", "index.html");
        assertEquals(expected, plots.fileNames());
        assertEquals(expected.stream().map(n -> dir.resolve("plots").resolve(n)).toList(), written);
        for (Path png : written.subList(0, 5)) {
            int colours = assertPng(png, 800, 450);
            assertTrue(colours > 3, png + " looks blank: " + colours + " colours");
        }
        String html = Files.readString(dir.resolve("plots/index.html"), StandardCharsets.UTF_8);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertTrue(html.contains("<title>N-MNIST run</title>"));
        assertTrue(html.contains("<tr><th>samples &lt;all&gt;</th><td class=\"v\">360</td></tr>"), "escaped summary");
        for (Path png : written.subList(0, 5)) {
            String name = png.getFileName().toString();
            assertTrue(html.contains("<a href=\"" + name + "\">"), name);
            String embedded = Base64.getEncoder().encodeToString(Files.readAllBytes(png));
            assertTrue(html.contains("src=\"data:image/png;base64," + embedded + "\""), name + " embedded byte for byte");
        }
    }

    @Test
    void emptyInputsAndNaNGiveChartsNotExceptions() throws IOException {
        double nan = Double.NaN;
        List<CurvePoint> allNaN = List.of(new CurvePoint(1, Phase.TRAIN, nan, nan, nan),
            new CurvePoint(2, Phase.TRAIN, nan, nan, nan));
        List<CurvePoint> someNaN = List.of(new CurvePoint(1, Phase.TRAIN, 0.5, 0.5, nan),
            new CurvePoint(2, Phase.TRAIN, nan, 0.5, Double.POSITIVE_INFINITY),
            new CurvePoint(3, Phase.TEST, 1.0, 1.0, 0.2));
        RunPlots plots = new RunPlots("empty run", 400, 300)
            .learningCurve(List.of())
            .learningCurve(allNaN)
            .learningCurve(someNaN)
            .spikeRaster(new SpikeRaster(0, 0, new long[0], new int[0], 0, List.of()))
            .spikeRaster(new SpikeRaster(0, 1_000, new long[] {5, 7}, new int[] {3, 900}, 2,
                List.of(new SpikeRaster.Population("input", 0, 10))))
            .weightHistogram("none", new double[0], new double[0])
            .weightHistogram("nan", new double[] {nan, nan}, new double[] {Double.NEGATIVE_INFINITY})
            .weightHistogram("constant", new double[] {0.0, 0.0}, new double[] {0.0})
            .weightHistogram("only after", new double[0], new double[] {0.1, 0.3, 0.2})
            .confusionMatrix(Phase.TRAIN, new long[0][])
            .confusionMatrix(Phase.TEST, new long[][] {{0, 0}, {0, 0}});

        List<Path> written = plots.writeTo(dir);

        assertEquals(12, written.size());
        assertEquals(List.of("learning-curve.png", "learning-curve-2.png", "learning-curve-3.png", "spike-raster.png",
            "spike-raster-2.png", "weights-none.png", "weights-nan.png", "weights-constant.png",
            "weights-only-after.png", "confusion-train.png", "confusion-test.png", "index.html"), plots.fileNames());
        for (Path png : written.subList(0, 11)) {
            assertPng(png, 400, 300);
        }
    }

    @Test
    void aFolderThatCannotBeCreatedFailsNamingIt() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        RunPlots plots = new RunPlots("run").learningCurve(List.of());
        IOException e = assertThrows(IOException.class, () -> plots.writeTo(file.resolve("plots")));
        assertTrue(e.getMessage().contains("not-a-folder"), e.getMessage());
        assertFalse(Files.exists(file.resolve("plots")));
    }

    @Test
    void bigCurvesRenderFromTheBoundedStatistics() throws IOException {
        PrequentialStats stats = new PrequentialStats(10, 100);
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 200_000; i++) {
            int label = random.nextInt(10);
            stats.record(i < 190_000 ? Phase.TRAIN : Phase.TEST, label, random.nextInt(10), random.nextDouble());
        }
        List<CurvePoint> curve = stats.learningCurve();
        assertTrue(curve.size() <= PrequentialStats.DEFAULT_MAX_CURVE_POINTS + 1);
        new RunPlots("long run", 640, 360).learningCurve(curve).writeTo(dir);
        assertPng(dir.resolve("learning-curve.png"), 640, 360);
    }

    @Test
    void slugsAreFileNameSafe() {
        assertEquals("input-recurrent", RunPlots.slug("Input -> Recurrent"));
        assertEquals("projection", RunPlots.slug("->"));
        assertEquals("w-3", RunPlots.slug("w/3"));
    }
}
