package io.spikestream.nir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Files written by the reference Python package (tests/nir/write_fixtures.py, NIR 7232ada, h5py 3.7: gzip-compressed
 * chunked arrays, variable-length strings) read through jhdf: every weight exactly as numpy holds it, parameters
 * mapped to NEST's names, and what spikestream does not map refused with a message naming it.
 */
class ReferenceFixturesTest {

    static Path fixture(String name) {
        try {
            return Path.of(ReferenceFixturesTest.class.getResource("/nir/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everyWeightOfEveryFixtureIsReadExactly() throws IOException {
        JsonNode expected = new ObjectMapper().readTree(fixture("expected.json").toFile()).get("weights");
        int checked = 0;
        for (Iterator<Map.Entry<String, JsonNode>> files = expected.fields(); files.hasNext(); ) {
            Map.Entry<String, JsonNode> file = files.next();
            NirGraph g = NirFile.read(fixture(file.getKey() + ".nir"));
            for (Iterator<Map.Entry<String, JsonNode>> nodes = file.getValue().fields(); nodes.hasNext(); ) {
                Map.Entry<String, JsonNode> node = nodes.next();
                double[][] w = switch (g.nodes().get(node.getKey())) {
                    case NirNode.Affine a -> a.weight();
                    case NirNode.Linear l -> l.weight();
                    default -> throw new AssertionError(node.getKey());
                };
                JsonNode rows = node.getValue();
                assertEquals(rows.size(), w.length, node.getKey());
                for (int i = 0; i < w.length; i++) {
                    assertEquals(rows.get(i).size(), w[i].length);
                    for (int j = 0; j < w[i].length; j++) {
                        assertEquals(Double.doubleToRawLongBits(rows.get(i).get(j).doubleValue()),
                            Double.doubleToRawLongBits(w[i][j]), file.getKey() + "/" + node.getKey() + "[" + i + "][" + j + "]");
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked > 60, "checked " + checked);
    }

    @Test
    void snnTorchShapedGraphBecomesAHardResetEpropModel() {
        NirGraph g = NirFile.read(fixture("recurrent_float32.nir"));
        assertInstanceOf(NirNode.Lif.class, g.nodes().get("lif"));
        assertEquals(7, g.edges().size());
        RecurrentSpec s = NirImport.toSpec(g, 1.0, 1.0);
        assertEquals("eprop_iaf_psc_delta", s.recModel());
        assertEquals(6, s.inputs());
        assertEquals(4, s.hidden());
        assertEquals(3, s.outputs());
        // tau = 20 ms, r = 1 -> C_m = tau / r = 20 pF; v_leak 0, threshold 1, reset 0
        assertEquals(20.0, s.rec().get("tau_m"));
        assertEquals(20.0, s.rec().get("C_m"));
        assertEquals(0.0, s.rec().get("E_L"));
        assertEquals(1.0, s.rec().get("V_th"));
        assertEquals(0.0, s.rec().get("V_reset"));
        assertEquals(0.0, s.rec().get("t_ref"));
        assertEquals(0.0, s.rec().get("I_e"));
        // only what NIR says: the learning parameters come from the learner's settings
        assertEquals(java.util.Set.of("tau_m", "C_m", "E_L", "V_th", "V_reset", "V_m", "t_ref", "I_e"), s.rec().keySet());
        assertEquals(java.util.Set.of("tau_m", "C_m", "E_L", "V_m", "I_e"), s.readout().keySet());
        // LI tau 50, r 2 -> C_m 25; the output Affine's bias 0.25 is the readout's constant current I_e
        assertEquals("eprop_readout", s.readoutModel());
        assertEquals(50.0, s.readout().get("tau_m"));
        assertEquals(25.0, s.readout().get("C_m"));
        assertEquals(0.25, s.readout().get("I_e"));
        NirNode.Linear rec = (NirNode.Linear) g.nodes().get("rec");
        assertArrayEquals(rec.weight()[2], s.wRec()[2]);
    }

    @Test
    void tausInSecondsAreScaledToMilliseconds() {
        RecurrentSpec s = NirImport.toSpec(NirFile.read(fixture("recurrent_float32.nir")), 1000.0, 1.0);
        assertEquals(20000.0, s.rec().get("tau_m"));
        assertEquals(20000.0, s.rec().get("C_m"));
        assertEquals(50000.0, s.readout().get("tau_m"));
    }

    @Test
    void feedForwardGraphHasNoRecurrentProjection() {
        RecurrentSpec s = NirImport.toSpec(NirFile.read(fixture("feedforward_float64.nir")), 1.0, 1.0);
        assertNull(s.wRec());
        assertEquals(-70.0, s.rec().get("E_L"));
        assertEquals(-55.0, s.rec().get("V_th"));
        assertEquals(-70.0, s.rec().get("V_reset"));
        assertEquals(1.0, s.rec().get("C_m")); // tau 10 / r 10
        assertEquals(5, s.inputs());
    }

    @Test
    void whatSpikestreamDoesNotMapIsRefusedByName() {
        NirException tau = assertThrows(NirException.class,
            () -> NirImport.toSpec(NirFile.read(fixture("varying_tau.nir")), 1.0, 1.0));
        assertTrue(tau.getMessage().contains("'lif': tau varies across neurons (10.0 at 0, 20.0 at 1)"), tau.getMessage());
        NirException cuba = assertThrows(NirException.class,
            () -> NirImport.toSpec(NirFile.read(fixture("cubalif.nir")), 1.0, 1.0));
        assertTrue(cuba.getMessage().contains("'lif' is a CubaLIF"), cuba.getMessage());
        NirException delay = assertThrows(NirException.class,
            () -> NirImport.toSpec(NirFile.read(fixture("delay.nir")), 1.0, 1.0));
        assertTrue(delay.getMessage().contains("'d' is a Delay"), delay.getMessage());
    }

    @Test
    void cubaLifIsReadWholeAndWrittenBackAsTheReferenceWroteIt(@org.junit.jupiter.api.io.TempDir Path dir) {
        NirGraph g = NirFile.read(fixture("cubalif.nir"));
        NirNode.CubaLif c = assertInstanceOf(NirNode.CubaLif.class, g.nodes().get("lif"));
        assertArrayEquals(new double[] {5.0, 5.0}, c.tauSyn());
        assertArrayEquals(new double[] {20.0, 20.0}, c.tauMem());
        assertArrayEquals(new double[] {1.0, 1.0}, c.vThreshold());
        assertArrayEquals(new double[] {0.0, 0.0}, c.vReset()); // the reference fills a missing v_reset with zeros
        assertArrayEquals(new double[] {1.0, 1.0}, c.wIn());
        Path copy = dir.resolve("copy.nir");
        NirFile.write(g, copy);
        NirNode.CubaLif back = assertInstanceOf(NirNode.CubaLif.class, NirFile.read(copy).nodes().get("lif"));
        assertArrayEquals(c.tauSyn(), back.tauSyn());
        assertArrayEquals(c.wIn(), back.wIn());
        assertEquals(g.edges(), NirFile.read(copy).edges());
    }

    @Test
    void aFileThatIsNotNirIsRefusedNamingIt() {
        NirException e = assertThrows(NirException.class, () -> NirFile.read(fixture("expected.json")));
        assertTrue(e.getMessage().contains("expected.json"), e.getMessage());
        NirException missing = assertThrows(NirException.class, () -> NirFile.read(Path.of("no-such.nir")));
        assertTrue(missing.getMessage().contains("no-such.nir: no such file"), missing.getMessage());
    }
}
