package io.spikestream.app;

import io.spikestream.ingest.format.DecodeException;
import io.spikestream.ingest.format.DecodeOptions;
import io.spikestream.ingest.format.EventFiles;
import io.spikestream.ingest.format.EventFormat;
import io.spikestream.ingest.format.EventReader;
import io.spikestream.ingest.format.RecordingSummary;
import io.spikestream.ingest.format.SensorGeometry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./spikestream inspect FILE...}: decodes each recording to the end, without Kafka, and prints one line per
 * file, then a summary line. The line formats are an interface (README "Recordings and formats"):
 *
 * <pre>
 *   FILE: format=EVT3 events=219596 on=115532 off=104064 geometry=1280x720 first_us=11718656 last_us=11727457 duration_us=8801 skipped=0
 *   FILE: error at byte 1234: MESSAGE
 *   inspect: files=2 ok=1 failed=1 events=219596
 * </pre>
 *
 * A file that fails does not stop the others; the exit code is 1 when any failed.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = "Decode event-camera recordings (N-MNIST .bin, AEDAT 2/3.1/4, EVT 2/3, DAT) and print format, "
        + "event count, time span, sensor geometry and ON/OFF counts. No Kafka involved.")
public final class InspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Recordings to inspect.")
    List<Path> files;

    @Option(names = "--format", paramLabel = "FORMAT",
        description = "Decode as this format instead of detecting it: ${COMPLETION-CANDIDATES}.")
    EventFormat format;

    @Option(names = "--lenient",
        description = "Skip and count events outside the sensor instead of failing (structural errors still fail).")
    boolean lenient;

    @Option(names = "--geometry", paramLabel = "WxH",
        description = "Sensor size to assume when the header names none (default: the format's documented one).")
    String geometry;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        DecodeOptions options = DecodeOptions.DEFAULT.withLenient(lenient);
        if (geometry != null) {
            options = options.withFallbackGeometry(parseGeometry(geometry));
        }
        int failed = 0;
        long events = 0;
        for (Path file : files) {
            try {
                RecordingSummary s = summarize(file, options);
                events += s.events();
                out.println(line(file, s));
            } catch (DecodeException e) {
                failed++;
                out.println(file + ": error at byte " + e.offset() + ": " + detail(e));
            } catch (NoSuchFileException e) {
                failed++;
                out.println(file + ": error: no such file");
            } catch (IOException e) {
                failed++;
                out.println(file + ": error: " + e);
            }
            out.flush();
        }
        out.println("inspect: files=" + files.size() + " ok=" + (files.size() - failed) + " failed=" + failed
            + " events=" + events);
        out.flush();
        return failed > 0 ? 1 : 0;
    }

    private RecordingSummary summarize(Path file, DecodeOptions options) throws IOException {
        try (EventReader reader = format != null ? EventFiles.open(file, format, options)
            : EventFiles.open(file, options)) {
            return RecordingSummary.of(reader);
        }
    }

    static String line(Path file, RecordingSummary s) {
        return file + ": format=" + s.format() + " events=" + s.events() + " on=" + s.on() + " off=" + s.off()
            + " geometry=" + s.geometry() + " first_us=" + s.firstUs() + " last_us=" + s.lastUs()
            + " duration_us=" + s.durationUs() + " skipped=" + s.skipped();
    }

    /** The exception's message without the "source @ byte N: " prefix the line already shows. */
    private static String detail(DecodeException e) {
        String prefix = e.source() + " @ byte " + e.offset() + ": ";
        String m = e.getMessage();
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    private SensorGeometry parseGeometry(String text) {
        String[] wh = text.toLowerCase(java.util.Locale.ROOT).split("x");
        try {
            if (wh.length == 2) {
                return new SensorGeometry(Integer.parseInt(wh[0].trim()), Integer.parseInt(wh[1].trim()));
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "--geometry expects WIDTHxHEIGHT with positive sides, got '" + text + "'");
    }
}
