package io.spikestream.sinks.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small HTTP server answering {@code GET /metrics} with the registry's Prometheus exposition text (OpenMetrics
 * when the scraper's {@code Accept} header asks for it, as Prometheus does). Every other path is 404, every other
 * method on {@code /metrics} 405. Built on the JDK's {@code com.sun.net.httpserver}; requests are served one at a
 * time on one daemon thread, which is plenty for a scraper every few seconds and keeps the learner's cores free.
 *
 * <p>Start with {@link #start}; {@link #port()} tells the bound port (useful with port 0). {@link #close()} stops
 * it. Threadsafe.
 */
public final class MetricsEndpoint implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);

    /** The path Prometheus scrapes by default. */
    public static final String PATH = "/metrics";
    static final String TEXT_004 = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;
    private final String host;

    private MetricsEndpoint(HttpServer server, ExecutorService executor, String host) {
        this.server = server;
        this.executor = executor;
        this.host = host;
    }

    /**
     * Binds {@code host:port} and starts serving.
     *
     * @param host address to bind, e.g. {@code 127.0.0.1} (local scrapers only) or {@code 0.0.0.0}
     * @param port port to bind, 0 for any free one (see {@link #port()})
     * @throws IOException when the address cannot be bound (the message names it)
     */
    public static MetricsEndpoint start(PrometheusMeterRegistry registry, String host, int port) throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (IOException e) {
            throw new IOException("cannot bind the metrics endpoint to " + host + ":" + port + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "spikestream-metrics-http");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> serve(registry, exchange));
        server.start();
        MetricsEndpoint endpoint = new MetricsEndpoint(server, executor, host);
        LOG.info("metrics endpoint at {}", endpoint.uri());
        return endpoint;
    }

    private static void serve(PrometheusMeterRegistry registry, HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!PATH.equals(path) && !(PATH + "/").equals(path)) {
                respond(exchange, 404, "text/plain; charset=utf-8",
                    ("no such path " + path + "; metrics are at " + PATH + "\n").getBytes(StandardCharsets.UTF_8));
                return;
            }
            String method = exchange.getRequestMethod();
            if (!"GET".equals(method) && !"HEAD".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                respond(exchange, 405, "text/plain; charset=utf-8",
                    (method + " is not allowed on " + PATH + "\n").getBytes(StandardCharsets.UTF_8));
                return;
            }
            String accept = exchange.getRequestHeaders().getFirst("Accept");
            String contentType = accept != null && accept.contains("application/openmetrics-text")
                ? OPENMETRICS : TEXT_004;
            ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
            registry.scrape(body, contentType);
            if ("HEAD".equals(method)) {
                exchange.getResponseHeaders().set("Content-Type", contentType);
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            respond(exchange, 200, contentType, body.toByteArray());
        } catch (IOException | RuntimeException e) {
            // A scraper that hangs up mid-response must not end the endpoint's thread.
            LOG.warn("metrics request failed: {}", e.toString());
        }
    }

    private static void respond(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** The bound port. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://host:port/metrics}. */
    public URI uri() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return URI.create("http://" + h + ":" + port() + PATH);
    }

    /** Stops serving at once and releases the port. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
