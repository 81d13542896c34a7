package io.modelhealth.alerts.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.modelhealth.alerts.AlertFactory;
import io.modelhealth.schemas.SchemaCatalog;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/runbook.md: a section for every alert that links to it (the app's and Prometheus'), links
 * that lead somewhere, and override commands that the app would accept.
 */
class RunbookTest {

    private static final Path ROOT = AlertmanagerTools.repositoryRoot();
    private static final Path RUNBOOK = ROOT.resolve("docs/runbook.md");
    /** {@code echo 'KEY|JSON' | kcat -P ... -t model.health.overrides -K'|'} */
    private static final Pattern OVERRIDE = Pattern.compile("^echo '([^|']+)\\|(\\{.*})' \\| kcat -P .*-t model\\.health\\.overrides -K'\\|'$");
    private static final Pattern TOMBSTONE = Pattern.compile("^echo '([^|']+)\\|' \\| kcat -P .*-t model\\.health\\.overrides -K'\\|' -Z$");
    private static final Pattern LINK = Pattern.compile("\\]\\(#([^)]+)\\)");

    private static String runbook() throws IOException {
        return Files.readString(RUNBOOK);
    }

    /** GitHub's heading ids: lower case, punctuation other than '-' dropped, spaces to '-'. */
    private static List<String> anchors(String markdown) {
        return markdown.lines().filter(l -> l.startsWith("#"))
                .map(l -> l.replaceFirst("^#+\\s*", "").strip().toLowerCase(Locale.ROOT)
                        .replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'))
                .toList();
    }

    private static List<String> appAlertNames() throws IllegalAccessException {
        List<String> names = new ArrayList<>();
        for (Field f : AlertFactory.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                String v = (String) f.get(null);
                if (v.matches("Model[A-Z]\\w+")) {
                    names.add(v);
                }
            }
        }
        return names;
    }

    @Test
    void everyAlertOfTheAppHasTheSectionItsRunbookUrlPointsAt() throws Exception {
        List<String> names = appAlertNames();
        assertThat(names).contains("ModelRouteBlocked", "ModelProviderOutage").hasSizeGreaterThanOrEqualTo(7);
        List<String> anchors = anchors(runbook());
        for (String name : names) {
            // AlertFactory: runbook_url = alerts.runbook-base-url + '#' + the name in lower case
            assertThat(anchors).as("a section '## %s'", name).contains(name.toLowerCase(Locale.ROOT));
        }
    }

    @Test
    void everyPrometheusAlertHasTheSectionItsRunbookUrlPointsAt() throws Exception {
        Path rules = ROOT.resolve("deploy/prometheus/rules");
        List<String> required = new ArrayList<>(List.of("modelhealthdown", "modelhealthlagging",
                "modelhealthdeadlettersrising", "modelhealthpanicguardengaged"));
        if (Files.isDirectory(rules)) {
            try (Stream<Path> files = Files.list(rules)) {
                for (Path file : files.filter(p -> p.toString().endsWith(".yml") && !p.toString().endsWith(".test.yml")).toList()) {
                    for (JsonNode group : new YAMLMapper().readTree(file.toFile()).path("groups")) {
                        for (JsonNode rule : group.path("rules")) {
                            String url = rule.path("annotations").path("runbook_url").asText("");
                            if (rule.has("alert") && !url.isEmpty()) {
                                assertThat(url).as(file + " " + rule.path("alert").asText()).contains("/docs/runbook.md#");
                                required.add(url.substring(url.indexOf('#') + 1));
                            }
                        }
                    }
                }
            }
        }
        assertThat(anchors(runbook())).containsAll(required);
    }

    @Test
    void everyLinkWithinTheRunbookLeadsToASection() throws Exception {
        String text = runbook();
        List<String> anchors = anchors(text);
        Matcher m = LINK.matcher(text);
        int links = 0;
        while (m.find()) {
            assertThat(anchors).as("link #%s", m.group(1)).contains(m.group(1));
            links++;
        }
        assertThat(links).isGreaterThan(10);
    }

    @Test
    void theOverrideCommandsWriteOverridesTheAppAccepts() throws Exception {
        int overrides = 0;
        int tombstones = 0;
        for (String line : runbook().lines().map(String::strip).toList()) {
            Matcher o = OVERRIDE.matcher(line);
            if (o.matches()) {
                assertThat(SchemaCatalog.validate("override.v1", o.group(2))).as(line).isEmpty();
                assertThat(SchemaCatalog.serde("override.v1").deserialize("t", o.group(2).getBytes(StandardCharsets.UTF_8)))
                        .extracting("route").as("the key is the override's route").isEqualTo(o.group(1));
                overrides++;
            } else if (TOMBSTONE.matcher(line).matches()) {
                tombstones++;
            } else {
                assertThat(line).as("an override command in another form than the tested ones")
                        .doesNotContain("-t model.health.overrides");
            }
        }
        assertThat(overrides).isGreaterThanOrEqualTo(4);
        assertThat(tombstones).isGreaterThanOrEqualTo(1);
    }
}
