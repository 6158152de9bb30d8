package io.spikestream.app;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.spikestream.ingest.bridge.BridgeStats;
import io.spikestream.sinks.metrics.MetricsEndpoint;

import java.io.IOException;
import java.util.function.ToDoubleFunction;

/**
 * The bridge's counters on a Prometheus {@code /metrics} endpoint (read from {@link BridgeStats} at scrape time):
 * <pre>
 *   spikestream_bridge_datagrams_total, spikestream_bridge_events_total, spikestream_bridge_batches_total
 *   spikestream_bridge_dropped_total{reason="malformed_datagram"|"truncated_event"|"out_of_geometry"|"rejected_source"}
 *   spikestream_bridge_send_errors_total      batches the producer could not write
 *   spikestream_bridge_kernel_drops           datagrams the kernel dropped (full receive buffer); -1 = unknown
 *   spikestream_bridge_up                     1 while the receiving thread runs, 0 once it died
 * </pre>
 * Lives in app because ingest (the stats) and sinks (the endpoint) do not depend on each other.
 */
final class BridgeMetrics {

    private BridgeMetrics() {
    }

    static MetricsEndpoint serve(BridgeStats stats, java.util.function.BooleanSupplier up, String host, int port)
        throws IOException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        counter(registry, "spikestream.bridge.datagrams", "UDP datagrams received", stats, BridgeStats::datagrams);
        counter(registry, "spikestream.bridge.events", "Valid events published", stats, BridgeStats::events);
        counter(registry, "spikestream.bridge.batches", "Event batches handed to the producer", stats, BridgeStats::batches);
        dropped(registry, "malformed_datagram", stats, BridgeStats::malformedDatagrams);
        dropped(registry, "truncated_event", stats, BridgeStats::truncatedEvents);
        dropped(registry, "out_of_geometry", stats, BridgeStats::outOfGeometryEvents);
        dropped(registry, "rejected_source", stats, BridgeStats::rejectedSources);
        counter(registry, "spikestream.bridge.send.errors", "Batches the Kafka producer could not write", stats,
            BridgeStats::sendErrors);
        Gauge.builder("spikestream.bridge.kernel.drops", stats, BridgeStats::kernelDrops)
            .description("Datagrams the kernel dropped for the bridge's socket (receive buffer full); -1 when unknown")
            .register(registry);
        Gauge.builder("spikestream.bridge.up", up, u -> u.getAsBoolean() ? 1 : 0)
            .description("1 while the bridge's receiving thread runs").register(registry);
        return MetricsEndpoint.start(registry, host, port);
    }

    private static void counter(PrometheusMeterRegistry r, String name, String description, BridgeStats stats,
                                ToDoubleFunction<BridgeStats> f) {
        FunctionCounter.builder(name, stats, f).description(description).register(r);
    }

    private static void dropped(PrometheusMeterRegistry r, String reason, BridgeStats stats, ToDoubleFunction<BridgeStats> f) {
        FunctionCounter.builder("spikestream.bridge.dropped", stats, f).description("Datagrams or events dropped, by reason")
            .tag("reason", reason).register(r);
    }
}
