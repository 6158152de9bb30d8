package io.spikestream.sinks.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsEndpointTest {

    private static HttpResponse<String> send(HttpClient http, HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void portZeroPicksAFreePortAndReportsIt() throws Exception {
        LearnerMetrics metrics = new LearnerMetrics(2, 4);
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(metrics.registry(), "127.0.0.1", 0);
             HttpClient http = HttpClient.newHttpClient()) {
            assertTrue(endpoint.port() > 0);
            assertEquals(URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics"), endpoint.uri());
            HttpResponse<String> response = send(http, HttpRequest.newBuilder(endpoint.uri()).build());
            assertEquals(200, response.statusCode());
            assertTrue(response.body().contains("spikestream_events_total 0.0\n"));
        }
    }

    @Test
    void openMetricsWhenTheScraperAsksForIt() throws Exception {
        LearnerMetrics metrics = new LearnerMetrics(2, 4);
        metrics.addSpikes(5);
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(metrics.registry(), "127.0.0.1", 0);
             HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = send(http, HttpRequest.newBuilder(endpoint.uri())
                .header("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5").build());
            assertEquals(200, response.statusCode());
            assertEquals("application/openmetrics-text; version=1.0.0; charset=utf-8",
                response.headers().firstValue("Content-Type").orElseThrow());
            // OpenMetrics names the counter family without _total and ends with # EOF.
            assertTrue(response.body().contains("# TYPE spikestream_spikes counter\n"), response.body());
            assertTrue(response.body().contains("spikestream_spikes_total 5.0\n"));
            assertTrue(response.body().endsWith("# EOF\n"));
        }
    }

    @Test
    void otherPathsAre404AndOtherMethods405() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(registry, "127.0.0.1", 0);
             HttpClient http = HttpClient.newHttpClient()) {
            URI base = URI.create("http://127.0.0.1:" + endpoint.port());
            assertEquals(404, send(http, HttpRequest.newBuilder(base.resolve("/")).build()).statusCode());
            assertEquals(404, send(http, HttpRequest.newBuilder(base.resolve("/metricsx")).build()).statusCode());
            HttpResponse<String> post = send(http, HttpRequest.newBuilder(endpoint.uri())
                .POST(HttpRequest.BodyPublishers.ofString("x")).build());
            assertEquals(405, post.statusCode());
            assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElseThrow());
            HttpResponse<String> head = send(http, HttpRequest.newBuilder(endpoint.uri())
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(200, head.statusCode());
            assertEquals("", head.body());
        }
    }

    @Test
    void aTakenPortFailsWithTheAddressInTheMessage() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (MetricsEndpoint first = MetricsEndpoint.start(registry, "127.0.0.1", 0)) {
            IOException e = assertThrows(IOException.class,
                () -> MetricsEndpoint.start(registry, "127.0.0.1", first.port()));
            assertTrue(e.getMessage().startsWith("cannot bind the metrics endpoint to 127.0.0.1:" + first.port()),
                e.getMessage());
        }
    }

    @Test
    void closeReleasesThePort() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MetricsEndpoint endpoint = MetricsEndpoint.start(registry, "127.0.0.1", 0);
        URI uri = endpoint.uri();
        endpoint.close();
        try (HttpClient http = HttpClient.newHttpClient()) {
            assertThrows(ConnectException.class, () -> send(http, HttpRequest.newBuilder(uri).build()));
        }
        // The same port can be bound again.
        try (MetricsEndpoint again = MetricsEndpoint.start(registry, "127.0.0.1", uri.getPort())) {
            assertEquals(uri.getPort(), again.port());
        }
    }
}
