package io.spikestream.ingest.format;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The ASCII header of a recording: consecutive lines that start with one marker byte ({@code %} for Prophesee
 * EVT/DAT, {@code #} for jAER/cAER AEDAT), each ending in LF (a CR before it is dropped). Reading stops at the
 * first byte that is not the marker, or after an explicit end line ({@code % end}, {@code #!END-HEADER}), and
 * leaves the source at the first data byte.
 *
 * <p>Bounded: at most {@link #MAX_HEADER_BYTES} bytes, so a file of marker bytes cannot exhaust memory.
 */
final class HeaderLines {

    /** jAER headers carry chip preferences as XML and reach a few hundred kB; 4 MiB leaves ample room. */
    static final int MAX_HEADER_BYTES = 4 << 20;

    private final String source;
    private final List<String> lines;
    private final long[] lineOffsets;
    private final long dataOffset;

    private HeaderLines(String source, List<String> lines, long[] lineOffsets, long dataOffset) {
        this.source = source;
        this.lines = lines;
        this.lineOffsets = lineOffsets;
        this.dataOffset = dataOffset;
    }

    static HeaderLines read(ByteSource src, byte marker, String endLine) throws IOException {
        List<String> lines = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        long start = src.offset();
        StringBuilder line = new StringBuilder(128);
        while (src.ensure(1) && src.buf[src.pos] == marker) {
            long lineStart = src.offset();
            line.setLength(0);
            boolean ended = false;
            while (src.ensure(1)) {
                byte b = src.buf[src.pos++];
                if (b == '\n') {
                    ended = true;
                    break;
                }
                if (src.offset() - start > MAX_HEADER_BYTES) {
                    throw new DecodeException(src.name, lineStart, "header longer than " + MAX_HEADER_BYTES + " bytes");
                }
                line.append((char) (b & 0xFF));
            }
            if (!ended) {
                throw new DecodeException(src.name, lineStart, "truncated header line");
            }
            int len = line.length();
            if (len > 0 && line.charAt(len - 1) == '\r') {
                line.setLength(len - 1);
            }
            String text = line.toString();
            lines.add(text);
            offsets.add(lineStart);
            if (endLine != null && text.trim().equalsIgnoreCase(endLine)) {
                break;
            }
        }
        return new HeaderLines(src.name, List.copyOf(lines), offsets.stream().mapToLong(Long::longValue).toArray(),
            src.offset());
    }

    static String ascii(byte[] bytes, int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
    }

    List<String> lines() {
        return lines;
    }

    long dataOffset() {
        return dataOffset;
    }

    /**
     * The value after {@code key} in a line {@code <marker> key value} or {@code <marker>key: value}; keys compare
     * case-insensitively.
     */
    Optional<String> value(String key) {
        int i = indexOf(key);
        return i < 0 ? Optional.empty() : Optional.of(valueAt(i, key));
    }

    /** Byte offset of the line holding {@code key}, or of the header's start when no line does. */
    long offsetOf(String key) {
        int i = indexOf(key);
        return i < 0 ? (lineOffsets.length == 0 ? dataOffset : lineOffsets[0]) : lineOffsets[i];
    }

    DecodeException error(String key, String message) {
        return new DecodeException(source, offsetOf(key), message);
    }

    private String valueAt(int i, String key) {
        String body = lines.get(i).substring(1).trim();
        String v = body.substring(key.length() + 1).trim();
        return v.startsWith(":") ? v.substring(1).trim() : v;
    }

    private int indexOf(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            String body = l.substring(1).trim();
            String lower = body.toLowerCase(Locale.ROOT);
            if (lower.startsWith(k) && body.length() > k.length()) {
                char sep = body.charAt(k.length());
                if (sep == ' ' || sep == ':' || sep == '\t' || sep == '=') {
                    return i;
                }
            }
        }
        return -1;
    }

    /** Parses a positive int, or returns -1 for anything else. */
    static int positiveInt(String s) {
        try {
            int v = Integer.parseInt(s.trim());
            return v > 0 ? v : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
