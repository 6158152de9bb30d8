package io.spikestream.plasticity.nest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Locates {@code ../shared/fixtures/nest-eprop} (system property {@code spikestream.shared} or ../shared). */
public final class Fixtures {

    private Fixtures() {
    }

    public static Path shared() {
        String p = System.getProperty("spikestream.shared");
        Path base = p != null ? Path.of(p) : Path.of("..", "..", "shared");
        if (!Files.isDirectory(base)) {
            base = Path.of("..", "shared");
        }
        return base.toAbsolutePath().normalize();
    }

    public static Path root() {
        return shared().resolve("fixtures").resolve("nest-eprop");
    }

    public static Path caseDir(String name) {
        return root().resolve(name);
    }

    /** Every case directory (those with a meta.json). */
    public static Stream<String> allCases() {
        try (Stream<Path> s = Files.list(root())) {
            return s.filter(d -> Files.exists(d.resolve("meta.json"))).map(d -> d.getFileName().toString()).sorted()
                .toList().stream();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
