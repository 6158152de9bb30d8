package io.spikestream.ingest.bridge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Datagrams the kernel dropped for one UDP socket because its receive buffer was full: the bridge never sees them, so
 * only the kernel can count them. Linux reports them per socket in the last column ({@code drops}) of
 * {@code /proc/net/udp} and {@code /proc/net/udp6}, the line whose local address ends in the socket's port. Elsewhere
 * (or when the files cannot be read) the count is unknown: -1.
 */
public final class KernelUdpDrops {

    private static final List<Path> TABLES = List.of(Path.of("/proc/net/udp"), Path.of("/proc/net/udp6"));

    private KernelUdpDrops() {
    }

    /** Drops of the socket bound to local {@code port} (summed over its lines), or -1 when unknown. */
    public static long of(int port) {
        return of(port, TABLES);
    }

    static long of(int port, List<Path> tables) {
        String suffix = ":" + String.format(Locale.ROOT, "%04X", port);
        long drops = 0;
        boolean found = false;
        for (Path table : tables) {
            List<String> lines;
            try {
                lines = Files.readAllLines(table);
            } catch (IOException | RuntimeException e) {
                continue;
            }
            for (int i = 1; i < lines.size(); i++) {
                String[] f = lines.get(i).trim().split("\\s+");
                if (f.length < 13 || !f[1].endsWith(suffix)) {
                    continue;
                }
                try {
                    drops += Long.parseLong(f[f.length - 1]);
                    found = true;
                } catch (NumberFormatException e) {
                    // not the layout this parser knows
                }
            }
        }
        return found ? drops : -1;
    }
}
