package io.spikestream.nir;

import io.spikestream.network.NeuronModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * export -> file -> import -> export: every weight bit for bit (including awkward doubles: -0.0, subnormals, the
 * largest finite), every NEST parameter restored, the second file's graph equal to the first; and the export's
 * refusals and approximations.
 */
class RoundTripTest {

    @TempDir
    Path dir;

    static RecurrentSpec spec(String recModel, Map<String, Object> recOverrides, boolean recurrent, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int nIn = 7;
        int nRec = 5;
        int nOut = 3;
        Map<String, Object> rec = new LinkedHashMap<>(NeuronModel.byName(recModel).defaults());
        rec.put("C_m", 1.0);
        rec.put("E_L", 0.0);
        rec.put("V_m", 0.0);
        rec.put("tau_m", 30.0);
        rec.put("V_th", 0.6);
        rec.put("t_ref", 0.0);
        rec.put("kappa", 0.99);
        rec.put("surrogate_gradient_width", 0.5882352941176471);
        rec.putAll(recOverrides);
        Map<String, Object> ro = new LinkedHashMap<>(NeuronModel.EPROP_READOUT.defaults());
        ro.put("C_m", 1.0);
        ro.put("tau_m", 100.0);
        double[][] wIn = matrix(rnd, nRec, nIn);
        wIn[0][0] = -0.0;
        wIn[1][1] = Double.MIN_VALUE;
        wIn[2][2] = -Double.MAX_VALUE;
        wIn[3][3] = 0.0;
        double[][] wRec = recurrent ? matrix(rnd, nRec, nRec) : null;
        return new RecurrentSpec(recModel, rec, "eprop_readout", ro, wIn, wRec, matrix(rnd, nOut, nRec), 1.0);
    }

    static double[][] matrix(SplittableRandom rnd, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (double[] row : m) {
            for (int j = 0; j < cols; j++) {
                row[j] = rnd.nextGaussian() / 3.0;
            }
        }
        return m;
    }

    static void assertSameWeights(double[][] a, double[][] b) {
        assertEquals(a.length, b.length);
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i].length, b[i].length);
            for (int j = 0; j < a[i].length; j++) {
                assertEquals(Double.doubleToRawLongBits(a[i][j]), Double.doubleToRawLongBits(b[i][j]), "[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void exportImportExportKeepsEveryWeightAndParameter() throws Exception {
        for (String model : List.of("eprop_iaf", "eprop_iaf_psc_delta")) {
            RecurrentSpec s = spec(model, Map.of("I_e", 0.125), true, 14);
            Path first = dir.resolve(model + "-1.nir");
            NirFile.write(NirExport.toGraph(s, false).graph(), first);
            RecurrentSpec back = NirImport.toSpec(NirFile.read(first), 1.0, 1.0);
            assertEquals(model, back.recModel());
            assertEquals(s.rec(), back.rec());
            assertEquals(s.readout(), back.readout());
            assertSameWeights(s.wIn(), back.wIn());
            assertSameWeights(s.wRec(), back.wRec());
            assertSameWeights(s.wOut(), back.wOut());
            Path second = dir.resolve(model + "-2.nir");
            NirFile.write(NirExport.toGraph(back, false).graph(), second);
            NirGraph g1 = NirFile.read(first);
            NirGraph g2 = NirFile.read(second);
            assertEquals(g1.nodes().keySet(), g2.nodes().keySet());
            assertEquals(g1.edges(), g2.edges());
            assertEquals(g1.metadata(), g2.metadata());
            for (String node : g1.nodes().keySet()) {
                assertEquals(g1.nodes().get(node).metadata(), g2.nodes().get(node).metadata(), node);
            }
            assertSameWeights(((NirNode.Linear) g1.nodes().get("w_rec")).weight(), ((NirNode.Linear) g2.nodes().get("w_rec")).weight());
            for (String node : g1.nodes().keySet()) {
                assertTrue(sameNode(g1.nodes().get(node), g2.nodes().get(node)), node);
            }
        }
    }

    /** Every field equal; numbers compared as Double.equals does (bit patterns: -0.0 differs from 0.0). */
    static boolean sameNode(NirNode a, NirNode b) throws ReflectiveOperationException {
        if (a.getClass() != b.getClass()) {
            return false;
        }
        for (var c : a.getClass().getRecordComponents()) {
            Object x = c.getAccessor().invoke(a);
            Object y = c.getAccessor().invoke(b);
            if (!java.util.Arrays.deepEquals(new Object[] {x}, new Object[] {y})) {
                return false;
            }
        }
        return true;
    }

    @Test
    void layoutAndMappingFollowNir() {
        RecurrentSpec s = spec("eprop_iaf", Map.of("I_e", 0.5), false, 3);
        NirExport.Result r = NirExport.toGraph(s, false);
        NirGraph g = r.graph();
        assertEquals(List.of("input", "w_in", "hidden", "w_out", "readout", "output"), List.copyOf(g.nodes().keySet()));
        NirNode.Lif lif = (NirNode.Lif) g.nodes().get("hidden");
        assertArrayEquals(new double[] {30, 30, 30, 30, 30}, lif.tau());
        assertArrayEquals(new double[] {30, 30, 30, 30, 30}, lif.r()); // tau_m / C_m = 30 / 1
        assertArrayEquals(new double[] {0.6, 0.6, 0.6, 0.6, 0.6}, lif.vThreshold());
        assertArrayEquals(new double[] {0, 0, 0, 0, 0}, lif.vReset()); // subtractive reset written as v_reset = E_L
        assertArrayEquals(new double[] {0.5, 0.5, 0.5, 0.5, 0.5}, ((NirNode.Affine) g.nodes().get("w_in")).bias());
        assertEquals(1, r.approximations().size());
        assertTrue(r.approximations().getFirst().contains("resets by subtracting V_th - E_L"), r.approximations().toString());
        NirNode.Li li = (NirNode.Li) g.nodes().get("readout");
        assertArrayEquals(new double[] {100, 100, 100}, li.r());
        assertEquals(new long[] {7}[0], ((NirNode.Input) g.nodes().get("input")).shape()[0]);
        // the hard-reset model is exact: nothing approximated
        assertTrue(NirExport.toGraph(spec("eprop_iaf_psc_delta", Map.of(), true, 3), false).approximations().isEmpty());
    }

    @Test
    void aGraphEditedAfterExportIsReadFromItsArraysNotItsMetadata() {
        RecurrentSpec s = spec("eprop_iaf", Map.of(), true, 5);
        NirGraph g = NirExport.toGraph(s, false).graph();
        Map<String, NirNode> nodes = new LinkedHashMap<>(g.nodes());
        NirNode.Lif lif = (NirNode.Lif) nodes.get("hidden");
        nodes.put("hidden", new NirNode.Lif(lif.tau(), lif.r(), lif.vLeak(), NirExport.filled(5, 0.8), lif.vReset(),
            lif.metadata()));
        RecurrentSpec back = NirImport.toSpec(new NirGraph(nodes, g.edges(), g.metadata()), 1.0, 1.0);
        assertEquals("eprop_iaf_psc_delta", back.recModel());
        assertEquals(0.8, back.rec().get("V_th"));
        assertNotEquals(s.rec(), back.rec());
    }

    @Test
    void whatNirCannotExpressIsRefusedByName() {
        NirException adapt = assertThrows(NirException.class,
            () -> NirExport.toGraph(spec("eprop_iaf_adapt", Map.of(), true, 1), true));
        assertTrue(adapt.getMessage().contains("adaptive threshold"), adapt.getMessage());
        NirException ref = assertThrows(NirException.class,
            () -> NirExport.toGraph(spec("eprop_iaf", Map.of("t_ref", 2.0), true, 1), false));
        assertTrue(ref.getMessage().contains("refractoriness t_ref = 2.0 ms"), ref.getMessage());
        NirExport.Result dropped = NirExport.toGraph(spec("eprop_iaf", Map.of("t_ref", 2.0), true, 1), true);
        assertTrue(dropped.approximations().stream().anyMatch(a -> a.contains("t_ref = 2.0 ms dropped")));
        NirException vmin = assertThrows(NirException.class,
            () -> NirExport.toGraph(spec("eprop_iaf", Map.of("V_min", -1.0), true, 1), true));
        assertTrue(vmin.getMessage().contains("V_min = -1.0"), vmin.getMessage());
        NirException bsshslm = assertThrows(NirException.class,
            () -> NirExport.toGraph(spec("eprop_iaf_bsshslm_2020", Map.of(), true, 1), true));
        assertTrue(bsshslm.getMessage().contains("one step after the spike"), bsshslm.getMessage());
    }
}
