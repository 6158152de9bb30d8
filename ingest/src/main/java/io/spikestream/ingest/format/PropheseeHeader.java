package io.spikestream.ingest.format;

import java.io.IOException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code %} header of Prophesee EVT 2.0 / EVT 3.0 {@code .raw} and {@code .dat} recordings, and the sensor
 * geometry it implies. Geometry, first match wins:
 * <ol>
 *   <li>{@code % geometry WxH} (Metavision 3+ raw files);</li>
 *   <li>{@code % format EVT3;height=H;width=W} (Metavision 4+ raw files);</li>
 *   <li>{@code % Width W} and {@code % Height H} (DAT files);</li>
 *   <li>the camera plugin ({@code % plugin_name hal_plugin_gen3_fx3} → 640x480 for Gen3/Gen3.1,
 *       {@code hal_plugin_gen41_*} / {@code imx636} → 1280x720, {@code genx320}/{@code imx8} → 320x320);</li>
 *   <li>{@link DecodeOptions#fallbackGeometry()}, else the format's default.</li>
 * </ol>
 */
final class PropheseeHeader {

    private static final Pattern GEOMETRY = Pattern.compile("(\\d+)\\s*[xX]\\s*(\\d+)");
    private static final Pattern FORMAT_WIDTH = Pattern.compile("width\\s*=\\s*(\\d+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern FORMAT_HEIGHT = Pattern.compile("height\\s*=\\s*(\\d+)", Pattern.CASE_INSENSITIVE);

    private PropheseeHeader() {
    }

    static HeaderLines read(ByteSource src) throws IOException {
        return HeaderLines.read(src, (byte) '%', "% end");
    }

    static SensorGeometry geometry(HeaderLines header, DecodeOptions options, SensorGeometry formatDefault)
        throws DecodeException {
        Optional<String> g = header.value("geometry");
        if (g.isPresent()) {
            Matcher m = GEOMETRY.matcher(g.get());
            boolean found = m.find();
            return checked(header, found ? m.group(1) : "", found ? m.group(2) : "", "geometry");
        }
        Optional<String> format = header.value("format");
        if (format.isPresent()) {
            Matcher w = FORMAT_WIDTH.matcher(format.get());
            Matcher h = FORMAT_HEIGHT.matcher(format.get());
            if (w.find() && h.find()) {
                return checked(header, w.group(1), h.group(1), "format");
            }
        }
        Optional<String> width = header.value("width");
        Optional<String> height = header.value("height");
        if (width.isPresent() && height.isPresent()) {
            return checked(header, width.get(), height.get(), "width");
        }
        Optional<String> plugin = header.value("plugin_name");
        if (plugin.isPresent() && options.fallbackGeometry() == null) {
            SensorGeometry fromPlugin = fromPlugin(plugin.get());
            if (fromPlugin != null) {
                return fromPlugin;
            }
        }
        return options.geometryOr(formatDefault);
    }

    private static SensorGeometry fromPlugin(String plugin) {
        String p = plugin.toLowerCase(Locale.ROOT);
        if (p.contains("gen3")) {
            return new SensorGeometry(640, 480);
        }
        if (p.contains("gen4") || p.contains("imx636")) {
            return new SensorGeometry(1280, 720);
        }
        if (p.contains("genx320") || p.contains("imx8")) {
            return new SensorGeometry(320, 320);
        }
        return null;
    }

    /** Largest sensor side accepted from a header: EVT 2.0/3.0 carry 11-bit coordinates, DAT 14-bit. */
    static final int MAX_SIDE = 1 << 14;

    private static SensorGeometry checked(HeaderLines header, String w, String h, String key)
        throws DecodeException {
        int width = HeaderLines.positiveInt(w);
        int height = HeaderLines.positiveInt(h);
        if (width <= 0 || height <= 0 || width > MAX_SIDE || height > MAX_SIDE) {
            throw header.error(key, "bad sensor size in the '% " + key + "' header line: " + w + "x" + h);
        }
        return new SensorGeometry(width, height);
    }
}
