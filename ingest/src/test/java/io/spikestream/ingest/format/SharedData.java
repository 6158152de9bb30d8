package io.spikestream.ingest.format;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates {@code ../shared} (real recordings): the {@code spikestream.shared} property, else beside the repository root. */
final class SharedData {

    private SharedData() {
    }

    static Path root() {
        String prop = System.getProperty("spikestream.shared");
        if (prop != null && Files.isDirectory(Path.of(prop))) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.exists(dir.resolve("mvnw")) && Files.isDirectory(dir.resolveSibling("shared"))) {
                return dir.resolveSibling("shared");
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("../shared not found; set -Dspikestream.shared=...");
    }

    static Path data(String relative) {
        return root().resolve("data").resolve(relative);
    }
}
