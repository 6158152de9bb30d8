package io.spikestream.app.learn;

import io.spikestream.learner.Settings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {

    @Test
    void defaultsFileAndOverridesInOrder(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("c.json");
        Files.writeString(f, "{\"network\": {\"n_rec\": 300, \"rec\": {\"V_th\": 0.5}}, \"_note\": \"comments are ignored\"}");
        Settings s = Settings.load(List.of(f.toString()), List.of("network.n_rec=400", "optimizer.type=adam"));
        assertEquals(400, s.i("network.n_rec"));
        assertEquals(0.5, s.d("network.rec.V_th"));
        assertEquals(30.0, s.d("network.rec.tau_m"), "untouched defaults stay");
        assertEquals("adam", s.s("optimizer.type"));
        assertEquals(0.5, s.map("network.rec").get("V_th"));
        assertTrue(Settings.load(List.of("classpath:demo.json"), List.of()).d("network.p_in") == 1.0);
    }

    @Test
    void unknownKeysAndBadValuesAreRejectedWithTheirPath(@TempDir Path dir) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Settings.load(List.of(), List.of("network.nrec=3")));
        assertTrue(e.getMessage().contains("network.nrec"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Settings.load(List.of(), List.of("network.n_rec=many")));
        assertTrue(e.getMessage().contains("expects a number"), e.getMessage());
        Path f = dir.resolve("bad.json");
        Files.writeString(f, "{\"sensor\": {\"widht\": 3}}");
        e = assertThrows(IllegalArgumentException.class, () -> Settings.load(List.of(f.toString()), List.of()));
        assertTrue(e.getMessage().contains("sensor.widht") && e.getMessage().contains("bad.json"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Settings.load(List.of(), List.of("n_rec")));
    }
}
