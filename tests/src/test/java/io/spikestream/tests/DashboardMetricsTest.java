package io.spikestream.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spikestream.app.durable.CheckpointStore;
import io.spikestream.app.durable.DurabilityPolicy;
import io.spikestream.app.pipeline.DurabilityMetrics;
import io.spikestream.app.pipeline.LearnerPipeline;
import io.spikestream.app.pipeline.SourceMetrics;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.SourceOptions;
import io.spikestream.learner.Settings;
import io.spikestream.learner.StreamLearner;
import io.spikestream.sinks.metrics.LearnerMetrics;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docker/'s Grafana dashboard names only metrics the application registers: every metric name in every PromQL
 * expression of the dashboard (panels and template variables) is a series on {@code run}'s /metrics, as built by
 * the real metrics classes. Also: the compose file, Prometheus' configuration and Grafana's provisioning parse,
 * images are pinned by tag, and the dashboard's data source is the provisioned one.
 */
class DashboardMetricsTest {

    static final Path DOCKER = Path.of("..", "docker");
    static final Path DASHBOARD = DOCKER.resolve("grafana/dashboards/spikestream.json");

    /** PromQL words that are not metric names: operators, modifiers, aggregation clauses. */
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on",
        "ignoring", "group_left", "group_right", "atan2", "inf", "nan");
    private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    /**
     * The series names a scrape of {@code run --checkpoint-dir}'s /metrics shows, from the metrics classes it wires:
     * the learner's and the source's series, and a durable pipeline's (built here without starting it, so no broker is
     * needed: nothing connects before {@code start}).
     */
    static Set<String> registeredSeries() throws IOException {
        LearnerMetrics metrics = new LearnerMetrics(10, 100);
        metrics.countPublishFailures(() -> 0); // run publishes predictions: its endpoint exports the failures
        new SourceMetrics(metrics).consumerLag(0);
        Path store = Files.createTempDirectory("dashboard-store");
        Settings settings = Settings.load(List.of(), List.of("network.n_rec=10"));
        LearnerPipeline durable = LearnerPipeline.durable(KafkaEndpoint.external("127.0.0.1:9", Map.of()),
            SourceOptions.of("dashboard", "spikestream.events"), id -> {
                try {
                    return new StreamLearner(settings, p -> { });
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, CheckpointStore.open(store, 2, InstantSource.system()), DurabilityPolicy.from(settings),
            InstantSource.system());
        DurabilityMetrics.bind(metrics.registry(), durable);
        Set<String> names = new TreeSet<>();
        for (String line : metrics.scrape().split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = IDENT.matcher(line);
            assertTrue(m.lookingAt(), line);
            names.add(m.group());
        }
        return names;
    }

    /** The metric names in a PromQL expression (Grafana's $variables and label matchers removed). */
    static Set<String> metricNames(String expr) {
        String e = expr.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")   // strings
            .replaceAll("\\{[^}]*}", " ")                                  // label matchers
            .replaceAll("\\[[^]]*]", " ")                                  // ranges, $__rate_interval
            .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
            .replaceAll("\\$\\w+", " ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENT.matcher(e);
        while (m.find()) {
            String word = m.group();
            int next = m.end();
            while (next < e.length() && Character.isWhitespace(e.charAt(next))) {
                next++;
            }
            boolean function = next < e.length() && e.charAt(next) == '(';
            boolean partOfNumber = m.start() > 0 && Character.isDigit(e.charAt(m.start() - 1));
            if (!function && !partOfNumber && !KEYWORDS.contains(word.toLowerCase(java.util.Locale.ROOT))) {
                names.add(word);
            }
        }
        return names;
    }

    /** Every PromQL expression of the dashboard: panel targets and query variables. */
    static List<String> expressions(JsonNode dashboard) {
        List<String> out = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                out.add(target.path("expr").asText());
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            String q = variable.path("query").isObject() ? variable.path("query").path("query").asText()
                : variable.path("query").asText();
            // label_values(METRIC{...}, label): the metric is the first argument
            out.add(q.replaceAll("^label_values\\((.*),\\s*\\w+\\)$", "$1"));
        }
        return out;
    }

    /** Names in the dashboard's expressions that the application does not register. */
    static Set<String> unknownNames(JsonNode dashboard, Set<String> registered) {
        Set<String> unknown = new TreeSet<>();
        for (String expr : expressions(dashboard)) {
            for (String name : metricNames(expr)) {
                if (!registered.contains(name)) {
                    unknown.add(name + " (in " + expr + ")");
                }
            }
        }
        return unknown;
    }

    @Test
    void everyMetricTheDashboardNamesIsRegistered() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        Set<String> registered = registeredSeries();
        assertTrue(registered.contains("spikestream_events_total"), registered.toString());
        Set<String> used = new TreeSet<>();
        expressions(dashboard).forEach(e -> used.addAll(metricNames(e)));
        // the issue's panels: events/s, lag, accuracy, loss, drops by reason
        assertTrue(used.containsAll(Set.of("spikestream_events_total", "spikestream_consumer_lag_records",
            "spikestream_accuracy", "spikestream_loss", "spikestream_events_dropped_total")), used.toString());
        assertEquals(Set.of(), unknownNames(dashboard, registered), "dashboard metrics the application does not register");
    }

    @Test
    void aDashboardNamingAnUnknownMetricFails() throws IOException {
        JsonNode bad = new ObjectMapper().readTree("""
            {"panels": [{"targets": [
              {"expr": "sum by (reason) (rate(spikestream_events_dropped_total{job=~\\"$job\\", reason=\\"late\\"}[$__rate_interval]))"},
              {"expr": "spikestream_checkpoint_staleness_seconds > 60 and on (instance) spikestream_kafka_reachable == 1"}]}],
             "templating": {"list": [{"query": {"query": "label_values(spikestream_nope_total{job=~\\"$job\\"}, instance)"}}]}}
            """);
        Set<String> unknown = unknownNames(bad, registeredSeries());
        assertEquals(2, unknown.size(), unknown.toString());
        assertTrue(unknown.stream().anyMatch(u -> u.startsWith("spikestream_checkpoint_staleness_seconds ")), unknown.toString());
        assertTrue(unknown.stream().anyMatch(u -> u.startsWith("spikestream_nope_total ")), unknown.toString());
        assertEquals(Set.of("spikestream_events_dropped_total"),
            metricNames("sum by (reason) (rate(spikestream_events_dropped_total{reason=\"late\"}[5m])) * 1e3"));
    }

    @Test
    void composePrometheusAndGrafanaProvisioningAgree() throws IOException {
        Yaml yaml = new Yaml();
        Map<String, Object> compose = yaml.load(Files.readString(DOCKER.resolve("compose.yaml")));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
        for (String service : List.of("prometheus", "grafana")) {
            String image = (String) services.get(service).get("image");
            assertTrue(image.matches("[\\w./-]+:v?\\d+\\.\\d+\\.\\d+"), service + " image pinned to a release tag: " + image);
        }
        // every file compose mounts into Prometheus and Grafana exists
        for (String service : List.of("prometheus", "grafana")) {
            @SuppressWarnings("unchecked")
            List<String> volumes = (List<String>) services.get(service).get("volumes");
            for (String v : volumes) {
                if (v.startsWith("./")) {
                    assertTrue(Files.exists(DOCKER.resolve(v.substring(2, v.indexOf(':')))), v);
                }
            }
        }
        // Prometheus scrapes run's metrics port, as the run service publishes it
        Map<String, Object> prometheus = yaml.load(Files.readString(DOCKER.resolve("prometheus/prometheus.yml")));
        String config = prometheus.toString();
        assertTrue(config.contains("run:9464"), config);
        assertTrue(services.get("run").get("command").toString().contains("output.metrics_port=9464"));
        // the dashboard's data source is the provisioned Prometheus
        Map<String, Object> ds = yaml.load(Files.readString(DOCKER.resolve("grafana/provisioning/datasources/prometheus.yaml")));
        @SuppressWarnings("unchecked")
        Map<String, Object> source = ((List<Map<String, Object>>) ds.get("datasources")).getFirst();
        assertEquals("http://prometheus:9090", source.get("url"));
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        assertFalse(dashboard.path("panels").isEmpty());
        for (JsonNode panel : dashboard.path("panels")) {
            assertEquals(source.get("uid"), panel.path("datasource").path("uid").asText(), panel.path("title").asText());
        }
        Map<String, Object> provider = yaml.load(Files.readString(DOCKER.resolve("grafana/provisioning/dashboards/spikestream.yaml")));
        assertTrue(provider.toString().contains("path=/var/lib/grafana/dashboards"), provider.toString());
    }
}
