package io.modelhealth.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.schemas.ContractExamples;
import io.modelhealth.schemas.ContractExamples.Example;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.SchemaCatalog;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * {@link CallParser} accepts a record exactly when {@code llm.call.v1.schema.json} does: every example of the
 * schemas module (valid and invalid) and a set of edge cases go through both, the parser and the networknt
 * validator the schema tests use, and they must agree. What the parser refuses beyond the schema is what
 * the schema cannot see (its class comment lists it); of that, only the believable event-time range can
 * meet a schema-valid record here.
 */
class CallParserSchemaAgreementTest {

    private static final String SCHEMA = "llm.call.v1";
    private static final CallParser PARSER = new CallParser(64 * 1024);

    static Stream<Example> examples() {
        return Stream.concat(ContractExamples.valid(SCHEMA).stream(), ContractExamples.invalid(SCHEMA).stream());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void parserAndSchemaAgreeOnEveryExample(Example example) {
        ParseResult parsed = PARSER.parse(example.json().getBytes(StandardCharsets.UTF_8));
        List<SchemaCatalog.Problem> problems = SchemaCatalog.problems(SCHEMA, example.json());
        assertThat(problems.isEmpty()).as("%s is valid for the schema (%s)", example, problems).isEqualTo(example.valid());
        assertThat(parsed.isValid()).as("%s is accepted by the parser (%s)", example, parsed.detail()).isEqualTo(example.valid());
        if (!example.valid()) {
            assertThat(parsed.reason()).as("%s", example).isEqualTo(DeadLetter.SCHEMA_VIOLATION);
            // The dead letter names the field the schema objects to.
            String location = problems.get(0).location();
            if (!location.equals("/")) {
                assertThat(parsed.detail()).as("%s", example).contains(location.substring(1));
            }
        }
    }

    /** One call with one field replaced by the given JSON text. */
    private static String callWith(String field, String json) {
        StringBuilder b = new StringBuilder("{");
        String[][] fields = {
                {"event_id", "\"01JDQ6Z9K3V7W2M8H4T5R6Y7X1\""}, {"timestamp", "\"2026-11-27T03:12:45.120Z\""},
                {"provider", "\"anthropic\""}, {"model", "\"claude-fable-5\""}, {"region", "\"us-east-1\""},
                {"tenant", "\"support-bot\""}, {"status_code", "200"}, {"latency_ms", "182.4"}};
        for (String[] f : fields) {
            b.append(b.length() > 1 ? "," : "").append('"').append(f[0]).append("\":")
                    .append(f[0].equals(field) ? json : f[1]);
        }
        if (Stream.of(fields).noneMatch(f -> f[0].equals(field))) {
            b.append(",\"").append(field).append("\":").append(json);
        }
        return b.append('}').toString();
    }

    private static String quoted(String s) {
        return "\"" + s + "\"";
    }

    static Stream<String> edgeCases() {
        String emoji = "\uD83D\uDE00";
        return Stream.of(
                // integers as JSON Schema has them
                callWith("status_code", "200.0"), callWith("status_code", "2e2"), callWith("status_code", "599.0"),
                callWith("status_code", "599.5"), callWith("status_code", "6e2"), callWith("status_code", "-0.0"),
                callWith("input_tokens", "10.0"), callWith("input_tokens", "1.5"), callWith("output_tokens", "1e3"),
                callWith("input_tokens", "9007199254740991"), callWith("input_tokens", "9007199254740992"),
                callWith("output_tokens", "99999999999999999999"), callWith("latency_ms", "-0.0"),
                callWith("latency_ms", "1e308"), callWith("ttft_ms", "0"),
                // timestamps: the schema's pattern and date-time format
                callWith("timestamp", quoted("2026-11-27T03:12:45+20:00")), callWith("timestamp", quoted("2026-11-27T03:12:45-23:59")),
                callWith("timestamp", quoted("2026-11-27T03:12:45-00:00")), callWith("timestamp", quoted("2026-11-27T24:00:00Z")),
                callWith("timestamp", quoted("2026-11-27t03:12:45z")), callWith("timestamp", quoted("2026-11-27T03:12Z")),
                callWith("timestamp", quoted("2024-02-29T00:00:00Z")), callWith("timestamp", quoted("2025-02-29T00:00:00Z")),
                callWith("timestamp", quoted("2026-11-27T03:12:45.1234567891Z")), callWith("timestamp", quoted("2026-11-27T03:12:45+02:00:00")),
                callWith("timestamp", quoted("2026-11-27T03:12:45+24:00")), callWith("timestamp", quoted("2026-11-27T03:12:60Z")),
                callWith("timestamp", quoted("2026-11-27T03:12:45.Z")), callWith("timestamp", quoted("2026-11-27T03:12:45+0200")),
                // lengths in code points, whitespace as the validator's \s
                callWith("model", quoted(emoji.repeat(256))), callWith("model", quoted(emoji.repeat(257))),
                callWith("model", quoted("claude\u00a0fable")), callWith("model", quoted("claude\\tfable")),
                callWith("model", quoted("meta-llama/Llama-4@2025")), callWith("provider", quoted("aws.bedrock\\n")),
                callWith("provider", quoted("a/b")), callWith("provider", quoted("p".repeat(64))),
                callWith("region", quoted("")), callWith("region", quoted("r".repeat(64))), callWith("region", quoted("r".repeat(65))),
                callWith("region", quoted(emoji.repeat(64))), callWith("region", "null"), callWith("tenant", quoted("t".repeat(128))),
                callWith("tenant", quoted("t".repeat(129))), callWith("tenant", quoted("search team")),
                callWith("error_type", quoted("e".repeat(256))), callWith("error_type", quoted("e".repeat(257))),
                callWith("error_type", "null"), callWith("event_id", quoted("")), callWith("event_id", quoted(emoji.repeat(128))),
                // what producers add is ignored
                callWith("x_trace", "{\"span\":[1,{\"deep\":null}],\"s\":\"\"}"));
    }

    @ParameterizedTest
    @MethodSource("edgeCases")
    void parserAndSchemaAgreeOnEdgeCases(String json) {
        ParseResult parsed = PARSER.parse(json.getBytes(StandardCharsets.UTF_8));
        List<String> problems = SchemaCatalog.validate(SCHEMA, json);
        assertThat(parsed.isValid()).as("parser: %s; schema: %s; for %s", parsed.detail(), problems, json)
                .isEqualTo(problems.isEmpty());
    }

    @Test
    void theEdgeCasesHaveTeethBothWays() {
        long accepted = edgeCases().filter(j -> SchemaCatalog.validate(SCHEMA, j).isEmpty()).count();
        assertThat(accepted).isBetween(10L, edgeCases().count() - 10);
    }

    @Test
    void anUnbelievableEventTimeIsTheOneSchemaValidRecordTheParserRefuses() {
        String json = callWith("timestamp", quoted("1999-12-31T23:59:59Z"));
        assertThat(SchemaCatalog.validate(SCHEMA, json)).isEmpty();
        assertThat(PARSER.parse(json.getBytes(StandardCharsets.UTF_8)).reason()).isEqualTo(DeadLetter.TIMESTAMP_OUT_OF_RANGE);
    }
}
