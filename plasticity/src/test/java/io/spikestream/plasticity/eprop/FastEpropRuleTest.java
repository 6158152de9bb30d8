package io.spikestream.plasticity.eprop;

import io.spikestream.network.Network;
import io.spikestream.network.SpikeRecorder;
import io.spikestream.plasticity.optim.OptimizerSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The O(1) prefix-sum rule against the step-by-step NEST-exact rule on the same network and input: identical
 * spike trains and weight changes equal to rounding, for gradient descent and both Adam modes, with cutoffs
 * shorter and longer than the inter-spike intervals and with firing-rate regularisation on.
 *
 * <p>The learning rate is small on purpose: with large rates the weights feed back into the membranes and the
 * surrogate gradients, and this closed loop amplifies last-bit differences exponentially (measured: 1e-16 at
 * 30 ms, 1e-7 at 200 ms with eta = 5e-3), which would test the chaos of the network, not the rule.
 */
class FastEpropRuleTest {

    @ParameterizedTest(name = "{0} catch_up={1} cutoff={2}")
    @CsvSource({
        "gradient_descent, true, 50",
        "gradient_descent, true, 7",
        "adam, true, 50",
        "adam, false, 50",
        "adam, false, 3",
        "gradient_descent, true, 1000",
    })
    void agreesWithTheExactRule(String type, boolean catchUp, double cutoff) {
        OptimizerSpec spec = OptimizerSpec.fromMap(Map.of("type", type, "eta", 1e-7,
            "optimize_each_step", false, "adam_catch_up", catchUp));
        Map<String, Object> params = Map.of("c_reg", 0.5, "eprop_isi_trace_cutoff", cutoff);
        TestNetworks exact = new TestNetworks(21, 1, spec, 2, false, params, false);
        TestNetworks fast = new TestNetworks(21, 2, spec, 2, false, params, true);
        try (Network a = exact.net; Network b = fast.net) {
            SpikeRecorder sa = a.recordSpikes(exact.rec, 0, 1e9);
            SpikeRecorder sb = b.recordSpikes(fast.rec, 0, 1e9);
            double[] w0 = exact.weights();
            a.simulate(400.0);
            b.simulate(400.0);
            assertEquals(sa.count(), sb.count(), "spike count");
            for (int i = 0; i < sa.count(); i++) {
                assertEquals(sa.stamp(i), sb.stamp(i));
                assertEquals(sa.sender(i), sb.sender(i));
            }
            double[] we = exact.weights();
            double[] wf = fast.weights();
            double maxDiff = 0;
            double maxChange = 0;
            for (int i = 0; i < we.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(we[i] - wf[i]));
                maxChange = Math.max(maxChange, Math.abs(we[i] - w0[i]));
            }
            assertTrue(maxChange > 1e-6, "weights must have learned, max change " + maxChange);
            if (type.equals("adam")) {
                // Adam normalises each update to about eta whatever the gradient's size, so a synapse whose gradient
                // is at the level of cancellation noise gets a step in a direction rounding decides; an algorithmic
                // error would show as O(eta) per update instead
                assertTrue(maxDiff < 1e-2 * spec.eta(), "max |w_fast - w_exact| = " + maxDiff + ", eta " + spec.eta());
            } else {
                assertTrue(maxDiff < 1e-9 * maxChange, "max |w_fast - w_exact| = " + maxDiff + " for a change of " + maxChange);
            }
        }
    }
}
