package io.spikestream.ingest.replay;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The ordered list of recordings a replay publishes, from command-line paths:
 * <ul>
 *   <li>a file: replayed as is, unlabelled;</li>
 *   <li>a folder: every recording below it (extensions {@code .bin .aedat .aedat4 .raw .dat}; other files such as
 *       {@code labels.csv} are ignored). A recording inside a sub-folder is labelled with that sub-folder's name
 *       ({@code Test/7/00012.bin} -> label "7", the N-MNIST layout); one at the folder's top level is not.</li>
 * </ul>
 * Order: the paths in the order given; within a folder, by relative path (so N-MNIST goes 0/..., 1/..., ...).
 * With a shuffle seed the whole list is shuffled with {@code new Random(seed)}: the same seed gives the same
 * order on every machine.
 * <p>Class index: a label name that is a non-negative integer is its own index ("7" -> 7); otherwise the index of
 * the name among all non-numeric label names in sorted order.
 */
public final class ReplayPlan {

    static final Set<String> RECORDING_EXTENSIONS = Set.of("bin", "aedat", "aedat4", "raw", "dat");

    private final List<ReplayItem> items;

    private ReplayPlan(List<ReplayItem> items) {
        this.items = List.copyOf(items);
    }

    public static ReplayPlan of(List<Path> paths, Long shuffleSeed) throws IOException {
        List<Found> found = new ArrayList<>();
        for (Path path : paths) {
            if (Files.isDirectory(path)) {
                List<Path> files;
                try (Stream<Path> walk = Files.walk(path)) {
                    files = walk.filter(Files::isRegularFile).filter(ReplayPlan::isRecording)
                        .sorted((a, b) -> relative(path, a).compareTo(relative(path, b))).toList();
                }
                for (Path file : files) {
                    Path rel = path.relativize(file);
                    String label = rel.getNameCount() >= 2 ? rel.getName(rel.getNameCount() - 2).toString() : null;
                    found.add(new Found(file, relative(path, file), label));
                }
            } else if (Files.isRegularFile(path)) {
                found.add(new Found(path, path.getFileName().toString(), null));
            } else {
                throw new IOException("no such file or folder: " + path);
            }
        }
        Map<String, Integer> indices = labelIndices(found);
        List<ReplayItem> items = new ArrayList<>(found.size());
        for (Found f : found) {
            items.add(new ReplayItem(f.file, f.sampleId, f.label, f.label == null ? null : indices.get(f.label)));
        }
        if (shuffleSeed != null) {
            Collections.shuffle(items, new Random(shuffleSeed));
        }
        return new ReplayPlan(items);
    }

    /** A plan of explicit items, in the given order (e.g. a shuffled training set followed by a test set). */
    public static ReplayPlan ofItems(List<ReplayItem> items) {
        return new ReplayPlan(items);
    }

    public List<ReplayItem> items() {
        return items;
    }

    public int size() {
        return items.size();
    }

    private record Found(Path file, String sampleId, String label) {
    }

    private static Map<String, Integer> labelIndices(List<Found> found) {
        TreeSet<String> names = new TreeSet<>();
        Map<String, Integer> indices = new TreeMap<>();
        for (Found f : found) {
            if (f.label != null) {
                if (f.label.matches("\\d{1,9}")) {
                    indices.put(f.label, Integer.parseInt(f.label));
                } else {
                    names.add(f.label);
                }
            }
        }
        int i = 0;
        for (String name : names) {
            indices.put(name, i++);
        }
        return indices;
    }

    private static String relative(Path root, Path file) {
        return root.relativize(file).toString().replace('\\', '/');
    }

    static boolean isRecording(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && RECORDING_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
