package io.spikestream.ingest.kafka;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A real single-node Kafka broker inside this JVM: KRaft with combined broker and controller roles, PLAINTEXT and
 * CONTROLLER listeners on 127.0.0.1, storage in a fresh temporary directory that {@link #close()} deletes (base
 * configuration: {@code broker.properties} of module {@code broker}, also used by the separate-process broker and
 * docker compose).
 *
 * <p><b>Where the broker comes from.</b> The broker itself (Kafka's server, Scala, their logging and metrics
 * libraries: tens of megabytes) lives in its own module, {@code spikestream-broker}, class
 * {@value #IMPLEMENTATION}, and this class reaches it by name, so that nothing of it is on the class path of a command
 * that does not start a broker. It is found
 * <ol>
 *   <li>on this class's own class path (tests, benchmarks: a plain dependency), else</li>
 *   <li>in a class loader of its own over the jars and folders of the system property {@value #CLASSPATH_PROPERTY}
 *       (what the {@code ./spikestream} launcher and the Docker image set), created on the first start.</li>
 * </ol>
 * Without either, starting fails with a message saying so and naming {@code --bootstrap-servers} as the way out.
 * The separate loader delegates to this one first, so the Kafka client classes are shared, and the broker's threads
 * get it as their context class loader (Kafka instantiates configured classes through it).
 *
 * <p>Start and close from one thread; {@link #bootstrapServers()} is safe from any thread once started.
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** The broker implementation in module {@code broker}. */
    public static final String IMPLEMENTATION = "io.spikestream.broker.KRaftBroker";
    /** Class path (jars and folders, separated by the platform's path separator) of module {@code broker}. */
    public static final String CLASSPATH_PROPERTY = "spikestream.broker.classpath";

    private static Class<?> implementation;

    private final AutoCloseable broker;
    private final String bootstrapServers;
    private final Path logDir;

    private EmbeddedKafka(AutoCloseable broker, String bootstrapServers, Path logDir) {
        this.broker = broker;
        this.bootstrapServers = bootstrapServers;
        this.logDir = logDir;
    }

    /** Formats storage and starts a broker on free ports; returns once it accepts connections. */
    public static EmbeddedKafka start() {
        return start(0);
    }

    /**
     * Like {@link #start()}, with the client listener on {@code fixedBrokerPort} (0 = any free port). A fixed port
     * that is taken fails at once; free ports are retried.
     *
     * @throws IllegalStateException when module {@code broker} cannot be found (see the class comment)
     */
    public static EmbeddedKafka start(int fixedBrokerPort) {
        Class<?> c = implementation();
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(c.getClassLoader()); // inherited by the broker's threads
        try {
            Object broker = call(c, null, "start", new Class<?>[] {int.class}, fixedBrokerPort);
            String bootstrap = (String) call(c, broker, "bootstrapServers", new Class<?>[0]);
            Path dir = (Path) call(c, broker, "logDir", new Class<?>[0]);
            return new EmbeddedKafka((AutoCloseable) broker, bootstrap, dir);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** {@code 127.0.0.1:port} of the PLAINTEXT listener. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path logDir() {
        return logDir;
    }

    /** Stops the broker and deletes its storage. Idempotent. */
    @Override
    public void close() {
        try {
            broker.close();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the embedded broker", e);
        }
    }

    /** The base properties shared by every broker spikestream starts (without listeners, ports and paths). */
    public static Properties baseProperties() {
        return (Properties) call(implementation(), null, "baseProperties", new Class<?>[0]);
    }

    /** Complete server properties for a single node listening on the given loopback ports. */
    public static Properties serverProperties(Path logDir, int brokerPort, int controllerPort) {
        return (Properties) call(implementation(), null, "serverProperties",
            new Class<?>[] {Path.class, int.class, int.class}, logDir, brokerPort, controllerPort);
    }

    /** Whether a broker can be started in this JVM (module {@code broker} found). */
    public static boolean available() {
        try {
            implementation();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    private static synchronized Class<?> implementation() {
        if (implementation == null) {
            implementation = find(EmbeddedKafka.class.getClassLoader(), System.getProperty(CLASSPATH_PROPERTY));
        }
        return implementation;
    }

    /** The broker class: through {@code parent}, else in a new loader over {@code classpath} (may be null). */
    static Class<?> find(ClassLoader parent, String classpath) {
        try {
            return Class.forName(IMPLEMENTATION, true, parent);
        } catch (ClassNotFoundException notOnClassPath) {
            if (classpath == null || classpath.isBlank()) {
                throw new IllegalStateException("the embedded Kafka broker is not installed: module spikestream-broker is "
                    + "neither on the class path nor named by -D" + CLASSPATH_PROPERTY + "; pass --bootstrap-servers to use "
                    + "a running cluster (or './spikestream broker')");
            }
            List<URL> urls = new ArrayList<>();
            for (String entry : classpath.split(File.pathSeparator)) {
                if (entry.isBlank()) {
                    continue;
                }
                try {
                    for (Path p : expand(entry.strip())) {
                        urls.add(p.toUri().toURL());
                    }
                } catch (IllegalArgumentException | java.io.IOException e) {
                    throw new IllegalStateException("-D" + CLASSPATH_PROPERTY + " holds a bad entry '" + entry + "'", e);
                }
            }
            URLClassLoader loader = new URLClassLoader("spikestream-broker", urls.toArray(URL[]::new), parent);
            try {
                return Class.forName(IMPLEMENTATION, true, loader);
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("the embedded Kafka broker is not in -D" + CLASSPATH_PROPERTY + " ("
                    + urls.size() + " entries); build module broker ('./mvnw -pl broker package')", e);
            }
        }
    }

    /** An entry as {@code java -cp} reads it: a jar or folder, or {@code DIR/*} for every jar in DIR. */
    private static List<Path> expand(String entry) throws java.io.IOException {
        if (!entry.endsWith("*")) {
            return List.of(Path.of(entry));
        }
        Path dir = Path.of(entry.substring(0, entry.length() - 1));
        try (var jars = java.nio.file.Files.list(dir)) {
            return jars.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
        }
    }

    private static Object call(Class<?> c, Object target, String name, Class<?>[] types, Object... args) {
        try {
            Method m = c.getMethod(name, types);
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("embedded broker: " + name + " failed", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("embedded broker " + c.getName() + " has no usable " + name + "()", e);
        }
    }
}
