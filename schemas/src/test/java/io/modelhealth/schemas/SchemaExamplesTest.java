package io.modelhealth.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhealth.schemas.ContractExamples.Example;
import io.modelhealth.schemas.SchemaCatalog.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The examples under {@code examples/} against the schemas: every valid example is accepted, every
 * invalid one is rejected for the reason its name gives (listed in {@code examples/invalid/expected-problems.json}).
 */
class SchemaExamplesTest {

    private static final int MIN_EXAMPLES = 3;
    /** {@code <keyword> at <JSON pointer>[ naming <word>]} */
    private static final Pattern EXPECTATION = Pattern.compile("(\\w+) at (/\\S*)(?: naming (\\S+))?");

    static Stream<Example> validExamples() {
        return ContractExamples.allValid().stream();
    }

    static Stream<Example> invalidExamples() {
        return ContractExamples.allInvalid().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validExamples")
    void validExampleMatchesItsSchema(Example example) {
        assertThat(SchemaCatalog.validate(example.schemaName(), example.json()))
                .as("problems with %s", example)
                .isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidExamples")
    void invalidExampleIsRejectedForItsNamedReason(Example example) {
        List<Problem> problems = SchemaCatalog.problems(example.schemaName(), example.json());
        System.out.println(example + " -> " + problems);

        assertThat(problems).as("%s must be rejected", example).isNotEmpty();
        String expectation = expectedProblems().get(example.schemaName() + "/" + example.name());
        assertThat(expectation).as("expected-problems.json has no entry for %s", example).isNotNull();
        Matcher m = EXPECTATION.matcher(expectation);
        assertThat(m.matches()).as("malformed expectation '%s'", expectation).isTrue();
        String keyword = m.group(1);
        String location = m.group(2);
        String word = m.group(3);
        assertThat(problems)
                .as("%s: expected a '%s' problem at %s%s", example, keyword, location, word == null ? "" : " naming " + word)
                .anySatisfy(p -> {
                    assertThat(p.keyword()).isEqualTo(keyword);
                    assertThat(p.location()).isEqualTo(location);
                    if (word != null) {
                        assertThat(p.message()).contains(word);
                    }
                });
    }

    @TestFactory
    Stream<DynamicTest> everySchemaHasEnoughValidAndInvalidExamples() {
        return SchemaCatalog.schemaNames().stream().map(name -> dynamicTest(name, () -> {
            assertThat(ContractExamples.valid(name)).as("valid examples of %s", name).hasSizeGreaterThanOrEqualTo(MIN_EXAMPLES);
            assertThat(ContractExamples.invalid(name)).as("invalid examples of %s", name).hasSizeGreaterThanOrEqualTo(MIN_EXAMPLES);
        }));
    }

    @Test
    void everySchemaIsOnTheClasspathAndThereAreNoOthers() {
        assertThat(SchemaCatalog.schemaNames()).containsExactlyInAnyOrder(
                "llm.call.v1", "dead-letter.v1", "model.health.window.v1", "model.health.anomaly.v1",
                "model.health.state.v1", "alert.v1", "reroute.command.v1", "override.v1");
        for (String name : SchemaCatalog.schemaNames()) {
            assertThat(SchemaCatalog.schemaText(name)).as(name).contains("\"$id\"");
        }
        assertThat(ContractExamples.directories(true)).as("examples/valid").containsExactlyInAnyOrderElementsOf(SchemaCatalog.schemaNames());
        assertThat(ContractExamples.directories(false)).as("examples/invalid").containsExactlyInAnyOrderElementsOf(SchemaCatalog.schemaNames());
    }

    @Test
    void everyInvalidExampleHasAnExpectationAndEveryExpectationAnExample() {
        List<String> examples = new ArrayList<>();
        ContractExamples.allInvalid().forEach(e -> examples.add(e.schemaName() + "/" + e.name()));
        assertThat(expectedProblems().keySet()).containsExactlyInAnyOrderElementsOf(examples);
    }

    /** {@code <schema>/<example name>} to its expectation. */
    private static Map<String, String> expectedProblems() {
        try (InputStream in = SchemaExamplesTest.class.getClassLoader().getResourceAsStream("examples/invalid/expected-problems.json")) {
            assertThat(in).as("examples/invalid/expected-problems.json").isNotNull();
            JsonNode expected = Json.mapper().readTree(in).path("expected");
            Map<String, String> m = new TreeMap<>();
            expected.properties().forEach(schema -> schema.getValue().properties()
                    .forEach(e -> m.put(schema.getKey() + "/" + e.getKey(), e.getValue().asText())));
            return m;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
