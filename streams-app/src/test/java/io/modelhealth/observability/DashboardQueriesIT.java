package io.modelhealth.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhealth.app.ModelHealthApp;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.kafka.EmbeddedKafkaBroker;
import io.modelhealth.kafka.TopicAdmin;
import io.modelhealth.scenario.Incident;
import io.modelhealth.scenario.Scenario;
import io.modelhealth.scenario.Scenarios;
import io.modelhealth.scenario.Simulator;
import io.modelhealth.topology.AppTopics;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboards and alert rules against the real thing: an embedded Kafka broker, the app
 * ({@link ModelHealthApp}) under scenario load — {@value #BLOCKED} withdrawn (BLOCKED and rerouted)
 * and {@value #OUTAGE} failing from t = 5 s, garbage records for the dead-letter path — and a real
 * Prometheus (a child process) scraping the app's {@code /metrics} every second and evaluating
 * {@code deploy/prometheus/rules/}. Then every panel query, annotation, template variable and
 * alert expression goes through Prometheus' HTTP API: each must parse, and each panel must show
 * data unless listed in {@link #MAY_BE_EMPTY}. The metric names they use must all be in the
 * app's scrape, so removing or renaming a metric a dashboard uses fails here. About a minute.
 */
class DashboardQueriesIT {

    static final String BLOCKED = "anthropic/claude-fable-5";
    static final String OUTAGE = "google/gemini-3-pro";
    static final String REGIONAL = "openai/gpt-5-mini";
    private static final Duration INCIDENTS_AT = Duration.ofSeconds(5);
    private static final double CALLS_PER_SECOND = 300;

    /** docs/design.md "Metrics" (and HealthMetrics), as the names of Prometheus samples. */
    private static final List<String> DESIGN_METRICS = List.of(
            "model_health_calls_total", "model_health_error_ratio", "model_health_state", "model_health_latency_seconds",
            "model_health_reroutes_total", "model_health_alerts_total", "model_health_dead_letters_total",
            "model_health_detection_seconds", "model_health_detection_seconds_count", "model_health_detection_seconds_sum",
            "model_health_detection_seconds_max", "model_health_late_events_total", "model_health_duplicate_events_total",
            "model_health_clock_skew_capped_total", "model_health_reroute_held", "model_health_scope_state",
            "model_health_call_duration_seconds_bucket", "model_health_call_duration_seconds_count",
            "model_health_call_duration_seconds_sum", "model_health_time_to_first_token_seconds_bucket",
            "model_health_time_to_first_token_seconds_count", "model_health_time_to_first_token_seconds_sum");

    /** Series Prometheus makes itself, not the app. */
    private static final Set<String> PROMETHEUS_SERIES = Set.of("up");

    /** Panels that may legitimately show nothing in this scenario, and why. */
    private static final Map<String, String> MAY_BE_EMPTY = Map.of(
            "model-health-route › Anomaly alerts (all routes)",
            "model_health_alerts_total{alertname=\"ModelRouteAnomaly\"} appears with the first anomaly alert; anomaly "
                    + "detection needs a baseline of anomaly.warmup-buckets (two minutes by default) first, and this "
                    + "scenario has no anomaly to find");

    @TempDir
    static Path tmp;

    private static EmbeddedKafkaBroker broker;
    private static ModelHealthApp app;
    private static PrometheusServer prometheus;
    private static Simulator simulator;
    private static ExecutorService load;
    private static Instant scrapedFrom;
    private static Map<String, String> variables;
    private static Set<String> exported;

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startAppPrometheusAndLoad() throws Exception {
        Path binary = PromtoolTest.findBinary("prometheus");
        assumeTrue(binary != null, "prometheus not found (looked on PATH and in /usr/bin): install it (Debian: "
                + "apt-get install prometheus) to test the dashboards' and rules' queries against the app");

        broker = EmbeddedKafkaBroker.builder().start();
        AppConfig config = withScenarioRoutes(ConfigLoader.load(null, Map.of(), Map.of(
                "kafka.bootstrap.servers", broker.bootstrapServers(),
                "http.port", "0",
                "topics.partitions", "1",
                "topics.replication-factor", "1")), scenario());
        try (TopicAdmin admin = TopicAdmin.connect(broker.bootstrapServers(), config.kafka(), Duration.ofSeconds(30))) {
            admin.ensure(AppTopics.specs(config.topics()));
        }
        Path stateDir = Files.createDirectories(tmp.resolve("state"));
        app = ModelHealthApp.start(config, Map.of("state.dir", stateDir.toString()));
        app.awaitRunning(Duration.ofSeconds(60));

        String target = "127.0.0.1:" + app.httpPort();
        prometheus = PrometheusServer.start(binary, Files.createDirectories(tmp.resolve("prometheus")), target,
                List.of(ObservabilityFiles.rulesFile()));
        // Scraping before the first call: every counter's first increment happens under Prometheus' eyes.
        await("first scrape of the app").atMost(Duration.ofSeconds(30))
                .until(() -> prometheus.result("up{job=\"model-health\"} == 1").size() == 1);
        scrapedFrom = Instant.now();

        simulator = new Simulator(new LinkedHashMap<>(Map.of("bootstrap.servers", broker.bootstrapServers())),
                new PrintStream(OutputStream.nullOutputStream()));
        load = Executors.newSingleThreadExecutor(r -> new Thread(r, "observability-it-load"));
        load.submit(() -> simulator.run(Simulator.Settings.of(scenario(), config.topics().calls(), CALLS_PER_SECOND)
                .withDuration(Duration.ofMinutes(3)).withGarbageRecords(30).withProgressInterval(Duration.ofHours(1))));

        await("the scenario's story in Prometheus").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    for (String condition : List.of(
                            "model_health_state{route=\"" + BLOCKED + "\", state=\"BLOCKED\"} == 1",
                            "model_health_reroutes_total{route=\"" + BLOCKED + "\", action=\"REROUTE\"}",
                            "model_health_alerts_total{alertname=\"ModelRouteBlocked\", status=\"firing\"}",
                            "model_health_detection_seconds_count > 0",
                            "model_health_scope_state{route=\"" + REGIONAL + "\", scope=\"region=swedencentral\", state=\"BLOCKED\"} == 1",
                            "sum(model_health_dead_letters_total) > 0",
                            "model_health_latency_seconds{route=\"" + BLOCKED + "\"}",
                            "model_health_call_duration_seconds_count{route=\"" + BLOCKED + "\"} > 0",
                            "model_health_time_to_first_token_seconds_count{route=\"" + BLOCKED + "\"} > 0",
                            // rate(...[15s]) needs two samples of a series, the 1m windows a few closed buckets
                            "count_over_time(model_health_error_ratio{route=\"" + BLOCKED + "\", class=\"policy_block\", window=\"1m\"}[1m]) >= 5")) {
                        assertThat(prometheus.result(condition)).as(condition).isNotEmpty();
                    }
                });

        variables = Map.of(
                "route", BLOCKED,
                "provider", BLOCKED.substring(0, BLOCKED.indexOf('/')),
                "instance", target,
                "slo", "0.99",
                "__rate_interval", "15s",
                "__interval", "2s",
                "__range", "5m",
                "__range_s", "300");
        // Micrometer registers jvm_gc_pause_seconds (the Pipeline dashboard's GC panel) on the JVM's first collection;
        // on a quiet machine the scenario so far may not have needed one. The app runs in this JVM: collect once.
        System.gc();
        await("a GC pause in /metrics").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                .until(() -> scrapedMetricNames(app.httpPort()).contains("jvm_gc_pause_seconds_max"));
        exported = scrapedMetricNames(app.httpPort());
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (simulator != null) {
                simulator.close();
            }
            if (load != null) {
                load.shutdownNow();
            }
        } finally {
            try {
                if (prometheus != null) {
                    prometheus.close();
                }
            } finally {
                try {
                    if (app != null) {
                        app.close();
                    }
                } finally {
                    if (broker != null) {
                        broker.close();
                    }
                }
            }
        }
    }

    /**
     * What a new user does during the demo: open the status page. Real headless Chromium loads it from
     * the running app and must show the withdrawn model BLOCKED with its reroute; the screenshot is
     * kept as a build artifact (streams-app/target/status-page-demo.png).
     */
    @Test
    void theStatusPageShowsTheWithdrawnModelBlockedWithItsReroute() throws Exception {
        Path profile = Files.createDirectories(tmp.resolve("chromium"));
        String url = "http://127.0.0.1:" + app.httpPort() + "/";
        await("status page shows the withdrawal").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            String dom = io.modelhealth.http.HeadlessChromium.run(profile, url, "--dump-dom");
            Matcher row = Pattern.compile("<tr\\b[^>]*data-route=\"" + Pattern.quote(BLOCKED) + "\"[^>]*>.*?</tr>",
                    Pattern.DOTALL).matcher(dom);
            assertThat(row.find()).as("a row for %s in%n%s", BLOCKED, dom).isTrue();
            assertThat(row.group()).contains("data-state=\"BLOCKED\"").contains("→");
        });
        Path png = Path.of("target", "status-page-demo.png").toAbsolutePath();
        io.modelhealth.http.HeadlessChromium.run(profile, url, "--screenshot=" + png, "--window-size=1280,800");
        assertThat(png).exists();
        assertThat(Files.size(png)).isGreaterThan(10_000);
    }

    @Test
    void everyMetricOfTheDesignIsExported() {
        assertThat(exported).containsAll(DESIGN_METRICS);
    }

    @Test
    void dashboardsAndRulesUseOnlyMetricsTheAppExports() {
        Map<String, Set<String>> used = new LinkedHashMap<>();
        for (Path file : ObservabilityFiles.dashboardFiles()) {
            JsonNode d = ObservabilityFiles.readJson(file);
            for (ObservabilityFiles.Query q : ObservabilityFiles.queries(d)) {
                used.put(q.toString(), PromQl.metricNames(q.expr()));
            }
            for (JsonNode v : ObservabilityFiles.queryVariables(d)) {
                used.put(d.path("uid").asText() + " › variable " + v.path("name").asText(),
                        Set.of(LabelValues.parse(ObservabilityFiles.variableQuery(v)).metric()));
            }
        }
        ObservabilityFiles.alertRules().forEach(r -> used.put("rule " + r.alert(), PromQl.metricNames(r.expr())));

        SoftAssertions soft = new SoftAssertions();
        used.forEach((where, names) -> {
            Set<String> unknown = new TreeSet<>(names);
            unknown.removeAll(exported);
            unknown.removeAll(PROMETHEUS_SERIES);
            soft.assertThat(unknown).as("%s uses metrics the app does not export", where).isEmpty();
        });
        soft.assertAll();
        assertThat(used).as("queries read").hasSizeGreaterThan(60)
                .allSatisfy((where, names) -> assertThat(names).as("%s selects a metric", where).isNotEmpty());
    }

    @Test
    void everyPanelQueryParsesAndShowsData() {
        Instant end = Instant.now();
        SoftAssertions soft = new SoftAssertions();
        int queried = 0;
        for (Path file : ObservabilityFiles.dashboardFiles()) {
            for (ObservabilityFiles.Query q : ObservabilityFiles.queries(ObservabilityFiles.readJson(file))) {
                String expr = PromQl.substitute(q.expr(), variables);
                soft.assertThat(expr).as("%s: every variable substituted", q).doesNotContain("$");
                JsonNode answer = q.instant() ? prometheus.query(expr)
                        : prometheus.queryRange(expr, scrapedFrom, end, Duration.ofSeconds(2));
                queried++;
                soft.assertThat(answer.path("status").asText()).as("%s: %s\n%s", q, answer.path("error").asText(), expr)
                        .isEqualTo("success");
                if (!MAY_BE_EMPTY.containsKey(q.dashboard() + " › " + q.panel())) {
                    soft.assertThat(answer.path("data").path("result").size()).as("%s shows no data:\n%s", q, expr).isPositive();
                }
            }
        }
        soft.assertAll();
        assertThat(queried).as("queries evaluated").isGreaterThan(50);
    }

    @Test
    void panelsTellTheScenariosStory() {
        // The one-hot states encoded for the state timeline: 5 = BLOCKED.
        assertThat(instant("model-health-route", "State").get(0).path("value").get(1).asText()).isEqualTo("5");
        assertThat(instant("model-health-fleet", "Routes UNAVAILABLE or BLOCKED").get(0).path("value").get(1).asDouble())
                .isGreaterThanOrEqualTo(1);
        // The REROUTE counter appeared with value 1: plain increase() would never show it.
        // A range query evaluates at start + k·step, up to 2 s before now: a counter that appeared in the last
        // step is not in it yet, so wait for the panel rather than read it once.
        await("the reroute panel shows the REROUTE").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> assertThat(range("model-health-route", "Reroute commands")).anySatisfy(series -> {
                    assertThat(series.path("metric").path("action").asText()).isEqualTo("REROUTE");
                    List<Double> values = new ArrayList<>();
                    series.path("values").forEach(v -> values.add(v.get(1).asDouble()));
                    assertThat(values).anySatisfy(v -> assertThat(v).isGreaterThanOrEqualTo(1));
                }));
        assertThat(instant("model-health-pipeline", "Kafka Streams state").get(0).path("value").get(1).asText())
                .as("RUNNING").isEqualTo("2");
    }

    @Test
    void templateVariablesOfferTheScenariosRoutes() {
        Map<String, String> expected = Map.of("provider", variables.get("provider"), "route", BLOCKED,
                "instance", variables.get("instance"));
        int checked = 0;
        for (Path file : ObservabilityFiles.dashboardFiles()) {
            for (JsonNode v : ObservabilityFiles.queryVariables(ObservabilityFiles.readJson(file))) {
                LabelValues lv = LabelValues.parse(ObservabilityFiles.variableQuery(v));
                JsonNode answer = prometheus.labelValues(lv.label(), PromQl.substitute(lv.selector(), variables));
                List<String> values = new ArrayList<>();
                answer.path("data").forEach(n -> values.add(n.asText()));
                assertThat(values).as("%s: %s", file.getFileName(), v.path("name").asText())
                        .contains(expected.get(v.path("name").asText()));
                checked++;
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(5);
    }

    @Test
    void everyAlertRuleLoadsParsesAndStaysQuietForAHealthyMonitor() {
        Map<String, JsonNode> loaded = new LinkedHashMap<>();
        for (JsonNode group : prometheus.rules().path("data").path("groups")) {
            group.path("rules").forEach(r -> loaded.put(r.path("name").asText(), r));
        }
        SoftAssertions soft = new SoftAssertions();
        for (ObservabilityFiles.Rule rule : ObservabilityFiles.alertRules()) {
            JsonNode r = loaded.get(rule.alert());
            soft.assertThat(r).as("%s loaded by Prometheus", rule.alert()).isNotNull();
            if (r != null) {
                soft.assertThat(r.path("health").asText()).as("%s health (%s)", rule.alert(), r.path("lastError").asText())
                        .isEqualTo("ok");
            }
            JsonNode answer = prometheus.query(rule.expr());
            soft.assertThat(answer.path("status").asText()).as("%s: %s", rule.alert(), answer.path("error").asText())
                    .isEqualTo("success");
        }
        soft.assertAll();
        // The app is up, RUNNING and keeping up: the rules about the monitor itself must not be firing.
        for (String quiet : List.of("ModelHealthDown", "ModelHealthStreamsNotRunning", "ModelHealthLagging")) {
            assertThat(loaded.get(quiet).path("state").asText()).as(quiet).isEqualTo("inactive");
        }
        // ...and they are quiet because the app is fine, not because they select nothing.
        assertThat(prometheus.result("up{job=\"model-health\"}")).hasSize(1);
        assertThat(prometheus.result("kafka_stream_client_state{job=\"model-health\"}")).isNotEmpty();
        assertThat(prometheus.result("kafka_consumer_fetch_manager_records_lag_max{job=\"model-health\", "
                + "client_id!~\".*-restore-consumer\"}")).isNotEmpty();
    }

    // ------------------------------------------------------------------------------------------

    /** {@code label_values(metric{selector}, label)}, as Grafana's Prometheus variable query has it. */
    record LabelValues(String metric, String selector, String label) {
        private static final Pattern FORM = Pattern.compile("label_values\\(\\s*(([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{.*})?)\\s*,\\s*(\\w+)\\s*\\)");

        static LabelValues parse(String query) {
            Matcher m = FORM.matcher(query.strip());
            if (!m.matches()) {
                throw new IllegalArgumentException("not label_values(metric{...}, label): " + query);
            }
            return new LabelValues(m.group(2), m.group(1), m.group(4));
        }
    }

    private static JsonNode instant(String uid, String panel) {
        JsonNode answer = prometheus.query(PromQl.substitute(panelQuery(uid, panel).expr(), variables));
        assertThat(answer.path("data").path("result")).as(uid + " › " + panel).isNotEmpty();
        return answer.path("data").path("result");
    }

    private static JsonNode range(String uid, String panel) {
        JsonNode answer = prometheus.queryRange(PromQl.substitute(panelQuery(uid, panel).expr(), variables), scrapedFrom,
                Instant.now(), Duration.ofSeconds(2));
        assertThat(answer.path("status").asText()).as("%s › %s: %s", uid, panel, answer.path("error").asText())
                .isEqualTo("success");
        return answer.path("data").path("result");
    }

    private static ObservabilityFiles.Query panelQuery(String uid, String panel) {
        for (Path file : ObservabilityFiles.dashboardFiles()) {
            for (ObservabilityFiles.Query q : ObservabilityFiles.queries(ObservabilityFiles.readJson(file))) {
                if (q.dashboard().equals(uid) && q.panel().equals(panel)) {
                    return q;
                }
            }
        }
        throw new AssertionError("no panel " + panel + " in " + uid);
    }

    /** The names of the samples in the app's /metrics, as Prometheus stores them. */
    private static Set<String> scrapedMetricNames(int port) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        Set<String> names = new HashSet<>();
        for (String line : r.body().split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    /** Six routes with background noise; from t = 5 s one model is withdrawn and another fails. */
    private static Scenario scenario() {
        return Scenario.builder("observability-it")
                .description(BLOCKED + " withdrawn and " + OUTAGE + " failing from t=5s")
                .routes(Scenarios.ROUTES)
                .fallbacks(Scenarios.FALLBACKS)
                .incident(Incident.errors("withdrawal", Set.of(BLOCKED), 1.0, Scenarios.WITHDRAWAL_ERRORS).from(INCIDENTS_AT))
                .incident(Incident.errors("outage", Set.of(OUTAGE), 0.8, Scenarios.OUTAGE_ERRORS).from(INCIDENTS_AT))
                // One region of a route refused on its own: the scopes panel and model_health_scope_state.
                .incident(Incident.errors("regional ban", Set.of(REGIONAL), 1.0, Scenarios.WITHDRAWAL_ERRORS)
                        .inRegions("swedencentral").from(INCIDENTS_AT))
                .phase(Duration.ZERO, "steady traffic", "every route HEALTHY")
                .phase(INCIDENTS_AT, BLOCKED + " withdrawn, " + OUTAGE + " failing",
                        BLOCKED + " BLOCKED and rerouted, " + OUTAGE + " UNAVAILABLE")
                .defaultDuration(Duration.ofMinutes(3))
                .build();
    }

    /** The scenario's fallback chains as the config's routes (what {@code demo} does). */
    private static AppConfig withScenarioRoutes(AppConfig c, Scenario scenario) {
        Map<String, AppConfig.Route> routes = new LinkedHashMap<>();
        scenario.fallbacks().forEach((route, chain) -> routes.put(route, new AppConfig.Route(chain)));
        return new AppConfig(c.kafka(), c.http(), c.topics(), c.telemetry(), c.classes(), c.windows(), c.detection(),
                c.anomaly(), c.reroute(), c.alerts(), routes, c.otlp(), c.scopes(), c.families(), c.limits(), c.overrides(), c.operations(), c.rocksdb()).validate();
    }
}
