package io.modelhealth.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhealth.schemas.ContractExamples.Example;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every valid example read into its Java record through {@link ContractSerdes} and written again:
 * the result still matches the schema, reads back to an equal record, and has kept every value of
 * the example. The last check matters because readers ignore unknown fields: a record component whose
 * JSON name differs from the schema would silently read as null and round-trip "successfully".
 */
class RoundTripTest {

    private static final String TOPIC = "round-trip";

    static Stream<Example> validExamples() {
        return ContractExamples.allValid().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validExamples")
    void validExampleSurvivesARoundTripThroughItsRecord(Example example) throws Exception {
        JsonSerde<Object> serde = serde(example.schemaName());

        Object record = serde.deserialize(TOPIC, example.json().getBytes(StandardCharsets.UTF_8));
        assertThat(record).isInstanceOf(serde.type());
        byte[] written = serde.serialize(TOPIC, record);
        String json = new String(written, StandardCharsets.UTF_8);

        assertThat(SchemaCatalog.validate(example.schemaName(), json)).as("problems with re-serialized %s: %s", example, json).isEmpty();
        Object reread = serde.deserialize(TOPIC, written);
        assertThat(reread).isEqualTo(record);
        assertThat(serde.serialize(TOPIC, reread)).as("serialization is deterministic").isEqualTo(written);

        JsonNode original = Json.mapper().readTree(example.json());
        JsonNode rewritten = Json.mapper().readTree(json);
        Set<String> schemaProperties = schemaProperties(example.schemaName());
        for (Map.Entry<String, JsonNode> field : original.properties()) {
            if (!schemaProperties.contains(field.getKey()) || field.getValue().isNull()) {
                continue; // a producer's own field, or an explicit null: the record does not keep them
            }
            assertSameValue(field.getKey(), field.getValue(), rewritten.get(field.getKey()));
        }
    }

    @SuppressWarnings("unchecked")
    private static JsonSerde<Object> serde(String schemaName) {
        return (JsonSerde<Object>) SchemaCatalog.serde(schemaName);
    }

    private static Set<String> schemaProperties(String schemaName) throws Exception {
        Set<String> names = new HashSet<>();
        Json.mapper().readTree(SchemaCatalog.schemaText(schemaName)).path("properties").fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** Equal as JSON values, where 0 equals 0.0 and timestamps are compared as instants. */
    private static void assertSameValue(String path, JsonNode expected, JsonNode actual) {
        assertThat(actual).as("%s was lost in the round trip", path).isNotNull();
        if (expected.isObject()) {
            assertThat(actual.isObject()).as("%s is an object", path).isTrue();
            expected.properties().forEach(e -> assertSameValue(path + "/" + e.getKey(), e.getValue(), actual.get(e.getKey())));
            assertThat(actual.size()).as("%s has the same members", path).isEqualTo(expected.size());
        } else if (expected.isNumber()) {
            assertThat(actual.isNumber()).as("%s is a number", path).isTrue();
            assertThat(actual.decimalValue()).as(path).isEqualByComparingTo(new BigDecimal(expected.asText()));
        } else if (expected.isTextual() && isTimestamp(expected.asText())) {
            assertThat(OffsetDateTime.parse(actual.asText()).toInstant()).as(path).isEqualTo(OffsetDateTime.parse(expected.asText()).toInstant());
        } else {
            assertThat(actual).as(path).isEqualTo(expected);
        }
    }

    private static boolean isTimestamp(String text) {
        try {
            OffsetDateTime.parse(text);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }
}
