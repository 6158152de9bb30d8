package io.spikestream.app.learn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The samples of an N-MNIST-layout folder ({@code <label>/<name>.bin}), sorted by relative path. */
public final class NmnistSamples {

    public record Sample(Path file, String id, int label) {
    }

    private NmnistSamples() {
    }

    public static List<Sample> list(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException(root + ": not a folder in the N-MNIST layout (<label>/<name>.bin)");
        }
        List<Sample> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path f : s.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".bin"))
                .sorted().toList()) {
                Path rel = root.relativize(f);
                if (rel.getNameCount() != 2) {
                    throw new IOException(f + ": expected <label>/<name>.bin under " + root);
                }
                String lab = rel.getName(0).toString();
                int label;
                try {
                    label = Integer.parseInt(lab);
                } catch (NumberFormatException e) {
                    throw new IOException(f + ": folder name '" + lab + "' is not a class index");
                }
                out.add(new Sample(f, root.getFileName() + "/" + rel.toString().replace('\\', '/'), label));
            }
        }
        if (out.isEmpty()) {
            throw new IOException(root + ": no <label>/<name>.bin samples found");
        }
        return out;
    }
}
