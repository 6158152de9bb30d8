package io.spikestream.network;

import java.util.function.Supplier;

/**
 * Compiles a network's hot kernels before its first step: simulates small copies of it ("miniatures": the same
 * populations, models, rules, layouts and thread count, fewer neurons) on a background thread, so that the JIT's C2
 * compilations happen during construction instead of inside the first simulated second, where the workers would
 * otherwise run interpreted code while the compiler threads take their cores. The caller may go on building the real
 * network meanwhile or wait for the primer; on 2 cores with 2 workers the benchmarks start it once the network is
 * built (its layout is known then) and wait ({@code EpropScaling --prime-ms}).
 *
 * <p>Two miniatures are simulated one after the other. A branch that only a new network takes (a scratch array
 * allocated on first use, a list grown on its first event) runs before the interpreter starts profiling, so C2
 * compiles it as never taken and the next network traps there and recompiles its kernel, in its own first steps. The
 * second miniature takes those traps, and the JIT remembers them, so the real network starts on the final code.
 *
 * <p>How long: long enough for the methods called once or twice a step (the step loop, a rule's per-step work, a
 * small population's update), not only for the row kernels called per spike. With C2 alone a method is compiled after
 * about 10^4 calls: 800 + 200 miniature steps left those to compile in the first simulated second (86-162 ms of JIT
 * on the workers' cores at K = 100), 4000 + 1000 steps did not, for about half a second more construction.
 *
 * <p>Nothing in the real network depends on the primer: its results are bit-identical with and without one. What a
 * primer costs is CPU during construction (report it in the construction time; see {@link #await}).
 */
public final class KernelPrimer {

    private final Thread thread;
    private volatile Throwable failure;
    private volatile double seconds;

    private KernelPrimer(Supplier<Network> miniature, double firstMs, double secondMs) {
        if (!(firstMs > 0) || !(secondMs >= 0)) {
            throw new IllegalArgumentException("priming stretches must be > 0 and >= 0 ms, got " + firstMs + ", "
                + secondMs);
        }
        thread = Thread.ofPlatform().name("spikestream-primer").daemon().unstarted(() -> {
            long t0 = System.nanoTime();
            try {
                for (double ms : new double[] {firstMs, secondMs}) {
                    if (ms > 0) {
                        try (Network m = miniature.get()) {
                            m.simulate(ms);
                        }
                    }
                }
            } catch (Throwable t) {
                failure = t;
            }
            seconds = (System.nanoTime() - t0) / 1e9;
        });
    }

    /**
     * Starts simulating {@code firstMs} of one miniature and then {@code secondMs} of another (0: none), each from
     * {@code miniature.get()}, on a daemon thread. The supplier may block (e.g. until the real network has chosen a
     * layout the miniature must copy).
     */
    public static KernelPrimer start(Supplier<Network> miniature, double firstMs, double secondMs) {
        KernelPrimer p = new KernelPrimer(miniature, firstMs, secondMs);
        p.thread.start();
        return p;
    }

    /**
     * Waits until the miniatures are done and returns the seconds the primer ran (from its start). A failing
     * miniature is reported as an {@link IllegalStateException}: priming is an optimisation, but a miniature that
     * cannot run says the real network will not either.
     */
    public double await() throws InterruptedException {
        thread.join();
        if (failure != null) {
            throw new IllegalStateException("priming the kernels failed: " + failure, failure);
        }
        return seconds;
    }
}
