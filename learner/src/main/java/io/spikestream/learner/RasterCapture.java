package io.spikestream.learner;

import io.spikestream.network.EventList;
import io.spikestream.network.Network;
import io.spikestream.network.Population;

import java.util.Arrays;

/**
 * Spikes of the input and hidden populations in the window being simulated and in the last completed one, for the
 * end-of-run raster plot. A step observer; grows its arrays by doubling (no allocation per spike once warm). The
 * time model starts the windows ({@code per_window}: each labelled window; {@code continuous}: every
 * {@link ContinuousTime#RASTER_STEPS} steps), so what it holds is bounded by one window's spikes.
 */
final class RasterCapture {

    private final Network net;
    private final Population in;
    private final Population rec;
    private long[] steps = new long[1024];
    private int[] ids = new int[1024];
    private int count;
    private long from;
    private long[] lastSteps = new long[0];
    private int[] lastIds = new int[0];
    private long lastFrom;
    private long lastTo;

    RasterCapture(Network net, Population in, Population rec) {
        this.net = net;
        this.in = in;
        this.rec = rec;
    }

    void onStep(long t) {
        EventList ev = net.pendingEvents();
        for (int i = 0; i < ev.count(); i++) {
            if (ev.isFlush(i)) {
                continue;
            }
            int popIndex = ev.population(i);
            if (popIndex != in.index() && popIndex != rec.index()) {
                continue;
            }
            if (count == steps.length) {
                steps = Arrays.copyOf(steps, count * 2);
                ids = Arrays.copyOf(ids, count * 2);
            }
            steps[count] = t + 1;
            ids[count++] = net.populations().get(popIndex).globalOffset() + ev.local(i);
        }
    }

    /** A window starts at loop step {@code base}: the one before becomes the last completed window. */
    void startWindow(long base) {
        if (base > 0) {
            lastSteps = Arrays.copyOf(steps, count);
            lastIds = Arrays.copyOf(ids, count);
            lastFrom = from;
            lastTo = base;
        }
        count = 0;
        from = base;
    }

    /** First step of the window being captured. */
    long from() {
        return from;
    }

    long[] lastSteps() {
        return lastSteps;
    }

    int[] lastIds() {
        return lastIds;
    }

    long[] lastRange() {
        return new long[] {lastFrom, lastTo};
    }
}
