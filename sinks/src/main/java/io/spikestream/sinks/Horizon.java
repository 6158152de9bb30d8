package io.spikestream.sinks;

/** Over which windows an accuracy or loss is averaged. Metric labels use {@link #tag()}. */
public enum Horizon {
    /** The last N scored windows (N configurable, see {@link io.spikestream.sinks.stats.PrequentialStats}). */
    ROLLING("rolling"),
    /** Every scored window since the start of the run. */
    CUMULATIVE("cumulative");

    private final String tag;

    Horizon(String tag) {
        this.tag = tag;
    }

    public String tag() {
        return tag;
    }
}
