package io.spikestream.ingest.replay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ReplayPlanTest {

    static Path shared() {
        return Path.of(System.getProperty("spikestream.shared", "../shared"));
    }

    @Test
    void treeGivesLabelsFromFolderNamesInSortedOrder(@TempDir Path root) throws Exception {
        for (String f : List.of("cat/2.bin", "ant/1.bin", "ant/0.bin", "top.bin", "labels.csv", "cat/notes.txt")) {
            Path p = root.resolve(f);
            Files.createDirectories(p.getParent());
            Files.write(p, new byte[0]);
        }
        Path single = Files.write(root.resolve("cat/2.bin").resolveSibling("3.raw"), new byte[0]);
        ReplayPlan plan = ReplayPlan.of(List.of(root, single), null);
        assertEquals(List.of("ant/0.bin", "ant/1.bin", "cat/2.bin", "cat/3.raw", "top.bin", "3.raw"),
            plan.items().stream().map(ReplayItem::sampleId).toList());
        assertEquals("ant", plan.items().get(0).labelName());
        assertEquals(0, plan.items().get(0).label());
        assertEquals(1, plan.items().get(2).label());
        assertNull(plan.items().get(4).labelName(), "top-level files are unlabelled");
        assertNull(plan.items().get(5).label(), "files given directly are unlabelled");
    }

    @Test
    void nMnistTestTreeHasSeventyTwoSamplesWithNumericLabels() throws Exception {
        ReplayPlan plan = ReplayPlan.of(List.of(shared().resolve("data/nmnist/Test")), null);
        assertEquals(72, plan.size());
        assertEquals(0, plan.items().get(0).label());
        assertEquals(9, plan.items().get(71).label());
        assertEquals(8, plan.items().stream().filter(i -> i.label() == 9).count());
        assertEquals(plan.items().stream().map(ReplayItem::sampleId).sorted().toList(),
            plan.items().stream().map(ReplayItem::sampleId).toList());
    }

    @Test
    void seededShuffleIsReproducible() throws Exception {
        Path test = shared().resolve("data/nmnist/Test");
        List<String> a = ReplayPlan.of(List.of(test), 42L).items().stream().map(ReplayItem::sampleId).toList();
        List<String> b = ReplayPlan.of(List.of(test), 42L).items().stream().map(ReplayItem::sampleId).toList();
        List<String> c = ReplayPlan.of(List.of(test), 43L).items().stream().map(ReplayItem::sampleId).toList();
        assertEquals(a, b);
        assertNotEquals(a, c);
        assertEquals(a.stream().sorted().toList(),
            ReplayPlan.of(List.of(test), null).items().stream().map(ReplayItem::sampleId).toList());
    }

    @Test
    void missingPathIsAnError(@TempDir Path root) {
        assertThrows(java.io.IOException.class, () -> ReplayPlan.of(List.of(root.resolve("nope")), null));
    }
}
