package io.spikestream.ingest.replay;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar redrawn in place with carriage returns, at most ten times a second:
 * {@code replay [########------------] 29/72 files 118204 events 0.6 MB}. Meant for stderr, so that stdout
 * carries only the summary line. Not threadsafe.
 */
public final class ProgressBar implements ReplayProgress {

    private static final int WIDTH = 24;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream out;
    private final ReplayClock clock;
    private long lastDraw = Long.MIN_VALUE;
    private boolean drawn;
    private int filesDone;
    private int filesTotal;
    private long events;
    private long bytes;

    public ProgressBar(PrintStream out, ReplayClock clock) {
        this.out = out;
        this.clock = clock;
    }

    @Override
    public void update(int filesDone, int filesTotal, long events, long bytes) {
        this.filesDone = filesDone;
        this.filesTotal = filesTotal;
        this.events = events;
        this.bytes = bytes;
        long now = clock.nanoTime();
        if (!drawn || now - lastDraw >= REDRAW_NANOS) {
            lastDraw = now;
            draw();
        }
    }

    @Override
    public void finish() {
        draw();
        out.print('\n');
        out.flush();
    }

    private void draw() {
        drawn = true;
        int filled = filesTotal == 0 ? WIDTH : (int) ((long) WIDTH * filesDone / filesTotal);
        out.print("\rreplay [" + "#".repeat(filled) + "-".repeat(WIDTH - filled) + "] "
            + String.format(Locale.ROOT, "%d/%d files %d events %.1f MB", filesDone, filesTotal, events, bytes / 1e6));
        out.flush();
    }
}
