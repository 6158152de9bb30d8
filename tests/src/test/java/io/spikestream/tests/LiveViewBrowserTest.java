package io.spikestream.tests;

import io.spikestream.ingest.kafka.EmbeddedKafka;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The live view in a real headless Chromium: {@code run} on the embedded broker serves the page
 * ({@code output.ui_port}), N-MNIST recordings are replayed into the events topic at their recorded pace after the
 * page is open, and the page's event image, prediction, class scores, rolling accuracy and hidden raster change as
 * the events arrive. Needs Debian's {@code chromium} and {@code chromium-driver} (.ci/run installs them); without
 * them it fails, saying so.
 */
class LiveViewBrowserTest {

    static final Path CHROMIUM = Path.of(System.getProperty("spikestream.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("spikestream.chromedriver", "/usr/bin/chromedriver"));

    /** The page's state for one sensor, read through JavaScript from the DOM and the canvas itself. */
    private static final String READ = """
        const card = document.querySelector('[data-sensor="camA"]');
        if (!card) return null;
        const frame = card.querySelector('canvas.frame');
        const px = frame.getContext('2d').getImageData(0, 0, frame.width, frame.height).data;
        let lit = 0, hash = 0;
        for (let i = 0; i < px.length; i += 4) {
          if (px[i] + px[i + 1] + px[i + 2] > 0) lit++;
          hash = (hash * 31 + px[i] * 7 + px[i + 1] * 3 + px[i + 2]) | 0;
        }
        const raster = card.querySelector('canvas.raster');
        return {
          lit: lit, hash: hash, width: frame.width, height: frame.height,
          predicted: card.querySelector('.predicted').textContent,
          predictionUs: card.dataset.predictionUs,
          predictions: Number(card.dataset.predictions),
          bars: Array.from(card.querySelectorAll('.bars b')).map(b => b.style.width).join(' '),
          accuracy: card.querySelector('.accuracy b').textContent,
          throughput: card.querySelector('.throughput b').textContent,
          rasterSpikes: Number(raster.dataset.spikes || 0),
          updates: window.liveView.updates,
          connection: document.getElementById('connection').textContent
        };
        """;

    @Test
    void thePageShowsTheStreamAsItArrives(@TempDir Path dir) throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            fail("the live view's browser test needs Chromium and its driver at " + CHROMIUM + " and " + CHROMEDRIVER
                + " (Debian: apt-get install -y chromium chromium-driver; .ci/run installs them when absent)");
        }
        Path samples = KafkaLearnerDeterminismTest.subset(dir, "Test", 1);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        URI page = URI.create("http://127.0.0.1:" + port + "/");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            String bs = kafka.bootstrapServers();
            ExecutorService exec = Executors.newFixedThreadPool(2);
            RunDeploymentTest.RunStopper stopper = new RunDeploymentTest.RunStopper();
            Future<Integer> run = exec.submit(() -> stopper.run(bs, "--set", "network.n_rec=40", "--set",
                "output.ui_port=" + port, "--set", "output.metrics_port=0", "--set", "pipeline.group_id=live-view"));
            ChromeDriver browser = null;
            try (HttpClient http = HttpClient.newHttpClient()) {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    try {
                        return http.send(HttpRequest.newBuilder(page).build(), HttpResponse.BodyHandlers.discarding())
                            .statusCode() == 200;
                    } catch (java.io.IOException notYet) {
                        return false;
                    }
                });
                browser = chromium(dir.resolve("profile"));
                browser.get(page.toString());
                assertEquals("spikestream live view", browser.getTitle());
                ChromeDriver b = browser;
                JavascriptExecutor js = browser;
                await().atMost(Duration.ofSeconds(30)).until(() -> "live".equals(
                    js.executeScript("return document.getElementById('connection').textContent")));
                assertEquals(Boolean.TRUE, js.executeScript("return !document.getElementById('waiting').hidden"),
                    "no events yet: the page says it waits");

                // the stream starts only now, at its recorded pace (10 samples, about 3.4 s of stream time)
                Future<Integer> replay = exec.submit(() -> io.spikestream.app.Main.execute("replay", "--bootstrap-servers", bs,
                    "--no-progress", "--labels-topic", "spikestream.events", "--sensor-id", "camA", samples.toString()));
                Set<Object> images = new HashSet<>();
                Set<String> predictions = new HashSet<>();
                Set<String> bars = new HashSet<>();
                java.util.concurrent.atomic.AtomicReference<Map<String, Object>> last = new java.util.concurrent.atomic.AtomicReference<>();
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50)).until(() -> {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> st = (Map<String, Object>) js.executeScript(READ);
                    if (st == null) {
                        return false;
                    }
                    last.set(st);
                    if (((Number) st.get("lit")).longValue() > 0) {
                        images.add(st.get("hash"));
                    }
                    if (!"-".equals(st.get("predicted"))) {
                        predictions.add(st.get("predicted") + "@" + st.get("predictionUs"));
                        bars.add((String) st.get("bars"));
                    }
                    return images.size() >= 5 && predictions.size() >= 5 && bars.size() >= 3
                        && ((String) st.get("accuracy")).endsWith("%") && ((Number) st.get("rasterSpikes")).longValue() > 0;
                });
                Map<String, Object> st = last.get();
                assertEquals(34L, ((Number) st.get("width")).longValue(), "the image is the sensor's 34x34 pixels");
                assertEquals(Boolean.TRUE, js.executeScript("return document.getElementById('waiting').hidden"));
                assertTrue(!"-".equals(js.executeScript("return document.getElementById('eventsPerSecond').textContent")));
                assertTrue(!"-".equals(js.executeScript("return document.getElementById('consumerLag').textContent")),
                    "the consumer's lag is shown");
                byte[] png = ((TakesScreenshot) b).getScreenshotAs(OutputType.BYTES);
                Path shot = Path.of("target", "live-view.png");
                Files.createDirectories(shot.getParent());
                Files.write(shot, png);
                assertEquals(0, replay.get());
            } finally {
                if (browser != null) {
                    browser.quit();
                }
                if (!stopper.threadNotStarted()) {
                    stopper.stop();
                }
                assertEquals(0, run.get());
                exec.shutdown();
            }
        }
    }

    /** Headless Chromium with a fresh profile, nothing fetched from the network but the page. */
    static ChromeDriver chromium(Path profile) throws Exception {
        Files.createDirectories(profile);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            "--window-size=1100,620", "--user-data-dir=" + profile.toAbsolutePath()));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER.toString()))
            .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }
}
