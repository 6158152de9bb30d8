package io.spikestream.sinks;

/**
 * Whether a scored window was learned from after it was predicted (test-then-train on the training stream) or
 * only predicted (a frozen evaluation pass over held-out data). Metric and file labels use {@link #tag()}.
 */
public enum Phase {
    /** Predicted, then learned from. */
    TRAIN("train"),
    /** Predicted with learning off. */
    TEST("test");

    private final String tag;

    Phase(String tag) {
        this.tag = tag;
    }

    /** Lower-case name used in metric labels, key=value lines and plot legends. */
    public String tag() {
        return tag;
    }

    /** The phase of a window whose learning flag is {@code learning}. */
    public static Phase of(boolean learning) {
        return learning ? TRAIN : TEST;
    }
}
