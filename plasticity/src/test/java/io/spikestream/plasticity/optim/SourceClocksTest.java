package io.spikestream.plasticity.optim;

import io.spikestream.network.checkpoint.StateWriter;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link SourceClocks}: one record per source, the doubles kept as their bits, checkpoints in five arrays. */
class SourceClocksTest {

    private static final int SOURCES = 1000;

    @Test
    void aFreshSourceStartsAtStepOneWithUnitPowersAndTheLearningRate() {
        SourceClocks clocks = new SourceClocks(3, 0.25);
        OptimizerClock c = new OptimizerClock();
        clocks.load(2, c);
        assertEquals(1L, c.k);
        assertEquals(1.0, c.b1pow, 0.0);
        assertEquals(1.0, c.b2pow, 0.0);
        assertEquals(0L, c.nOptimize);
        assertEquals(0.25, c.etaCurrent, 0.0);
        assertEquals(3L * 5 * Long.BYTES, clocks.bytes());
    }

    @Test
    void eachSourceLoadsWhatWasStoredForItBitForBit() {
        SourceClocks clocks = new SourceClocks(SOURCES, 0.1);
        OptimizerClock[] stored = clocks(new SplittableRandom(3));
        for (int s = SOURCES - 1; s >= 0; s--) {
            clocks.store(s, stored[s]);
        }
        OptimizerClock c = new OptimizerClock();
        for (int s = 0; s < SOURCES; s++) {
            clocks.load(s, c);
            assertEquals(stored[s].k, c.k, "step of source " + s);
            assertEquals(Double.doubleToRawLongBits(stored[s].b1pow), Double.doubleToRawLongBits(c.b1pow));
            assertEquals(Double.doubleToRawLongBits(stored[s].b2pow), Double.doubleToRawLongBits(c.b2pow));
            assertEquals(stored[s].nOptimize, c.nOptimize, "updates of source " + s);
            assertEquals(Double.doubleToRawLongBits(stored[s].etaCurrent), Double.doubleToRawLongBits(c.etaCurrent));
        }
    }

    @Test
    void aCheckpointHoldsTheFiveArraysItAlwaysHeld() {
        SourceClocks clocks = new SourceClocks(SOURCES, 0.1);
        OptimizerClock[] stored = clocks(new SplittableRandom(4));
        long[] k = new long[SOURCES];
        double[] b1 = new double[SOURCES];
        double[] b2 = new double[SOURCES];
        long[] n = new long[SOURCES];
        double[] eta = new double[SOURCES];
        for (int s = 0; s < SOURCES; s++) {
            clocks.store(s, stored[s]);
            k[s] = stored[s].k;
            b1[s] = stored[s].b1pow;
            b2[s] = stored[s].b2pow;
            n[s] = stored[s].nOptimize;
            eta[s] = stored[s].etaCurrent;
        }
        StateWriter sizing = StateWriter.sizing();
        clocks.write(sizing);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment got = arena.allocate(sizing.position(), 8);
            clocks.write(StateWriter.into(got));
            MemorySegment expected = arena.allocate(sizing.position(), 8);
            StateWriter w = StateWriter.into(expected);
            w.putLongs(k);
            w.putDoubles(b1);
            w.putDoubles(b2);
            w.putLongs(n);
            w.putDoubles(eta);
            assertEquals(sizing.position(), w.position());
            assertEquals(-1L, expected.mismatch(got), "the checkpoint bytes of the five-array layout");
        }
    }

    private static OptimizerClock[] clocks(SplittableRandom rnd) {
        OptimizerClock[] c = new OptimizerClock[SOURCES];
        for (int s = 0; s < SOURCES; s++) {
            c[s] = new OptimizerClock();
            double b1 = s % 7 == 0 ? -0.0 : rnd.nextDouble();
            c[s].set(1 + rnd.nextLong(1L << 40), b1, Math.pow(0.999, s), rnd.nextLong(1L << 40), rnd.nextDouble() * 1e-3);
        }
        return c;
    }
}
