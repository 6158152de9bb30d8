/**
 * Where a run's predictions and measurements go: Avro predictions to Kafka
 * ({@link io.spikestream.sinks.kafka.PredictionPublisher}), Micrometer metrics with a Prometheus scrape endpoint
 * ({@link io.spikestream.sinks.metrics.LearnerMetrics}, {@link io.spikestream.sinks.metrics.MetricsEndpoint}),
 * test-then-train statistics ({@link io.spikestream.sinks.stats.PrequentialStats}), end-of-run plots
 * ({@link io.spikestream.sinks.plots.RunPlots}) and what the terminal shows
 * ({@link io.spikestream.sinks.report.ProgressLine}, {@link io.spikestream.sinks.report.SummaryTable}).
 *
 * <p>This module depends on {@code schemas} and libraries only, never on ingest, network, plasticity or app: its
 * API takes plain data (primitives, arrays and small records of its own), and {@code app} adapts the learner's
 * objects to it.
 */
package io.spikestream.sinks;
