package io.spikestream.sinks.report;

import java.io.Console;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A progress bar with live accuracy for the terminal:
 * <pre>
 *   [#############-----------------]  312/741  42.1%  acc  63.0%  12.3k ev/s  110.4x real time
 * </pre>
 * On a terminal the line is redrawn in place (carriage return, padded to wipe a longer previous line) at most
 * every {@code redrawInterval}; elsewhere (a log file, CI) it degrades to a plain line every
 * {@code plainInterval}:
 * <pre>
 *   progress 312/741 42.1% rolling_accuracy=0.6300 events_per_s=12300 realtime_factor=110.4
 * </pre>
 * Events per second and the real-time factor are measured over the time since the previous line drawn, with the
 * injected clock, so they show the current speed rather than the average. {@link #finish()} always draws the final
 * state and ends the line.
 *
 * <p>Not threadsafe: call from one thread (the learner's, or a reporter's).
 */
public final class ProgressLine {

    static final int BAR_WIDTH = 30;
    public static final Duration DEFAULT_REDRAW_INTERVAL = Duration.ofMillis(100);
    public static final Duration DEFAULT_PLAIN_INTERVAL = Duration.ofSeconds(10);

    private final PrintStream out;
    private final boolean terminal;
    private final LongSupplier nanoClock;
    private final long total;
    private final long intervalNanos;

    private long lastDrawNanos;
    private long lastEvents;
    private double lastSimulatedSeconds;
    private boolean drawnOnce;
    private int previousLength;
    private boolean finished;
    private double shownEventsPerSecond = Double.NaN;
    private double shownRealtime = Double.NaN;

    private long done;
    private double rollingAccuracy = Double.NaN;
    private long events;
    private double simulatedSeconds;

    /**
     * @param out           where to draw (stderr in production)
     * @param terminal      redraw in place (true) or print plain lines (false)
     * @param nanoClock     monotonic clock in nanoseconds (e.g. {@code System::nanoTime})
     * @param total         samples expected, 0 when unknown (no bar then)
     * @param interval      least time between two drawn lines: the redraw interval on a terminal, the plain-line
     *                      interval elsewhere
     */
    public ProgressLine(PrintStream out, boolean terminal, LongSupplier nanoClock, long total, Duration interval) {
        this.out = out;
        this.terminal = terminal;
        this.nanoClock = nanoClock;
        this.total = total;
        this.intervalNanos = interval.toNanos();
        this.lastDrawNanos = nanoClock.getAsLong();
    }

    /**
     * Progress on {@code System.err}: in place when the JVM runs on a terminal ({@link System#console()} is there
     * and is a terminal), plain lines every 10 s otherwise.
     */
    public static ProgressLine toStderr(long total) {
        Console console = System.console();
        boolean terminal = console != null && console.isTerminal();
        return new ProgressLine(System.err, terminal, System::nanoTime, total,
            terminal ? DEFAULT_REDRAW_INTERVAL : DEFAULT_PLAIN_INTERVAL);
    }

    public boolean terminal() {
        return terminal;
    }

    /**
     * Reports the state after a sample; draws when the interval has passed since the last line (or on the first
     * call on a terminal, or when {@code done} reaches the total).
     *
     * @param done             samples finished
     * @param rollingAccuracy  accuracy over the latest windows, NaN when none yet
     * @param events           events processed since the start
     * @param simulatedSeconds stream time simulated since the start, seconds
     */
    public void update(long done, double rollingAccuracy, long events, double simulatedSeconds) {
        this.done = done;
        this.rollingAccuracy = rollingAccuracy;
        this.events = events;
        this.simulatedSeconds = simulatedSeconds;
        long now = nanoClock.getAsLong();
        boolean due = now - lastDrawNanos >= intervalNanos
            || (terminal && !drawnOnce)
            || (total > 0 && done >= total);
        if (due) {
            draw(now);
        }
    }

    /** Draws the final state and ends the line. Further calls do nothing. */
    public void finish() {
        if (finished) {
            return;
        }
        finished = true;
        // a plain (non-terminal) line was already printed for the last update; only a terminal line needs closing
        if (terminal || !drawnOnce || lastEvents != events) {
            draw(nanoClock.getAsLong());
        }
        if (terminal) {
            out.print('\n');
        }
        out.flush();
    }

    private void draw(long now) {
        double seconds = (now - lastDrawNanos) * 1e-9;
        double eventsPerSecond = seconds > 0 ? (events - lastEvents) / seconds : Double.NaN;
        double realtime = seconds > 0 ? (simulatedSeconds - lastSimulatedSeconds) / seconds : Double.NaN;
        // A redraw right after the previous one has no interval to measure over: keep showing the last figures.
        if (drawnOnce && seconds == 0) {
            eventsPerSecond = shownEventsPerSecond;
            realtime = shownRealtime;
        }
        String line = terminal ? terminalLine(eventsPerSecond, realtime) : plainLine(eventsPerSecond, realtime);
        if (terminal) {
            int pad = Math.max(0, previousLength - line.length());
            out.print("\r" + line + " ".repeat(pad));
            previousLength = line.length();
        } else {
            out.println(line);
        }
        out.flush();
        lastDrawNanos = now;
        lastEvents = events;
        lastSimulatedSeconds = simulatedSeconds;
        shownEventsPerSecond = eventsPerSecond;
        shownRealtime = realtime;
        drawnOnce = true;
    }

    String terminalLine(double eventsPerSecond, double realtime) {
        StringBuilder line = new StringBuilder(100);
        if (total > 0) {
            int filled = (int) Math.min(BAR_WIDTH, done * BAR_WIDTH / total);
            line.append('[').append("#".repeat(filled)).append("-".repeat(BAR_WIDTH - filled)).append("]  ");
            String width = "%" + Long.toString(total).length() + "d";
            line.append(String.format(Locale.ROOT, width + "/%d  %5.1f%%", done, total, 100.0 * done / total));
        } else {
            line.append(done).append(" samples");
        }
        line.append("  acc ").append(Double.isNaN(rollingAccuracy)
            ? "    -" : String.format(Locale.ROOT, "%5.1f%%", rollingAccuracy * 100));
        line.append("  ").append(Double.isNaN(eventsPerSecond) ? "-" : si(eventsPerSecond)).append(" ev/s");
        line.append("  ").append(Double.isNaN(realtime) ? "-" : String.format(Locale.ROOT, "%.1fx", realtime))
            .append(" real time");
        return line.toString();
    }

    String plainLine(double eventsPerSecond, double realtime) {
        StringBuilder line = new StringBuilder(100);
        line.append("progress ").append(done);
        if (total > 0) {
            line.append('/').append(total).append(String.format(Locale.ROOT, " %.1f%%", 100.0 * done / total));
        }
        line.append(" rolling_accuracy=").append(Double.isNaN(rollingAccuracy)
            ? "NaN" : String.format(Locale.ROOT, "%.4f", rollingAccuracy));
        line.append(" events_per_s=").append(Double.isNaN(eventsPerSecond)
            ? "NaN" : Long.toString(Math.round(eventsPerSecond)));
        line.append(" realtime_factor=").append(Double.isNaN(realtime)
            ? "NaN" : String.format(Locale.ROOT, "%.1f", realtime));
        return line.toString();
    }

    /** 950, 12.3k, 4.56M, 7.89G. */
    static String si(double v) {
        double a = Math.abs(v);
        if (a < 1e3) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a < 1e6) {
            return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        }
        if (a < 1e9) {
            return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        }
        return String.format(Locale.ROOT, "%.2fG", v / 1e9);
    }
}
