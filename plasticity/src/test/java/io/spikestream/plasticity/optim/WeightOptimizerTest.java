package io.spikestream.plasticity.optim;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WeightOptimizerTest {

    private static OptimizerClock fresh(double eta) {
        OptimizerClock c = new OptimizerClock();
        c.set(1, 1.0, 1.0, 0, eta);
        return c;
    }

    @Test
    void adamMatchesHandComputation() {
        OptimizerSpec spec = OptimizerSpec.adam(0.1).withOptimizeEachStep(false);
        OptimizerClock c = fresh(0.1);
        double[] s = new double[3];
        // update 1 at idx 1 with gradient 2: k 1 -> 2, one Adam iteration
        double w = WeightOptimizer.optimize(spec, 0.1, c, 1, 2.0, 1.0, s);
        // by hand: b1^1 = 0.9, b2^1 = 0.999; alpha = 0.1*sqrt(0.001)/0.1 = sqrt(0.001)
        // m = 0.2, v = 0.004; w = 1 - sqrt(0.001)*0.2/(sqrt(0.004)+1e-7)
        double alpha1 = 0.1 * Math.sqrt(1 - 0.999) / (1 - 0.9);
        double m1 = (1.0 - 0.9) * 2.0;
        double v1 = (1.0 - 0.999) * 2.0 * 2.0;
        double w1 = 1.0 - alpha1 * m1 / (Math.sqrt(v1) + 1e-7);
        assertEquals(w1, w, 0.0);
        assertEquals(m1, s[1], 0.0);
        assertEquals(v1, s[2], 0.0);
        // update 2 at idx 3 with gradient -1: NEST catches up 2 iterations (the gradient, then a zero gradient)
        double w2 = WeightOptimizer.optimize(spec, 0.1, c, 3, -1.0, w, s);
        double m2 = 0.9 * m1 + (1.0 - 0.9) * -1.0;
        double v2 = 0.999 * v1 + (1.0 - 0.999) * -1.0 * -1.0;
        double a2 = 0.1 * Math.sqrt(1 - 0.999 * 0.999) / (1 - 0.9 * 0.9);
        double x = w1 - a2 * m2 / (Math.sqrt(v2) + 1e-7);
        double m3 = 0.9 * m2;
        double v3 = 0.999 * v2;
        double a3 = 0.1 * Math.sqrt(1 - Math.pow(0.999, 3)) / (1 - Math.pow(0.9, 3));
        x = x - a3 * m3 / (Math.sqrt(v3) + 1e-7);
        assertEquals(x, w2, 1e-15);
        assertEquals(m3, s[1], 1e-17);
        assertEquals(4, c.k);
        assertEquals(2, c.nOptimize);
    }

    @Test
    void adamPerUpdateTakesOneStepWhateverTheInterval() {
        OptimizerSpec spec = OptimizerSpec.adam(0.1).withOptimizeEachStep(false).withAdamCatchUp(false);
        OptimizerClock c = fresh(0.1);
        double[] s = new double[3];
        double w = WeightOptimizer.optimize(spec, 0.1, c, 1, 2.0, 1.0, s);
        double w2 = WeightOptimizer.optimize(spec, 0.1, c, 500, -1.0, w, s);
        double m2 = 0.9 * ((1.0 - 0.9) * 2.0) + (1.0 - 0.9) * -1.0;
        double v2 = 0.999 * ((1.0 - 0.999) * 2.0 * 2.0) + (1.0 - 0.999) * -1.0 * -1.0;
        double a2 = 0.1 * Math.sqrt(1 - 0.999 * 0.999) / (1 - 0.81);
        assertEquals(w - a2 * m2 / (Math.sqrt(v2) + 1e-7), w2, 1e-15);
        assertEquals(0.81, c.b1pow, 1e-15);
    }

    @Test
    void gradientDescentWithBatchesDividesByBatchSizeAndClips() {
        OptimizerSpec spec = OptimizerSpec.gradientDescent(0.5).withBatchSize(2).withBounds(-1.0, 1.0);
        OptimizerClock c = fresh(0.5);
        double[] s = new double[3];
        // idx 0 and 1 fall into optimization step 1 (K = 1 + idx/2): accumulate, no update
        double w = WeightOptimizer.optimize(spec, 0.5, c, 0, 1.0, 0.2, s);
        w = WeightOptimizer.optimize(spec, 0.5, c, 1, 1.0, w, s);
        assertEquals(0.2, w, 0.0);
        // idx 2 opens step 2: the sum of all three gradients, divided by 2, is applied
        w = WeightOptimizer.optimize(spec, 0.5, c, 2, 1.0, w, s);
        assertEquals(0.2 - 0.5 * 1.5, w, 1e-15);
        // a huge gradient is clipped to Wmin
        w = WeightOptimizer.optimize(spec, 0.5, c, 4, 100.0, w, s);
        assertEquals(-1.0, w, 0.0);
    }

    @Test
    void newLearningRateTakesEffectOneUpdateLateAsInNest() {
        OptimizerSpec spec = OptimizerSpec.gradientDescent(0.1);
        OptimizerClock c = fresh(0.1);
        double[] s = new double[3];
        double w = WeightOptimizer.optimize(spec, 0.0, c, 1, 1.0, 0.0, s); // eta set to 0 before this update
        assertEquals(-0.1, w, 0.0);                                      // ... but the old rate is used once
        w = WeightOptimizer.optimize(spec, 0.0, c, 2, 1.0, w, s);
        assertEquals(-0.1, w, 0.0);                                      // then learning is frozen
    }

    @Test
    void invalidSpecsAreRejectedWithTheirName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> OptimizerSpec.fromMap(Map.of("type", "adam", "eta", -1.0)));
        assertTrue(e.getMessage().contains("eta"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.fromMap(Map.of("type", "sgd")));
        assertTrue(e.getMessage().contains("sgd"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.fromMap(Map.of("learning_rate", 0.1)));
        assertTrue(e.getMessage().contains("learning_rate"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OptimizerSpec.fromMap(Map.of("Wmin", 1.0, "Wmax", 0.0)));
        assertTrue(e.getMessage().contains("Wmin"), e.getMessage());
    }
}
