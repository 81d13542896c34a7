package io.modelhealth.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finds the repository's deploy files from a test and reads YAML (one or many documents) as JSON trees. */
final class DeployFiles {

    private static final ObjectMapper YAML = new YAMLMapper();
    /** A metric selector in PromQL: a name followed by its label matchers, e.g. {@code up{job="x"}}. */
    private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*\\{([^}]*)}");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)");

    private DeployFiles() {
    }

    /** The repository root: the nearest directory up from the working directory that has {@code deploy/}. */
    static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("deploy")) && Files.isRegularFile(d.resolve("pom.xml"))) {
                return d;
            }
        }
        throw new IllegalStateException("no deploy/ directory above " + dir);
    }

    static Path deploy(String relative) {
        return repoRoot().resolve("deploy").resolve(relative);
    }

    static JsonNode readYaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file, e);
        }
    }

    /** Every non-empty document of a multi-document YAML stream ({@code ---} separated). */
    static List<JsonNode> readAllYaml(String text) {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class)
                .readValues(new YAMLFactory().createParser(text))) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    docs.add(doc);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse the YAML stream", e);
        }
        return docs;
    }

    /** A metric selector of a PromQL expression: the metric name and the label names it matches on. */
    record Selector(String metric, List<String> labels) {
    }

    /**
     * The metric selectors of a PromQL expression. Only selectors written with braces are found, so
     * rule expressions give every metric at least one label matcher (they do: job, topic, cause …).
     */
    static List<Selector> selectors(String promql) {
        List<Selector> found = new ArrayList<>();
        Matcher m = SELECTOR.matcher(promql);
        while (m.find()) {
            List<String> labels = new ArrayList<>();
            Matcher l = LABEL.matcher(m.group(2));
            while (l.find()) {
                labels.add(l.group(1));
            }
            found.add(new Selector(m.group(1), labels));
        }
        return found;
    }
}
