package io.spikestream.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code ./spikestream}. Every user-facing command is a picocli subcommand in this package;
 * their names and their final output lines are part of the interface (issues and scripts grep them).
 */
@Command(
    name = "spikestream",
    mixinStandardHelpOptions = true,
    version = "spikestream 0.1.0",
    description = "Online learning from live spike streams (Kafka -> spiking network with e-prop -> sinks).",
    subcommands = {
        DemoCommand.class,
        FixtureCheckCommand.class,
        InspectCommand.class,
        BrokerCommand.class,
        ReplayCommand.class,
        BridgeCommand.class,
        NmnistCommand.class,
        LearnCommand.class,
        CheckpointCommand.class,
        RunCommand.class,
        NirCommands.Export.class,
        NirCommands.Import.class,
        TailCommand.class,
    })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code (used by tests, which must not call System.exit). */
    public static int execute(String... args) {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }
}
