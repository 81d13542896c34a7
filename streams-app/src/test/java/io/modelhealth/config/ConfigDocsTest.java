package io.modelhealth.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps the shipped example config and docs/configuration.md in step with {@link AppConfig#defaults()}:
 * a key added in code without documentation, or a default changed in one place only, fails here.
 */
class ConfigDocsTest {

    private static final Path ROOT = repositoryRoot();
    private static final Path EXAMPLE = ROOT.resolve("deploy/config/model-health.example.yaml");
    private static final Path DOC = ROOT.resolve("docs/configuration.md");

    /** The directory holding both streams-app and deploy, whether tests run from the module or the root. */
    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.isDirectory(dir.resolve("streams-app")) && Files.isDirectory(dir.resolve("deploy")))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find the repository root from " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    @Test
    void exampleConfigLoadsAndValidates() {
        AppConfig example = ConfigLoader.load(EXAMPLE, Map.of(), Map.of());

        assertThat(example.fallbacksOf("anthropic/claude-fable-5")).containsExactly("openai/gpt-5", "google/gemini-3-pro");
        assertThat(example.routes()).hasSizeGreaterThanOrEqualTo(3);
    }

    @Test
    void exampleConfigShowsExactlyTheDefaultsApartFromRoutes() {
        AppConfig example = ConfigLoader.load(EXAMPLE, Map.of(), Map.of());

        ObjectNode exampleTree = ConfigLoader.mapper().valueToTree(example);
        ObjectNode defaultTree = ConfigLoader.mapper().valueToTree(AppConfig.defaults());
        exampleTree.remove("routes");
        defaultTree.remove("routes");

        assertThat(exampleTree).isEqualTo(defaultTree);
    }

    @Test
    void docsMentionEveryLeafKeyInBackticks() throws IOException {
        Set<String> quoted = backticked(Files.readString(DOC));

        List<String> missing = new ArrayList<>();
        for (String key : ConfigLoader.leafKeys()) {
            if (!quoted.contains(key)) {
                missing.add(key);
            }
        }

        assertThat(ConfigLoader.leafKeys()).hasSizeGreaterThan(60);
        assertThat(missing).as("keys of AppConfig.defaults() missing from %s", DOC).isEmpty();
    }

    @Test
    void docsTableRowOfEachKeyStatesItsDefault() throws IOException {
        String doc = Files.readString(DOC);
        // The per-section tables; earlier tables (env examples) mention keys too.
        List<String> lines = List.of(doc.substring(doc.indexOf("## Sections")).split("\n"));
        JsonNode defaults = ConfigLoader.mapper().valueToTree(AppConfig.defaults());

        List<String> wrong = new ArrayList<>();
        for (String key : ConfigLoader.leafKeys()) {
            JsonNode value = valueAt(defaults, key);
            if (value == null || (value.isArray() && value.size() > 0 && value.get(0).isObject())) {
                continue; // lists of mappings are described in their own table
            }
            String expected = value.isNull() ? "none" : "`" + render(value) + "`";
            String row = lines.stream().filter(l -> l.startsWith("| `" + key + "` |")).findFirst().orElse(null);
            if (row == null || !row.split("\\|")[2].contains(expected)) {
                wrong.add(key + " (default " + expected + ")");
            }
        }

        assertThat(wrong).as("table rows in %s whose default column disagrees with AppConfig.defaults()", DOC).isEmpty();
    }

    @Test
    void docsNameTheEnvVariableRuleWithARealExample() throws IOException {
        String doc = Files.readString(DOC);

        assertThat(doc).contains("`MODEL_HEALTH_DETECTION_POLICY_BLOCK_ENTER_RATIO`")
                .contains("`MODEL_HEALTH_KAFKA_SASL_JAAS_CONFIG`")
                .contains("SASL_SSL")
                .contains("SCRAM");
        // The documented example really maps to the documented key.
        AppConfig config = ConfigLoader.load(null, Map.of("MODEL_HEALTH_DETECTION_POLICY_BLOCK_ENTER_RATIO", "0.7"), Map.of());
        assertThat(config.detection().policyBlock().enterRatio()).isEqualTo(0.7);
    }

    private static Set<String> backticked(String text) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = Pattern.compile("`([^`\\n]+)`").matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** The default at a doc key: kafka keys contain dots, so they are looked up as one name. */
    private static JsonNode valueAt(JsonNode root, String key) {
        if (key.contains("[]")) {
            return null;
        }
        if (key.startsWith("kafka.")) {
            return root.get("kafka").get(key.substring("kafka.".length()));
        }
        JsonNode node = root;
        for (String segment : key.split("\\.")) {
            node = node.get(segment);
            if (node == null) {
                return null;
            }
        }
        return node;
    }

    private static String render(JsonNode value) {
        if (value.isArray()) {
            List<String> parts = new ArrayList<>();
            value.forEach(v -> parts.add(v.asText()));
            return "[" + String.join(", ", parts) + "]";
        }
        if (value.isObject()) {
            return "{}";
        }
        return value.asText();
    }
}
