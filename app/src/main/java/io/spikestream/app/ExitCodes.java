package io.spikestream.app;

import io.spikestream.app.durable.CheckpointWriteException;
import io.spikestream.app.pipeline.LearnerFailure;

import java.io.PrintStream;

/**
 * The exit codes of the long-running learner commands ({@code learn}, {@code run}), so that a supervisor (systemd,
 * Kubernetes, a script) can tell a deployment that must not be restarted blindly from one that may:
 *
 * <ul>
 *   <li>{@link #OK} 0: finished ({@code --until-end}) or stopped by a signal after a clean shutdown;</li>
 *   <li>{@link #REFUSED} 2: refused to start or to recover (a missing or damaged checkpoint store, a checkpoint of
 *       another shape, a retention gap, a recreated topic, bad settings). Restarting changes nothing: an operator
 *       must look. (picocli also uses 2 for a command line it cannot parse.)</li>
 *   <li>{@link #LEARNER_FAILED} 3: the pipeline stopped while learning: a record the learner could not apply under
 *       {@code processing.on_error=fail}, or a checkpoint that could not be written. Its partitions were given up with
 *       nothing acknowledged past the last durable checkpoint; a restart resumes there.</li>
 *   <li>{@link #FATAL} 4: the JVM raised an {@link Error} (an {@link OutOfMemoryError}; the {@link InternalError} of a
 *       memory-mapped checkpoint write on a full disk; any other {@code Error}). The process leaves its consumer group
 *       and exits instead of holding its partitions and doing nothing.</li>
 * </ul>
 * 1 remains picocli's code for any other exception.
 */
public final class ExitCodes {

    public static final int OK = 0;
    public static final int REFUSED = 2;
    public static final int LEARNER_FAILED = 3;
    public static final int FATAL = 4;

    private ExitCodes() {
    }

    /** The exit code for a failure of {@code learn} or {@code run}. */
    public static int of(Throwable failure) {
        if (fatalCause(failure) != null) {
            return FATAL;
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof LearnerFailure || t instanceof CheckpointWriteException) {
                return LEARNER_FAILED;
            }
        }
        return REFUSED;
    }

    /** The first {@link Error} in the cause chain, or null. */
    public static Error fatalCause(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof Error e) {
                return e;
            }
        }
        return null;
    }

    /**
     * Prints one line naming the failure to {@code err} ({@code command: fatal error: ...}, {@code command: learner
     * failed: ...}, or {@code command: <the root cause's message>} for a refusal) and returns its exit code.
     */
    public static int report(String command, Throwable failure, PrintStream err) {
        int code = of(failure);
        switch (code) {
            case FATAL -> {
                Error e = fatalCause(failure);
                err.println(command + ": fatal error, leaving the consumer group and exiting (code " + FATAL + "): " + e
                    + (e.getCause() != null ? " (cause: " + e.getCause() + ")" : ""));
            }
            case LEARNER_FAILED -> {
                Throwable t = failure;
                while (!(t instanceof LearnerFailure || t instanceof CheckpointWriteException)) {
                    t = t.getCause();
                }
                err.println(command + ": learner failed (code " + LEARNER_FAILED + "): " + t.getMessage()
                    + (t.getCause() != null ? " (" + t.getCause() + ")" : ""));
            }
            default -> {
                Throwable root = failure;
                while (root.getCause() != null && root.getCause() != root) {
                    root = root.getCause();
                }
                err.println(command + ": " + root.getMessage());
            }
        }
        err.flush();
        return code;
    }
}
