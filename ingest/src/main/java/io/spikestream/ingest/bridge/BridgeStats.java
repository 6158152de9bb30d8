package io.spikestream.ingest.bridge;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of a UDP bridge. Written by the bridge thread, readable from any thread.
 * <ul>
 *   <li>{@code malformedDatagrams}: empty, or a length that is not a multiple of 4 bytes: not SPIF, dropped whole;</li>
 *   <li>{@code truncatedEvents}: a last word announcing a timestamp that the datagram does not hold;</li>
 *   <li>{@code outOfGeometryEvents}: events outside the configured width x height;</li>
 *   <li>{@code rejectedSources}: datagrams from a sender outside the allow-list ({@link SourceAllowList}), dropped;</li>
 *   <li>{@code kernelDrops}: datagrams the kernel dropped because the socket's receive buffer was full
 *       ({@link KernelUdpDrops}; -1 where the platform does not tell);</li>
 *   <li>{@code sendErrors}: batches the Kafka producer reported as not written.</li>
 * </ul>
 */
public final class BridgeStats {

    final AtomicLong datagrams = new AtomicLong();
    final AtomicLong events = new AtomicLong();
    final AtomicLong batches = new AtomicLong();
    final AtomicLong malformedDatagrams = new AtomicLong();
    final AtomicLong truncatedEvents = new AtomicLong();
    final AtomicLong outOfGeometryEvents = new AtomicLong();
    final AtomicLong rejectedSources = new AtomicLong();
    final AtomicLong sendErrors = new AtomicLong();
    final AtomicLong clockRealigns = new AtomicLong();
    private volatile java.util.function.LongSupplier kernelDrops = () -> -1;

    /** Device counter resets the decoder re-aligned its clock after (see {@link SpifDecoder}). */
    public long clockRealigns() {
        return clockRealigns.get();
    }

    public long datagrams() {
        return datagrams.get();
    }

    /** Valid events published (or about to be, in the batch being filled). */
    public long events() {
        return events.get();
    }

    public long batches() {
        return batches.get();
    }

    public long malformedDatagrams() {
        return malformedDatagrams.get();
    }

    public long truncatedEvents() {
        return truncatedEvents.get();
    }

    public long outOfGeometryEvents() {
        return outOfGeometryEvents.get();
    }

    public long rejectedSources() {
        return rejectedSources.get();
    }

    public long sendErrors() {
        return sendErrors.get();
    }

    /** Datagrams the kernel dropped for the bridge's socket so far, -1 when the platform does not tell. */
    public long kernelDrops() {
        return kernelDrops.getAsLong();
    }

    void kernelDropsFrom(java.util.function.LongSupplier source) {
        this.kernelDrops = source;
    }

    /** The bridge command's status and final line; field names are stable (new ones are appended). */
    public String line() {
        return "bridge datagrams=" + datagrams() + " events=" + events() + " batches=" + batches()
            + " malformed_datagrams=" + malformedDatagrams() + " truncated_events=" + truncatedEvents()
            + " out_of_geometry=" + outOfGeometryEvents() + " rejected_sources=" + rejectedSources()
            + " kernel_drops=" + kernelDrops() + " send_errors=" + sendErrors();
    }
}
