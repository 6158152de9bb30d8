package io.spikestream.tests;

import io.spikestream.app.Main;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs a {@code ./spikestream} command line in this JVM with stdout and stderr captured (one at a time). */
final class Cli {

    private Cli() {
    }

    record Run(int rc, String out, String err) {
        @Override
        public String toString() {
            return "rc=" + rc + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    static synchronized Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = System.out;
        PrintStream e = System.err;
        int rc;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            rc = Main.execute(args);
        } finally {
            System.setOut(o);
            System.setErr(e);
        }
        return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
