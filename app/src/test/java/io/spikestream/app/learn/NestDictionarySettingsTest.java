package io.spikestream.app.learn;

import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code network.rec} and {@code network.readout} are NEST parameter dictionaries: they take the chosen model's
 * parameters that the defaults leave out ({@code V_reset} of {@code eprop_iaf_psc_delta}, what an imported NIR graph
 * needs), and a key the model does not have is refused when the population is built, naming the model and the key.
 * Elsewhere an unknown key is still refused at load.
 */
class NestDictionarySettingsTest {

    @Test
    void modelParametersBeyondTheDefaultsAreTakenAndCheckedByTheModel(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("psc-delta.json");
        Files.writeString(f, "{\"network\": {\"n_rec\": 5, \"rec_model\": \"eprop_iaf_psc_delta\", "
            + "\"rec\": {\"V_reset\": -0.25, \"refractory_input\": true}}}");
        Settings s = Settings.load(List.of(f.toString()), List.of());
        assertEquals(-0.25, s.map("network.rec").get("V_reset"));
        assertEquals(true, s.map("network.rec").get("refractory_input"));
        try (StreamLearner l = new StreamLearner(s, p -> { })) {
            assertEquals(-0.25, l.recurrent().params().d("V_reset"));
        }

        Path typo = dir.resolve("typo.json");
        Files.writeString(typo, "{\"network\": {\"n_rec\": 5, \"rec\": {\"V_rset\": -0.25}}}");
        Settings t = Settings.load(List.of(typo.toString()), List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StreamLearner(t, p -> { }));
        assertTrue(e.getMessage().contains("unknown parameter 'V_rset' for model eprop_iaf"), e.getMessage());

        Path elsewhere = dir.resolve("elsewhere.json");
        Files.writeString(elsewhere, "{\"network\": {\"V_reset\": 1.0}}");
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
            () -> Settings.load(List.of(elsewhere.toString()), List.of()));
        assertTrue(e2.getMessage().contains("unknown setting 'network.V_reset'"), e2.getMessage());
    }
}
