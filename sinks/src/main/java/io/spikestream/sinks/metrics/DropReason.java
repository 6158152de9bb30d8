package io.spikestream.sinks.metrics;

/**
 * Why an input event (or a whole record) did not reach the network; the {@code reason} label of
 * {@code spikestream_events_dropped_total}.
 */
public enum DropReason {
    /** The input mapping's pixel blocklist or hot-pixel filter removed the event. */
    BLOCKED("blocked"),
    /** The event's coordinates lie outside the configured sensor geometry. */
    OUT_OF_GEOMETRY("out_of_geometry"),
    /** The event arrived outside every labelled window while only labelled windows are fed. */
    UNLABELLED("unlabelled"),
    /** The window's label came later than the allowed lateness (stream time); the window ran unsupervised. */
    LATE_LABEL("late_label"),
    /** Continuous time: the event's step was already simulated (it came later than the reorder slack allows). */
    LATE("late"),
    /** Continuous time: the event was held as a clock jump that no later event confirmed. */
    CLOCK_JUMP("clock_jump"),
    /** Continuous time: a label refused (no class, unknown class, overlapping, too long, too late...). */
    LABEL_REJECTED("label_rejected"),
    /** A record was routed to the dead-letter topic. */
    DEAD_LETTERED("dead_lettered"),
    /** A record did not decode (bad header, unknown schema, malformed body or content). */
    MALFORMED("malformed");

    private final String tag;

    DropReason(String tag) {
        this.tag = tag;
    }

    /** Value of the {@code reason} label. */
    public String tag() {
        return tag;
    }
}
