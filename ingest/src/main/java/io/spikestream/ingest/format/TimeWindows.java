package io.spikestream.ingest.format;

import java.io.Closeable;
import java.io.IOException;

/**
 * Iterates a recording by time window instead of by event count: each {@link #next(EventBatch)} returns events of
 * one window {@code [windowStartUs, windowStartUs + windowUs)}. Windows are aligned to an origin (by default the
 * first event's timestamp); windows without events are skipped, so the window start jumps. A window with more events
 * than the batch holds spans several calls; {@link #windowComplete()} says whether the last call ended its window.
 *
 * <p>An event whose timestamp lies before the current window (a recording whose time steps back) is kept in the
 * current window rather than dropped. Memory: one look-ahead batch, whatever the file size. Not threadsafe.
 */
public final class TimeWindows implements Closeable {

    private final EventReader reader;
    private final long windowUs;
    private final EventBatch ahead;
    private int aheadPos;
    private boolean ended;
    private boolean started;
    private long originUs;
    private long windowStartUs;
    private boolean complete;

    /** Windows aligned to the first event's timestamp, read ahead 4096 events at a time. */
    public TimeWindows(EventReader reader, long windowUs) {
        this(reader, windowUs, 4096);
    }

    public TimeWindows(EventReader reader, long windowUs, int lookahead) {
        if (windowUs <= 0) {
            throw new IllegalArgumentException("window must be positive, got " + windowUs + " us");
        }
        this.reader = reader;
        this.windowUs = windowUs;
        this.ahead = new EventBatch(lookahead);
    }

    /** Aligns windows to {@code originUs} instead of the first event (must be called before the first read). */
    public TimeWindows alignTo(long originUs) {
        if (started) {
            throw new IllegalStateException("windows already started at " + this.originUs);
        }
        this.originUs = originUs;
        this.started = true;
        this.windowStartUs = originUs;
        return this;
    }

    /**
     * Clears {@code batch} and fills it with the next events of the current window (at most its capacity).
     * Returns the number of events, or -1 at the end of the recording; never 0.
     */
    public int next(EventBatch batch) throws IOException {
        batch.clear();
        if (!pending()) {
            return -1;
        }
        long t = ahead.timestampUs[aheadPos];
        if (!started) {
            started = true;
            originUs = t;
            windowStartUs = t;
        } else if (t >= windowStartUs + windowUs) {
            windowStartUs = originUs + Math.floorDiv(t - originUs, windowUs) * windowUs;
        }
        long end = windowStartUs + windowUs;
        final int cap = batch.capacity();
        int n = 0;
        complete = false;
        while (n < cap) {
            if (!pending()) {
                complete = true;
                break;
            }
            int i = aheadPos;
            int limit = ahead.size;
            final long[] at = ahead.timestampUs;
            int stop = i;
            while (stop < limit && n + (stop - i) < cap && at[stop] < end) {
                stop++;
            }
            int count = stop - i;
            System.arraycopy(ahead.x, i, batch.x, n, count);
            System.arraycopy(ahead.y, i, batch.y, n, count);
            System.arraycopy(ahead.polarity, i, batch.polarity, n, count);
            System.arraycopy(at, i, batch.timestampUs, n, count);
            n += count;
            aheadPos = stop;
            if (stop < limit && at[stop] >= end) {
                complete = true;
                break;
            }
        }
        if (n == cap && !complete) {
            complete = !pending() || ahead.timestampUs[aheadPos] >= end;
        }
        batch.size = n;
        return n;
    }

    /** Start (inclusive, us) of the window the last returned events belong to. */
    public long windowStartUs() {
        return windowStartUs;
    }

    /** End (exclusive, us) of the window the last returned events belong to. */
    public long windowEndUs() {
        return windowStartUs + windowUs;
    }

    /** Whether the last {@link #next} returned the final events of its window. */
    public boolean windowComplete() {
        return complete;
    }

    public EventReader reader() {
        return reader;
    }

    private boolean pending() throws IOException {
        while (aheadPos == ahead.size) {
            if (ended) {
                return false;
            }
            aheadPos = 0;
            if (reader.read(ahead) < 0) {
                ahead.size = 0;
                ended = true;
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
