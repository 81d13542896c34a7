package io.modelhealth.observability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The repository's observability files — {@code dashboards/*.json} and
 * {@code deploy/prometheus/} — and the PromQL in them: every panel target, every annotation
 * query, every template-variable query, every alert rule.
 */
final class ObservabilityFiles {

    static final ObjectMapper JSON = new ObjectMapper();
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** One PromQL expression of a dashboard: a panel target or an annotation query. */
    record Query(String dashboard, String panel, String refId, String expr, boolean instant) {
        @Override
        public String toString() {
            return dashboard + " › " + panel + " [" + refId + "]";
        }
    }

    /** One alerting rule of the Prometheus rule files. */
    record Rule(String alert, String expr, JsonNode labels, JsonNode annotations) {
    }

    private ObservabilityFiles() {
    }

    /** The repository root: the first directory up from the working directory with dashboards/ and deploy/. */
    static Path repoRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("dashboards")) && Files.isDirectory(dir.resolve("deploy/prometheus"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no dashboards/ and deploy/prometheus/ above " + Path.of("").toAbsolutePath());
    }

    static Path prometheusDir() {
        return repoRoot().resolve("deploy/prometheus");
    }

    static Path rulesFile() {
        return prometheusDir().resolve("rules/model-health.rules.yml");
    }

    static Path rulesTestFile() {
        return prometheusDir().resolve("rules/model-health.rules.test.yml");
    }

    static List<Path> dashboardFiles() {
        try (Stream<Path> files = Files.list(repoRoot().resolve("dashboards"))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static JsonNode readYaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Every panel that shows data, rows excluded, panels inside collapsed rows included. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            if ("row".equals(p.path("type").asText())) {
                p.path("panels").forEach(out::add);
            } else {
                out.add(p);
            }
        }
        return out;
    }

    /** Panel targets and annotation queries, in dashboard order. */
    static List<Query> queries(JsonNode dashboard) {
        String uid = dashboard.path("uid").asText();
        List<Query> out = new ArrayList<>();
        for (JsonNode p : panels(dashboard)) {
            for (JsonNode t : p.path("targets")) {
                out.add(new Query(uid, p.path("title").asText(), t.path("refId").asText(), t.path("expr").asText(),
                        t.path("instant").asBoolean(false) && !t.path("range").asBoolean(false)));
            }
        }
        for (JsonNode a : dashboard.path("annotations").path("list")) {
            if (a.has("expr")) {
                out.add(new Query(uid, "annotation " + a.path("name").asText(), "Anno", a.path("expr").asText(), false));
            }
        }
        return out;
    }

    /** The dashboard's template variables of type query (label_values(...) and friends). */
    static List<JsonNode> queryVariables(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if ("query".equals(v.path("type").asText())) {
                out.add(v);
            }
        }
        return out;
    }

    /** A query variable's PromQL text, whichever form Grafana stored it in. */
    static String variableQuery(JsonNode variable) {
        JsonNode q = variable.path("query");
        return q.isTextual() ? q.asText() : q.path("query").asText();
    }

    static List<Rule> alertRules() {
        List<Rule> out = new ArrayList<>();
        for (JsonNode group : readYaml(rulesFile()).path("groups")) {
            for (JsonNode r : group.path("rules")) {
                if (r.has("alert")) {
                    out.add(new Rule(r.path("alert").asText(), r.path("expr").asText(), r.path("labels"), r.path("annotations")));
                }
            }
        }
        return out;
    }
}
