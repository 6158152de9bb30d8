package io.spikestream.app;

import io.spikestream.plasticity.nest.FixtureCase;
import io.spikestream.plasticity.nest.FixtureComparison;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code ./spikestream fixture-check CASE_DIR...}: loads NEST e-prop fixture cases (the format of
 * {@code ../shared/fixtures/nest-eprop/}), runs each with spikestream's engine and prints, per case, the
 * maximum absolute and relative error of every recorded quantity, then {@code N passed, N failed}.
 * Plain files among the arguments (README, index.json) are skipped; a directory that holds cases instead
 * of being one is expanded.
 */
@Command(name = "fixture-check", mixinStandardHelpOptions = true,
    description = "Run NEST e-prop fixture cases and compare every recorded quantity with NEST's.")
public final class FixtureCheckCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "CASE_DIR", description = "Fixture case directories (or a folder of them).")
    List<Path> cases;

    @Option(names = "--threads", defaultValue = "1", description = "Simulation threads (results do not depend on it).")
    int threads;

    @Override
    public Integer call() {
        int passed = 0;
        int failed = 0;
        for (Path dir : expand(cases)) {
            String name = dir.getFileName().toString();
            try {
                FixtureCase fc = FixtureCase.load(dir);
                String why = fc.unsupportedReason();
                if (why != null) {
                    System.out.println("case " + name + "\n  unsupported: " + why + "\n  => FAIL");
                    failed++;
                    continue;
                }
                try (FixtureCase.Run run = fc.run(threads)) {
                    FixtureComparison c = FixtureComparison.compare(fc, run);
                    System.out.print(c.report());
                    if (c.passed()) {
                        passed++;
                    } else {
                        failed++;
                    }
                }
            } catch (Exception e) {
                System.out.println("case " + name + "\n  error: " + e.getMessage() + "\n  => FAIL");
                failed++;
            }
        }
        System.out.println(passed + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }

    private static List<Path> expand(List<Path> args) {
        List<Path> out = new ArrayList<>();
        for (Path p : args) {
            if (Files.isDirectory(p) && Files.exists(p.resolve("meta.json"))) {
                out.add(p);
            } else if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(d -> Files.isDirectory(d) && Files.exists(d.resolve("meta.json"))).sorted().forEach(out::add);
                } catch (java.io.IOException e) {
                    System.err.println("fixture-check: cannot list " + p + ": " + e.getMessage());
                }
            } else if (Files.isDirectory(p) || !Files.exists(p)) {
                out.add(p); // reported as an error for that case
            } else {
                System.err.println("fixture-check: skipping " + p + " (a file, not a case directory)");
            }
        }
        return out;
    }
}
