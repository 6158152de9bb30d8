package io.spikestream.sinks.live;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The live view in the browser: a page (HTML, JavaScript and CSS from the classpath, nothing fetched from elsewhere)
 * and a Server-Sent Events stream of {@link LiveState}'s snapshots, on the JDK's {@code com.sun.net.httpserver} as the
 * metrics endpoint.
 *
 * <ul>
 *   <li>{@code GET /}: the page; {@code /live.js}, {@code /live.css}: its assets;</li>
 *   <li>{@code GET /events}: {@code text/event-stream}, one {@code data:} line of JSON per new snapshot;</li>
 *   <li>{@code GET /snapshot.json}: the newest snapshot once (scripts, curl).</li>
 * </ul>
 *
 * <p>Back-pressure by construction: one broadcaster thread serialises the newest snapshot at most every
 * {@code period} into a single slot; each browser's thread sends whatever is newest when it is ready, so a slow
 * browser skips frames instead of queueing them, and nothing it does reaches the learner. A browser that goes
 * away is noticed at the next write (a comment line every {@link #HEARTBEAT} when nothing changes) and its thread
 * freed. At most {@code maxClients} streams at once; more are answered 503.
 */
public final class LiveView implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LiveView.class);

    /** A comment line this often keeps proxies from closing a quiet stream and finds browsers that left. */
    static final Duration HEARTBEAT = Duration.ofSeconds(5);
    private static final Map<String, String[]> ASSETS = Map.of(
        "/", new String[] {"index.html", "text/html; charset=utf-8"},
        "/index.html", new String[] {"index.html", "text/html; charset=utf-8"},
        "/live.js", new String[] {"live.js", "text/javascript; charset=utf-8"},
        "/live.css", new String[] {"live.css", "text/css; charset=utf-8"});

    private record Frame(long seq, byte[] event, String json) {
    }

    private final LiveState state;
    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final ScheduledExecutorService broadcaster;
    private final String host;
    private final int maxClients;
    private final AtomicInteger clients = new AtomicInteger();
    private final Object slot = new Object();
    private Frame current = new Frame(0, new byte[0], "{}"); // guarded by slot
    private LiveSnapshot lastSerialised;
    private volatile boolean closed;

    private LiveView(LiveState state, HttpServer server, String host, int maxClients) {
        this.state = state;
        this.server = server;
        this.host = host;
        this.maxClients = maxClients;
        // streams hold their thread while open: maxClients of them, plus a few for pages and assets
        this.executor = new ThreadPoolExecutor(0, maxClients + 4, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
            daemon("spikestream-live-http"), new ThreadPoolExecutor.AbortPolicy());
        this.broadcaster = Executors.newSingleThreadScheduledExecutor(daemon("spikestream-live-broadcast"));
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Binds {@code host:port} and serves the page.
     *
     * @param port       0 for any free port ({@link #uri()} tells it)
     * @param period     least time between two updates sent to a browser
     * @param maxClients event streams served at once
     * @throws IOException when the address cannot be bound (the message names it)
     */
    public static LiveView start(LiveState state, String host, int port, Duration period, int maxClients) throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (IOException e) {
            throw new IOException("cannot bind the live view to " + host + ":" + port + ": " + e.getMessage(), e);
        }
        LiveView view = new LiveView(state, server, host, maxClients);
        server.setExecutor(command -> {
            try {
                view.executor.execute(command);
            } catch (java.util.concurrent.RejectedExecutionException full) {
                // every thread busy: run the exchange here (the dispatcher), where the stream handler answers 503
                command.run();
            }
        });
        server.createContext("/", view::serve);
        long p = Math.max(1, period.toMillis());
        view.broadcaster.scheduleAtFixedRate(view::broadcast, 0, p, TimeUnit.MILLISECONDS);
        server.start();
        LOG.info("live view at {}", view.uri());
        return view;
    }

    /** Serialises the newest snapshot into the slot if it changed (broadcaster thread). */
    private void broadcast() {
        try {
            LiveSnapshot s = state.latest();
            if (s == lastSerialised) {
                return;
            }
            lastSerialised = s;
            String json = LiveJson.of(s);
            byte[] event = ("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
            synchronized (slot) {
                current = new Frame(current.seq() + 1, event, json);
                slot.notifyAll();
            }
        } catch (RuntimeException e) {
            LOG.warn("live view: snapshot not sent: {}", e.toString());
        }
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (!"GET".equals(method) && !"HEAD".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                respond(exchange, 405, "text/plain; charset=utf-8", (method + " is not allowed\n").getBytes(StandardCharsets.UTF_8));
                return;
            }
            if ("/events".equals(path)) {
                if ("HEAD".equals(method)) {
                    respond(exchange, 200, "text/event-stream; charset=utf-8", new byte[0]);
                } else {
                    stream(exchange);
                }
                return;
            }
            if ("/snapshot.json".equals(path)) {
                String json;
                synchronized (slot) {
                    json = current.json();
                }
                respond(exchange, 200, "application/json; charset=utf-8", json.getBytes(StandardCharsets.UTF_8));
                return;
            }
            String[] asset = ASSETS.get(path);
            if (asset == null) {
                respond(exchange, 404, "text/plain; charset=utf-8", ("no such page " + path + "; the live view is at /\n")
                    .getBytes(StandardCharsets.UTF_8));
                return;
            }
            respond(exchange, 200, asset[1], resource(asset[0]));
        } catch (IOException | RuntimeException e) {
            // a browser that hangs up mid-response must not end the server's thread
            LOG.debug("live view request ended: {}", e.toString());
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = LiveView.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("live view asset " + name + " missing from the classpath");
            }
            return in.readAllBytes();
        }
    }

    private void stream(HttpExchange exchange) throws IOException {
        // on the server's dispatcher thread (every pool thread busy) a stream would stall every other request
        boolean pooled = Thread.currentThread().getName().startsWith("spikestream-live-http");
        if (clients.incrementAndGet() > maxClients || !pooled) {
            clients.decrementAndGet();
            respond(exchange, 503, "text/plain; charset=utf-8", ("the live view serves " + maxClients
                + " browsers at most; close one and reload\n").getBytes(StandardCharsets.UTF_8));
            return;
        }
        try {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            out.write("retry: 2000\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            long sent = 0;
            long heartbeatMs = HEARTBEAT.toMillis();
            while (!closed) {
                Frame f;
                synchronized (slot) {
                    long deadline = System.currentTimeMillis() + heartbeatMs;
                    while (current.seq() == sent && !closed) {
                        long left = deadline - System.currentTimeMillis();
                        if (left <= 0) {
                            break;
                        }
                        slot.wait(left);
                    }
                    f = current;
                }
                if (closed) {
                    break;
                }
                if (f.seq() == sent) {
                    out.write(": still here\n\n".getBytes(StandardCharsets.UTF_8));
                } else {
                    out.write(f.event());
                    sent = f.seq();
                }
                out.flush(); // a browser that left fails here: its thread is freed
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            clients.decrementAndGet();
        }
    }

    private static void respond(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head || body.length == 0 ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** The newest snapshot of the state this view serves. */
    public LiveSnapshot latest() {
        return state.latest();
    }

    /** Event streams open now. */
    public int clients() {
        return clients.get();
    }

    /** The bound port. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://host:port/}. */
    public URI uri() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return URI.create("http://" + h + ":" + port() + "/");
    }

    /** Ends every stream and releases the port. */
    @Override
    public void close() {
        closed = true;
        synchronized (slot) {
            slot.notifyAll();
        }
        broadcaster.shutdownNow();
        server.stop(0);
        executor.shutdownNow();
    }
}
