package io.spikestream.ingest.format;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Entry point to the decoders: detects a recording's format from its first bytes (falling back to the file
 * extension for header-less formats) and opens the matching streaming {@link EventReader}.
 *
 * <p>Detection rules, in order:
 * <ol>
 *   <li>{@code #!AER-DAT4.0} → AEDAT 4; {@code #!AER-DAT3.1} → AEDAT 3.1; {@code #!AER-DAT2.0} (or any other
 *       {@code #} header on a {@code .aedat} file) → AEDAT 2.0;</li>
 *   <li>a {@code %} header: {@code % evt 2.0} / {@code % format EVT2...} → EVT 2.0, {@code % evt 3.0} /
 *       {@code % format EVT3...} → EVT 3.0, {@code % Data file containing ...} or a {@code .dat} file → DAT;</li>
 *   <li>no header: {@code .bin} → N-MNIST.</li>
 * </ol>
 * Anything else is a {@link DecodeException} at offset 0. Stateless and threadsafe.
 */
public final class EventFiles {

    /** Bytes inspected for detection: enough for any Prophesee header seen in the wild. */
    static final int SNIFF_BYTES = 64 * 1024;

    private EventFiles() {
    }

    public static EventFormat detect(Path path) throws IOException {
        byte[] head = new byte[SNIFF_BYTES];
        int n;
        try (InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, head.length);
        }
        return detect(head, n, path.toString());
    }

    /** Detects the format from the first {@code length} bytes of a recording called {@code name}. */
    public static EventFormat detect(byte[] head, int length, String name) throws DecodeException {
        String ext = extension(name);
        int len = Math.min(length, head.length);
        if (startsWith(head, len, "#!AER-DAT4.")) {
            return EventFormat.AEDAT4;
        }
        if (startsWith(head, len, "#!AER-DAT3.")) {
            return EventFormat.AEDAT31;
        }
        if (startsWith(head, len, "#!AER-DAT2.")
            || (len > 0 && head[0] == '#' && ext.equals("aedat"))) {
            return EventFormat.AEDAT2;
        }
        if (len > 0 && head[0] == '%') {
            EventFormat f = prophesee(head, len);
            if (f != null) {
                return f;
            }
            if (ext.equals("dat")) {
                return EventFormat.DAT;
            }
            throw new DecodeException(name, 0, "'%' header names no known event format (no '% evt 2.0|3.0' line)");
        }
        if (ext.equals("bin")) {
            return EventFormat.NMNIST_BIN;
        }
        throw new DecodeException(name, 0, "unrecognised recording format (no known header, extension '" + ext + "')");
    }

    public static EventReader open(Path path) throws IOException {
        return open(path, DecodeOptions.DEFAULT);
    }

    public static EventReader open(Path path, DecodeOptions options) throws IOException {
        return open(path, detect(path), options);
    }

    public static EventReader open(Path path, EventFormat format, DecodeOptions options) throws IOException {
        ByteSource src = ByteSource.open(path);
        try {
            return open(src, format, options);
        } catch (IOException | RuntimeException e) {
            src.close();
            throw e;
        }
    }

    /** Decodes an in-memory recording (used as is, not copied); {@code name} appears in error messages. */
    public static EventReader open(byte[] data, String name, DecodeOptions options) throws IOException {
        return open(data, name, detect(data, data.length, name), options);
    }

    public static EventReader open(byte[] data, String name, EventFormat format, DecodeOptions options)
        throws IOException {
        return open(ByteSource.of(data, name), format, options);
    }

    static EventReader open(ByteSource src, EventFormat format, DecodeOptions options) throws IOException {
        return switch (format) {
            case NMNIST_BIN -> new NmnistBinReader(src, options);
            case EVT2 -> Evt2Reader.open(src, options);
            case EVT3 -> Evt3Reader.open(src, options);
            case DAT -> DatReader.open(src, options);
            case AEDAT2 -> Aedat2Reader.open(src, options);
            case AEDAT31 -> Aedat31Reader.open(src, options);
            case AEDAT4 -> Aedat4Reader.open(src, options);
        };
    }

    private static EventFormat prophesee(byte[] head, int len) {
        String text = new String(head, 0, len, StandardCharsets.ISO_8859_1);
        int i = 0;
        while (i < text.length() && text.charAt(i) == '%') {
            int nl = text.indexOf('\n', i);
            String line = (nl < 0 ? text.substring(i) : text.substring(i, nl)).trim().toLowerCase(Locale.ROOT);
            if (line.startsWith("% evt 2") || line.startsWith("% format evt2")) {
                return EventFormat.EVT2;
            }
            if (line.startsWith("% evt 3") || line.startsWith("% format evt3")) {
                return EventFormat.EVT3;
            }
            if (line.startsWith("% data file containing")) {
                return EventFormat.DAT;
            }
            if (nl < 0) {
                break;
            }
            i = nl + 1;
        }
        return null;
    }

    private static boolean startsWith(byte[] head, int len, String prefix) {
        if (len < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (head[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    static String extension(String name) {
        int slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
        int dot = name.lastIndexOf('.');
        return dot > slash ? name.substring(dot + 1).toLowerCase(Locale.ROOT) : "";
    }
}
