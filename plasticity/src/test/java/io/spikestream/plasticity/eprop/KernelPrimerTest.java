package io.spikestream.plasticity.eprop;

import io.spikestream.network.KernelPrimer;
import io.spikestream.network.Network;
import io.spikestream.plasticity.optim.OptimizerSpec;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link KernelPrimer}: miniatures simulated before a network's first step leave its results bit-identical (priming
 * only warms the JIT), both miniatures run, and a miniature that fails is reported instead of hiding.
 */
class KernelPrimerTest {

    private static final OptimizerSpec ADAM = OptimizerSpec.adam(1e-3).withOptimizeEachStep(false);

    private static TestNetworks hotNetwork(long seed) {
        TestNetworks n = new TestNetworks(seed, 2, ADAM, 2, false, Map.of(), true);
        n.fast.setCompactLayout(true);
        return n;
    }

    @Test
    void primedNetworkGivesTheSameWeightsAndSpikes() throws InterruptedException {
        TestNetworks plain = hotNetwork(5);
        plain.net.simulate(300);

        TestNetworks primed = hotNetwork(5);
        AtomicInteger built = new AtomicInteger();
        double seconds = KernelPrimer.start(() -> {
            TestNetworks m = hotNetwork(100 + built.incrementAndGet());
            return m.net;
        }, 200, 50).await();
        primed.net.simulate(300);

        assertEquals(2, built.get(), "two miniatures, one after the other");
        assertTrue(seconds > 0);
        assertTrue(primed.fast.compactLayout());
        assertEquals(plain.net.spikeCount(plain.rec), primed.net.spikeCount(primed.rec));
        assertTrue(plain.net.spikeCount(plain.rec) > 0, "the network must spike for the comparison to mean anything");
        assertArrayEquals(plain.weights(), primed.weights());
        plain.net.close();
        primed.net.close();
    }

    @Test
    void aSecondStretchOfZeroBuildsOneMiniature() throws InterruptedException {
        AtomicInteger built = new AtomicInteger();
        KernelPrimer.start(() -> {
            built.incrementAndGet();
            return hotNetwork(7).net;
        }, 20, 0).await();
        assertEquals(1, built.get());
    }

    @Test
    void aFailingMiniatureIsReported() {
        KernelPrimer p = KernelPrimer.start(() -> {
            throw new IllegalArgumentException("unknown neuron model 'x'");
        }, 10, 10);
        IllegalStateException e = assertThrows(IllegalStateException.class, p::await);
        assertTrue(e.getMessage().contains("priming the kernels failed"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown neuron model 'x'"), e.getMessage());
        assertNotEquals(null, e.getCause());
    }

    @Test
    void stretchesMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> KernelPrimer.start(() -> new Network(
            io.spikestream.network.TimeGrid.of(1.0)), 0, 10));
        assertThrows(IllegalArgumentException.class, () -> KernelPrimer.start(() -> new Network(
            io.spikestream.network.TimeGrid.of(1.0)), 10, -1));
    }
}
