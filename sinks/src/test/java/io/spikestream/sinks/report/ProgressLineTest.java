package io.spikestream.sinks.report;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProgressLineTest {

    private static final long MS = 1_000_000L;

    /** A clock the test moves by hand. */
    private static final class FakeClock {
        long nanos = 5_000 * MS;

        long read() {
            return nanos;
        }
    }

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final FakeClock clock = new FakeClock();

    private String written() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void onATerminalTheLineIsRedrawnInPlaceAtMostEveryInterval() {
        ProgressLine progress = new ProgressLine(out, true, clock::read, 741, Duration.ofMillis(100));

        clock.nanos += 50 * MS;
        progress.update(1, Double.NaN, 3_000, 0.3);          // first call: drawn at once
        String first = "\r[------------------------------]    1/741    0.1%  acc     -  60.0k ev/s  6.0x real time";
        assertEquals(first, written());

        clock.nanos += 40 * MS;
        progress.update(2, 0.5, 6_000, 0.6);                  // 40 ms later: not yet
        assertEquals(first, written());

        clock.nanos += 60 * MS;                               // 100 ms after the last draw
        progress.update(370, 0.625, 1_206_000, 111.0);
        String second = "\r[##############----------------]  370/741   49.9%  acc  62.5%  12.03M ev/s  1107.0x real time";
        assertEquals(first + second, written());

        clock.nanos += 1_000 * MS;
        progress.update(371, 0.6, 1_207_000, 111.3);
        String third = "\r[###############---------------]  371/741   50.1%  acc  60.0%  1.0k ev/s  0.3x real time";
        // Shorter than the line before: padded with blanks to wipe its tail.
        assertEquals(first + second + third + " ".repeat(second.length() - third.length()), written());
    }

    @Test
    void reachingTheTotalDrawsAtOnceAndFinishEndsTheLine() {
        ProgressLine progress = new ProgressLine(out, true, clock::read, 4, Duration.ofSeconds(1));
        clock.nanos += 500 * MS;
        progress.update(1, 1.0, 100, 0.3);
        clock.nanos += 10 * MS;
        progress.update(4, 0.75, 200, 1.2);
        progress.finish();
        progress.finish();
        assertEquals("\r[#######-----------------------]  1/4   25.0%  acc 100.0%  200 ev/s  0.6x real time"
                + "\r[##############################]  4/4  100.0%  acc  75.0%  10.0k ev/s  90.0x real time"
                // finish() right after: no time has passed, so the speeds shown stay those of the last interval
                + "\r[##############################]  4/4  100.0%  acc  75.0%  10.0k ev/s  90.0x real time\n",
            written());
    }

    @Test
    void withoutATerminalPlainLinesComeEveryInterval() {
        ProgressLine progress = new ProgressLine(out, false, clock::read, 741, Duration.ofSeconds(10));

        clock.nanos += 2_000 * MS;
        progress.update(10, 0.1, 30_000, 3.0);                // not a terminal: nothing before the interval
        assertEquals("", written());

        clock.nanos += 8_000 * MS;                            // 10 s since the start
        progress.update(100, 0.4567, 300_000, 30.0);
        assertEquals("progress 100/741 13.5% rolling_accuracy=0.4567 events_per_s=30000 realtime_factor=3.0\n",
            written());

        clock.nanos += 9_999 * MS;
        progress.update(200, 0.5, 600_000, 60.0);
        clock.nanos += 1 * MS;
        progress.update(201, 0.5, 650_000, 61.0);
        progress.finish();                                     // the last figures are already on a line: no repeat
        assertEquals("progress 100/741 13.5% rolling_accuracy=0.4567 events_per_s=30000 realtime_factor=3.0\n"
                + "progress 201/741 27.1% rolling_accuracy=0.5000 events_per_s=35000 realtime_factor=3.1\n",
            written());
        progress.update(250, 0.5, 700_000, 70.0);
        progress.finish();
        assertEquals(2, written().split("\n").length, "finish twice is a no-op");
    }

    @Test
    void unknownTotalShowsACountInsteadOfABar() {
        ProgressLine progress = new ProgressLine(out, true, clock::read, 0, Duration.ofMillis(100));
        clock.nanos += 1_000 * MS;
        progress.update(12, 0.25, 2_500_000, 3.6);
        assertEquals("\r12 samples  acc  25.0%  2.50M ev/s  3.6x real time", written());
        ProgressLine plain = new ProgressLine(out, false, clock::read, 0, Duration.ZERO);
        bytes.reset();
        plain.update(12, Double.NaN, 0, 0);
        assertEquals("progress 12 rolling_accuracy=NaN events_per_s=NaN realtime_factor=NaN\n", written());
    }

    @Test
    void siPrefixes() {
        assertEquals("950", ProgressLine.si(950));
        assertEquals("12.3k", ProgressLine.si(12_340));
        assertEquals("4.57M", ProgressLine.si(4_567_000));
        assertEquals("7.89G", ProgressLine.si(7_890_000_000.0));
    }
}
