package io.modelhealth.observability;

import static io.modelhealth.observability.ObservabilityFiles.dashboardFiles;
import static io.modelhealth.observability.ObservabilityFiles.panels;
import static io.modelhealth.observability.ObservabilityFiles.queries;
import static io.modelhealth.observability.ObservabilityFiles.readJson;
import static io.modelhealth.observability.ObservabilityFiles.readYaml;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Grafana dashboards are importable as they are (an {@code __inputs} entry for the Prometheus
 * datasource, which every panel, target, variable and annotation uses) and also work when
 * file-provisioned (a datasource variable of the same name). What their queries return is
 * {@link DashboardQueriesIT}'s business.
 */
class DashboardsTest {

    private static final String DS = "${DS_PROMETHEUS}";
    /** Grafana's own variables that queries may use. */
    private static final Set<String> BUILT_IN = Set.of("__rate_interval", "__interval", "__interval_ms", "__range",
            "__range_s", "__range_ms", "__dashboard", "__from", "__to");
    private static final Map<String, String> EXPECTED = Map.of(
            "fleet-overview.json", "model-health-fleet",
            "route-detail.json", "model-health-route",
            "pipeline.json", "model-health-pipeline");

    static Stream<Path> dashboards() {
        return dashboardFiles().stream();
    }

    @Test
    void theThreeDashboardsExistWithStableUniqueUids() {
        Map<String, String> uids = new TreeMap<>();
        for (Path file : dashboardFiles()) {
            uids.put(file.getFileName().toString(), readJson(file).path("uid").asText());
        }

        assertThat(uids).isEqualTo(new TreeMap<>(EXPECTED));
        assertThat(new HashSet<>(uids.values())).hasSameSizeAs(uids.values());
        assertThat(uids.values()).allSatisfy(uid -> assertThat(uid).hasSizeLessThanOrEqualTo(40).matches("[a-z0-9-]+"));
    }

    @ParameterizedTest
    @MethodSource("dashboards")
    void isAnImportableDashboardWithTheDatasourceAsAnInput(Path file) {
        JsonNode d = readJson(file);

        assertThat(d.path("title").asText()).as("title").startsWith("model-health / ");
        assertThat(d.path("id").isNull()).as("id must be null so that import creates, not overwrites").isTrue();
        assertThat(d.path("schemaVersion").asInt()).as("schemaVersion").isBetween(36, 41);
        JsonNode inputs = d.path("__inputs");
        assertThat(inputs.isArray() && inputs.size() == 1).as("one __inputs entry").isTrue();
        assertThat(inputs.get(0).path("name").asText()).isEqualTo("DS_PROMETHEUS");
        assertThat(inputs.get(0).path("type").asText()).isEqualTo("datasource");
        assertThat(inputs.get(0).path("pluginId").asText()).isEqualTo("prometheus");
        // File provisioning does not fill __inputs: a datasource variable of the same name does.
        assertThat(variable(d, "DS_PROMETHEUS")).as("DS_PROMETHEUS datasource variable").isNotNull();
        assertThat(variable(d, "DS_PROMETHEUS").path("type").asText()).isEqualTo("datasource");
        assertThat(variable(d, "DS_PROMETHEUS").path("query").asText()).isEqualTo("prometheus");
        assertThat(d.path("tags").toString()).contains("model-health");
    }

    @ParameterizedTest
    @MethodSource("dashboards")
    void everyPanelTargetVariableAndAnnotationUsesTheDatasourceInput(Path file) {
        JsonNode d = readJson(file);
        SoftAssertions soft = new SoftAssertions();
        List<JsonNode> panels = panels(d);
        assertThat(panels).as("panels").hasSizeGreaterThanOrEqualTo(6);
        for (JsonNode p : panels) {
            String title = p.path("title").asText();
            soft.assertThat(title).as("panel %s title", p.path("id")).isNotBlank();
            soft.assertThat(p.path("description").asText()).as("%s: description", title).isNotBlank();
            soft.assertThat(datasourceUid(p)).as("%s: panel datasource", title).isEqualTo(DS);
            soft.assertThat(p.path("targets").size()).as("%s: targets", title).isPositive();
            Set<String> refIds = new HashSet<>();
            for (JsonNode t : p.path("targets")) {
                soft.assertThat(datasourceUid(t)).as("%s: target %s datasource", title, t.path("refId")).isEqualTo(DS);
                soft.assertThat(t.path("expr").asText()).as("%s: target expr", title).isNotBlank();
                soft.assertThat(refIds.add(t.path("refId").asText())).as("%s: refId %s unique", title, t.path("refId")).isTrue();
            }
        }
        for (JsonNode v : ObservabilityFiles.queryVariables(d)) {
            soft.assertThat(datasourceUid(v)).as("variable %s datasource", v.path("name")).isEqualTo(DS);
        }
        for (JsonNode a : d.path("annotations").path("list")) {
            if (a.path("builtIn").asInt() != 1) {
                soft.assertThat(datasourceUid(a)).as("annotation %s datasource", a.path("name")).isEqualTo(DS);
                soft.assertThat(a.path("expr").asText()).as("annotation %s expr", a.path("name")).isNotBlank();
            }
        }
        soft.assertAll();
    }

    @ParameterizedTest
    @MethodSource("dashboards")
    void panelIdsAndTitlesAreUniqueAndPanelsDoNotOverlap(Path file) {
        JsonNode d = readJson(file);
        List<JsonNode> all = new ArrayList<>();
        d.path("panels").forEach(all::add);
        Set<Integer> ids = new HashSet<>();
        Set<String> titles = new HashSet<>();
        for (JsonNode p : all) {
            assertThat(ids.add(p.path("id").asInt())).as("panel id %s unique", p.path("id")).isTrue();
            // Tests and people name panels by title.
            assertThat(titles.add(p.path("title").asText())).as("panel title %s unique", p.path("title")).isTrue();
            JsonNode g = p.path("gridPos");
            assertThat(g.path("x").asInt() + g.path("w").asInt()).as("%s fits 24 columns", p.path("title")).isLessThanOrEqualTo(24);
            assertThat(g.path("w").asInt()).as("%s width", p.path("title")).isPositive();
            assertThat(g.path("h").asInt()).as("%s height", p.path("title")).isPositive();
        }
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                assertThat(overlap(all.get(i).path("gridPos"), all.get(j).path("gridPos")))
                        .as("%s overlaps %s", all.get(i).path("title"), all.get(j).path("title")).isFalse();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dashboards")
    void queriesUseOnlyDefinedVariablesAndSelectAtLeastOneMetric(Path file) {
        JsonNode d = readJson(file);
        Set<String> defined = new HashSet<>(BUILT_IN);
        d.path("templating").path("list").forEach(v -> defined.add(v.path("name").asText()));
        SoftAssertions soft = new SoftAssertions();
        for (ObservabilityFiles.Query q : queries(d)) {
            soft.assertThat(defined).as("%s uses only defined variables", q).containsAll(PromQl.variables(q.expr()));
            soft.assertThat(PromQl.metricNames(q.expr())).as("%s selects a metric", q).isNotEmpty();
        }
        for (JsonNode v : ObservabilityFiles.queryVariables(d)) {
            String query = ObservabilityFiles.variableQuery(v);
            soft.assertThat(query).as("variable %s", v.path("name")).matches("label_values\\([a-z_:]+(\\{.*})?, *\\w+\\)");
            soft.assertThat(defined).as("variable %s uses only defined variables", v.path("name"))
                    .containsAll(PromQl.variables(query));
        }
        soft.assertAll();
    }

    @Test
    void fleetAndRouteDashboardsFilterByProviderAndRoute() {
        JsonNode fleet = readJson(file("fleet-overview.json"));
        JsonNode route = readJson(file("route-detail.json"));

        assertThat(variable(fleet, "provider").path("multi").asBoolean()).isTrue();
        assertThat(variable(fleet, "route").path("multi").asBoolean()).isTrue();
        assertThat(ObservabilityFiles.variableQuery(variable(fleet, "route"))).contains("$provider");
        // One route at a time: its queries match it exactly.
        assertThat(variable(route, "route").path("multi").asBoolean()).isFalse();
        assertThat(ObservabilityFiles.variableQuery(variable(route, "route"))).contains("$provider");
        assertThat(variable(route, "slo")).isNotNull();
        List<ObservabilityFiles.Query> routeQueries = queries(route).stream()
                .filter(q -> q.expr().contains("model_health_") && !q.expr().contains("model_health_alerts_total"))
                .toList();
        assertThat(routeQueries).isNotEmpty().allSatisfy(q -> assertThat(q.expr()).as(q.toString()).contains("route=\"$route\""));
        assertThat(queries(route)).anySatisfy(q -> assertThat(q.expr()).contains("alertname=\"ModelRouteAnomaly\""));
    }

    @Test
    void provisioningPointsGrafanaAtTheDashboardsAndAPrometheusDatasource() {
        Path grafana = ObservabilityFiles.repoRoot().resolve("deploy/grafana/provisioning");
        JsonNode ds = readYaml(grafana.resolve("datasources/prometheus.yaml"));
        JsonNode providers = readYaml(grafana.resolve("dashboards/model-health.yaml"));

        assertThat(ds.path("apiVersion").asInt()).isEqualTo(1);
        assertThat(ds.path("datasources")).hasSize(1);
        JsonNode prometheus = ds.path("datasources").get(0);
        assertThat(prometheus.path("type").asText()).isEqualTo("prometheus");
        assertThat(prometheus.path("uid").asText()).isNotBlank();
        // The dashboards' DS_PROMETHEUS variable picks the default Prometheus datasource.
        assertThat(prometheus.path("isDefault").asBoolean()).isTrue();
        assertThat(prometheus.path("url").asText()).startsWith("http://");
        assertThat(providers.path("apiVersion").asInt()).isEqualTo(1);
        JsonNode provider = providers.path("providers").get(0);
        assertThat(provider.path("type").asText()).isEqualTo("file");
        assertThat(provider.path("options").path("path").asText()).startsWith("/");
    }

    private static Path file(String name) {
        return ObservabilityFiles.repoRoot().resolve("dashboards").resolve(name);
    }

    private static JsonNode variable(JsonNode dashboard, String name) {
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (name.equals(v.path("name").asText())) {
                return v;
            }
        }
        return null;
    }

    private static String datasourceUid(JsonNode node) {
        JsonNode ds = node.path("datasource");
        return ds.isTextual() ? ds.asText() : ds.path("uid").asText(null);
    }

    private static boolean overlap(JsonNode a, JsonNode b) {
        return a.path("x").asInt() < b.path("x").asInt() + b.path("w").asInt()
                && b.path("x").asInt() < a.path("x").asInt() + a.path("w").asInt()
                && a.path("y").asInt() < b.path("y").asInt() + b.path("h").asInt()
                && b.path("y").asInt() < a.path("y").asInt() + a.path("h").asInt();
    }
}
