package io.spikestream.app;

import io.spikestream.app.learn.NmnistExperiment;
import io.spikestream.app.pipeline.LearnerOutputs;
import io.spikestream.learner.Settings;
import io.spikestream.sinks.live.LiveSnapshot;
import io.spikestream.sinks.live.LiveView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The learner's outputs feed the live view (no broker): N-MNIST recordings straight from the files, with
 * {@code output.ui_update_ms=0} so that every batch and prediction makes a snapshot; the last one holds the sensor's
 * events, its latest prediction with one score per class, scored windows, and the hidden layer's raster.
 */
class LiveViewFeedTest {

    @Test
    void predictionsEventsAndTheHiddenRasterReachTheLiveView(@TempDir Path dir) throws Exception {
        Path train = NmnistContinuousTest.subset(dir, "Train", 1);
        Path test = NmnistContinuousTest.subset(dir, "Test", 1);
        Settings s = Settings.load(List.of("classpath:demo.json"), List.of("network.n_rec=40"));
        NmnistExperiment exp = new NmnistExperiment(s, train, List.of(test), 1, 1);
        try (LearnerOutputs out = new LearnerOutputs(10, 100, "127.0.0.1", -1, null, 0, false);
             HttpClient http = HttpClient.newHttpClient()) {
            LiveView view = out.startLiveView("127.0.0.1", 0, 34, 34, 100, 50, 0);
            NmnistExperiment.Result r = exp.runDirect(out);
            LiveSnapshot snap = view.latest();
            assertEquals(1, snap.sensors().size());
            LiveSnapshot.Sensor cam = snap.sensors().getFirst();
            assertEquals(NmnistExperiment.SENSOR, cam.id());
            assertEquals(r.events(), cam.events(), "every event fed reached the image");
            assertEquals(10, cam.scores().length);
            assertEquals("window", cam.kind());
            assertEquals(r.count("train") + r.count("test"), cam.scored());
            assertTrue(cam.image().chars().anyMatch(c -> c != '0'), "the last events are drawn");
            assertNotNull(cam.raster());
            assertEquals(40, cam.raster().neurons());
            assertTrue(cam.raster().steps().length > 0, "the hidden layer spiked in the last window");
            String json = http.send(HttpRequest.newBuilder(view.uri().resolve("snapshot.json")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(json.contains("\"id\":\"nmnist\""), json);
        }
    }
}
