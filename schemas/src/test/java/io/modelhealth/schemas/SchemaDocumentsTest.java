package io.modelhealth.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The schema documents themselves: well-formed draft 2020-12, identified, described, and in step with
 * the Java records and enums (same property names, same enum values), so neither can drift alone.
 */
class SchemaDocumentsTest {

    private static final String DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema";

    static Stream<String> schemaNames() {
        return SchemaCatalog.schemaNames().stream();
    }

    private static JsonNode schema(String name) throws Exception {
        return Json.mapper().readTree(SchemaCatalog.schemaText(name));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemaNames")
    void isAValidDraft202012SchemaAccordingToTheMetaSchema(String name) {
        Schema meta = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(SchemaLocation.of(DRAFT_2020_12));
        assertThat(meta.validate(SchemaCatalog.schemaText(name), InputFormat.JSON)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemaNames")
    void hasDialectIdTitleAndDescription(String name) throws Exception {
        JsonNode s = schema(name);
        assertThat(s.path("$schema").asText()).isEqualTo(DRAFT_2020_12);
        assertThat(s.path("$id").asText()).isEqualTo("https://modelhealth.io/schemas/" + name + ".json");
        assertThat(s.path("title").asText()).isEqualTo(name);
        assertThat(s.path("description").asText()).hasSizeGreaterThan(40);
        assertThat(s.path("type").asText()).isEqualTo("object");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemaNames")
    void everyPropertyHasADescription(String name) throws Exception {
        List<String> undescribed = new ArrayList<>();
        collectUndescribed(schema(name), "", undescribed);
        assertThat(undescribed).isEmpty();
    }

    /** Walks the declaring subschemas (properties, $defs, items, ...), not the conditions (if, anyOf, ...). */
    private static void collectUndescribed(JsonNode schema, String path, List<String> out) {
        if (!schema.isObject()) {
            return;
        }
        for (String keyword : List.of("properties", "$defs")) {
            schema.path(keyword).properties().forEach(p -> {
                if (keyword.equals("properties") && !p.getValue().hasNonNull("description")) {
                    out.add(path + "/properties/" + p.getKey());
                }
                collectUndescribed(p.getValue(), path + "/" + keyword + "/" + p.getKey(), out);
            });
        }
        for (String keyword : List.of("items", "additionalProperties", "propertyNames")) {
            collectUndescribed(schema.path(keyword), path + "/" + keyword, out);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemaNames")
    void onlyTheInputFromServicesAllowsUnknownFields(String name) throws Exception {
        // Producers of llm.call.v1 may add fields; every other record is written by the app or by operators
        // (where a misspelt field must fail, not be ignored).
        assertThat(schema(name).path("additionalProperties").asBoolean()).isEqualTo(name.equals("llm.call.v1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemaNames")
    void declaresExactlyTheJsonPropertiesOfItsRecord(String name) throws Exception {
        Class<?> type = SchemaCatalog.serde(name).type();
        assertThat(names(schema(name).path("properties"))).isEqualTo(jsonProperties(type));
    }

    @Test
    void evidenceIsDeclaredAlikeInStateAndRerouteCommandAndMatchesItsRecord() throws Exception {
        JsonNode inState = schema("model.health.state.v1").path("$defs").path("evidence");
        JsonNode inCommand = schema("reroute.command.v1").path("$defs").path("evidence");
        assertThat(inState.isObject()).isTrue();
        assertThat(inCommand).isEqualTo(inState);
        assertThat(names(inState.path("properties"))).isEqualTo(jsonProperties(Evidence.class));
    }

    @Test
    void healthStatesMatchTheEnum() throws Exception {
        List<String> states = Arrays.stream(HealthState.values()).map(Enum::name).toList();
        assertThat(strings(schema("model.health.state.v1").path("$defs").path("healthState").path("enum"))).isEqualTo(states);
        assertThat(strings(schema("reroute.command.v1").path("$defs").path("healthState").path("enum"))).isEqualTo(states);
        assertThat(strings(schema("override.v1").path("properties").path("pin_state").path("enum"))).isEqualTo(states);
    }

    @Test
    void outcomeClassesMatchTheEnumsWireNames() throws Exception {
        List<String> classes = Arrays.stream(OutcomeClass.values()).map(OutcomeClass::wireName).toList();
        assertThat(classes).contains("rate_limit", "policy_block");
        assertThat(strings(schema("model.health.window.v1").path("$defs").path("byClass").path("propertyNames").path("enum"))).isEqualTo(classes);
        assertThat(strings(schema("model.health.window.v1").path("properties").path("by_class").path("required"))).isEqualTo(classes);
        assertThat(strings(schema("model.health.state.v1").path("$defs").path("evidence").path("properties").path("by_class")
                .path("propertyNames").path("enum"))).isEqualTo(classes);
    }

    @Test
    void otherEnumsMatchTheJavaConstants() throws Exception {
        assertThat(strings(schema("reroute.command.v1").path("properties").path("action").path("enum")))
                .isEqualTo(Arrays.stream(RerouteAction.values()).map(Enum::name).toList());
        assertThat(strings(schema("dead-letter.v1").path("properties").path("reason").path("enum"))).isEqualTo(DeadLetter.REASONS);
        assertThat(strings(schema("alert.v1").path("properties").path("status").path("enum"))).isEqualTo(List.of(Alert.FIRING, Alert.RESOLVED));
        assertThat(strings(schema("model.health.anomaly.v1").path("properties").path("status").path("enum")))
                .isEqualTo(List.of(Anomaly.OPEN, Anomaly.CLOSE));
        assertThat(strings(schema("override.v1").path("properties").path("reroute").path("enum")))
                .isEqualTo(List.of(RouteOverride.FORCE, RouteOverride.FORBID));
    }

    @Test
    void rerouteCommandDocumentsTheTrafficSplit() throws Exception {
        assertThat(schema("reroute.command.v1").path("description").asText()).contains("weight × (1 − probe_share)");
        RerouteCommand c = new RerouteCommand("a/b#1", "a/b", RerouteAction.REROUTE, "c/d", 1.0, 0.01, "r", HealthState.BLOCKED,
                null, ContractFixtures.T0, ContractFixtures.T0, 1);
        assertThat(c.targetShare()).isEqualTo(0.99, within(1e-12));
    }

    /** The JSON property names Jackson writes for a record type with {@link Json#mapper()}. */
    private static Set<String> jsonProperties(Class<?> type) {
        JavaType javaType = Json.mapper().constructType(type);
        Set<String> names = new TreeSet<>();
        for (BeanPropertyDefinition p : Json.mapper().getSerializationConfig().introspect(javaType).findProperties()) {
            if (p.couldSerialize()) {
                names.add(p.getName());
            }
        }
        return names;
    }

    private static Set<String> names(JsonNode object) {
        Set<String> names = new TreeSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> strings(JsonNode array) {
        assertThat(array.isArray()).as("an array: %s", array).isTrue();
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }
}
