package io.spikestream.app.learn;

import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;
import io.spikestream.network.Projection;
import io.spikestream.plasticity.readout.RlsReadoutRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The second-order readout on every rule's network ({@code <rule>-rls}): its window bins line up with the learner's
 * windows whatever the rule (the learner drives every rule's input parrots alike), and the rules that learn in windows
 * refuse a continuous stream at start, naming the rules that take one.
 */
class RlsReadoutAlignmentTest {

    static final long NORM_US = 336_040;

    static Settings settings(String rule, String... extra) throws Exception {
        List<String> o = new ArrayList<>(List.of("network.rule=" + rule, "network.n_rec=20", "supervision.classes=3"));
        o.addAll(List.of(extra));
        return Settings.load(List.of(), o);
    }

    static RlsReadoutRule readout(StreamLearner l) {
        for (Projection p : l.network().projections()) {
            if (p.model().name().equals(RlsReadoutRule.SYNAPSE)) {
                return (RlsReadoutRule) p.model().rule();
            }
        }
        throw new AssertionError("no " + RlsReadoutRule.SYNAPSE + " projection");
    }

    private static void event(StreamLearner l, int x, int y, long t) {
        l.onEvents("", new int[] {x}, new int[] {y}, new byte[] {0}, new long[] {t}, 1);
    }

    /**
     * Window 0: one event of pixel (0, 0) at its first step and one at its last (relative step 299 of 300); window 1:
     * one event of pixel (33, 33) in its middle. Each lands in its own window's first, last and middle bin, nothing in
     * the other window (sensor.pool 1, input_pool_px 4: pixel (0, 0) is input group 0 of polarity 0, pixel (33, 33)
     * group 80, after the hidden neurons' groups).
     */
    @ParameterizedTest
    @ValueSource(strings = {"eprop-rls", "eprop-time-driven-rls", "superspike-rls", "eventprop-rls"})
    void everyRulesInputSpikesFallInTheirOwnWindowsBins(String rule) throws Exception {
        try (StreamLearner l = new StreamLearner(settings(rule), p -> { })) {
            l.onLabel("", "a", 0, NORM_US, 1);
            event(l, 0, 0, 0);
            event(l, 0, 0, 334_920); // round(334920 * 300 / 336040) = 299: the window's last step
            l.onLabel("", "b", NORM_US, 2 * NORM_US, 2);
            event(l, 33, 33, NORM_US + NORM_US / 2);
            l.finish();
            RlsReadoutRule r = readout(l);
            int hidden = 20;
            assertEquals(hidden + 2 * 81, r.groups(), rule + ": hidden neurons + 9 x 9 blocks per polarity");
            int first = hidden;
            int last = hidden + 80;
            double[][] expected = {{1, 0, 1}, {0, 0, 0}, {0, 0, 0}, {0, 1, 0}};
            double[][] got = {
                {r.binCount(0, first, 0), r.binCount(0, first, 1), r.binCount(0, first, 2)},
                {r.binCount(1, first, 0), r.binCount(1, first, 1), r.binCount(1, first, 2)},
                {r.binCount(0, last, 0), r.binCount(0, last, 1), r.binCount(0, last, 2)},
                {r.binCount(1, last, 0), r.binCount(1, last, 1), r.binCount(1, last, 2)}};
            for (int i = 0; i < expected.length; i++) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(expected[i], got[i], rule + ": bins, row " + i
                    + " (group (0,0) in windows 0 and 1, then group (33,33) in windows 0 and 1)");
            }
            // window 0's update ran at the first step after its scoring range (in window 1's time); window 1's is due
            // at the step after the last one finish() simulates: pending (and checkpointed), not yet run
            assertEquals(1, r.updates(), rule + ": window 0's readout update");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"eprop-time-driven-rls", "superspike-rls", "eventprop-rls"})
    void aRuleThatLearnsInWindowsRefusesAContinuousStreamAtStart(String rule) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new StreamLearner(settings(rule, "time.mode=continuous"), p -> { }));
        assertEquals("network.rule '" + rule + "' learns in windows: it supports time.mode=per_window only "
            + "(continuous: eprop, eprop-exact, eprop-rls)", e.getMessage());
    }

    @Test
    void eachRlsRuleNamesItsRuleInItsCheckpointShapeAndReadsTheRlsBlock() throws Exception {
        for (String rule : List.of("eprop-time-driven-rls", "superspike-rls", "eventprop-rls")) {
            String shape;
            try (StreamLearner l = new StreamLearner(settings(rule), p -> { })) {
                shape = l.checkpointShape();
            }
            try (StreamLearner l = new StreamLearner(settings(rule, "network.rls.ridge=10"), p -> { })) {
                org.junit.jupiter.api.Assertions.assertNotEquals(shape, l.checkpointShape(), rule + ": network.rls shapes it");
            }
            try (StreamLearner l = new StreamLearner(settings(rule, "optimizer.eta=0.5"), p -> { })) {
                assertEquals(shape, l.checkpointShape(), rule + ": e-prop's top-level optimizer does not");
            }
        }
    }
}
