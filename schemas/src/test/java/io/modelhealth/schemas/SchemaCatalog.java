package io.modelhealth.schemas;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.PathType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The JSON Schemas of every contract record, loaded from the classpath
 * ({@code io/modelhealth/schemas/json/<name>.schema.json}), and validation of JSON text against them.
 * Shipped in the test-jar so that other modules prove that what they serialize is what the schemas say:
 *
 * <pre>{@code
 * SchemaCatalog.assertValid(rerouteCommand);                       // schema chosen by record type
 * List<String> problems = SchemaCatalog.validate("llm.call.v1", json);  // empty when valid
 * }</pre>
 *
 * <p>Format assertions are on (draft 2020-12 treats {@code format} as an annotation by default), so
 * {@code "format": "date-time"} rejects impossible dates such as 2025-02-30. Built on networknt
 * json-schema-validator 3.x, which parses with Jackson 3 ({@code tools.jackson}); the records use
 * Jackson 2, so the two meet only as JSON text. A module using this class needs
 * {@code com.networknt:json-schema-validator} on its test classpath itself: test-scoped dependencies
 * of a test-jar are not transitive. Jackson 3.1 also needs {@code jackson-annotations} 2.21 on that
 * classpath (see this module's surefire configuration) until the parent's Jackson 2 BOM is 2.21 or later.
 */
public final class SchemaCatalog {

    /** Schema name to the serde of its record, in the order of the topic table. */
    private static final Map<String, JsonSerde<?>> SERDES = serdes();

    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2020_12,
            builder -> builder.schemaRegistryConfig(SchemaRegistryConfig.builder()
                    .formatAssertionsEnabled(true)
                    .pathType(PathType.JSON_POINTER)
                    .build()));

    private static final Map<String, Schema> SCHEMAS = SERDES.keySet().stream()
            .collect(Collectors.toMap(name -> name, SchemaCatalog::load, (a, b) -> a, LinkedHashMap::new));

    /**
     * One reason why a JSON document does not match its schema.
     *
     * @param location JSON pointer of the offending value; {@code /} for the document itself
     * @param keyword  the schema keyword that failed, e.g. {@code required}, {@code maximum}
     * @param message  what is wrong, for people
     */
    public record Problem(String location, String keyword, String message) {
        @Override
        public String toString() {
            return location + ": " + message + " [" + keyword + "]";
        }
    }

    private SchemaCatalog() {
    }

    private static Map<String, JsonSerde<?>> serdes() {
        Map<String, JsonSerde<?>> m = new LinkedHashMap<>();
        m.put("llm.call.v1", ContractSerdes.LLM_CALL);
        m.put("dead-letter.v1", ContractSerdes.DEAD_LETTER);
        m.put("model.health.window.v1", ContractSerdes.HEALTH_WINDOW);
        m.put("model.health.anomaly.v1", ContractSerdes.ANOMALY);
        m.put("model.health.state.v1", ContractSerdes.ROUTE_STATUS);
        m.put("alert.v1", ContractSerdes.ALERT);
        m.put("reroute.command.v1", ContractSerdes.REROUTE_COMMAND);
        m.put("override.v1", ContractSerdes.OVERRIDE);
        return m;
    }

    /** The names of all schemas, e.g. {@code llm.call.v1}. */
    public static List<String> schemaNames() {
        return List.copyOf(SERDES.keySet());
    }

    /** Where the schema lives on the classpath (and in the jar). */
    public static String resourcePath(String schemaName) {
        requireKnown(schemaName);
        return "io/modelhealth/schemas/json/" + schemaName + ".schema.json";
    }

    /** The schema document itself, as JSON text. */
    public static String schemaText(String schemaName) {
        String path = resourcePath(schemaName);
        try (InputStream in = SchemaCatalog.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("schema " + path + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The serde of the record a schema describes. */
    public static JsonSerde<?> serde(String schemaName) {
        requireKnown(schemaName);
        return SERDES.get(schemaName);
    }

    /** The schema that describes a record type, e.g. {@code reroute.command.v1} for {@link RerouteCommand}. */
    public static String schemaNameFor(Class<?> recordType) {
        return SERDES.entrySet().stream()
                .filter(e -> e.getValue().type().equals(recordType))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        recordType.getName() + " is not a top-level contract record; known: " + schemaNames()));
    }

    /** Every reason why {@code json} does not match the schema; empty when it does. */
    public static List<Problem> problems(String schemaName, String json) {
        requireKnown(schemaName);
        List<Error> errors = SCHEMAS.get(schemaName).validate(json, InputFormat.JSON);
        return errors.stream()
                .map(e -> {
                    String pointer = e.getInstanceLocation().toString();
                    return new Problem(pointer.isEmpty() ? "/" : pointer, e.getKeyword(), e.getMessage());
                })
                .toList();
    }

    /** Every reason why {@code json} does not match the schema, as readable lines; empty when it does. */
    public static List<String> validate(String schemaName, String json) {
        return problems(schemaName, json).stream().map(Problem::toString).toList();
    }

    /** Serializes {@code record} with {@link Json#mapper()} and fails unless the result matches the schema. */
    public static void assertValid(String schemaName, Object record) {
        String json = toJson(record);
        List<String> problems = validate(schemaName, json);
        if (!problems.isEmpty()) {
            throw new AssertionError("a " + record.getClass().getSimpleName() + " serialized to JSON that does not match "
                    + schemaName + ":\n  " + String.join("\n  ", problems) + "\nJSON: " + json);
        }
    }

    /** {@link #assertValid(String, Object)} with the schema chosen by the record's type. */
    public static void assertValid(Object record) {
        assertValid(schemaNameFor(record.getClass()), record);
    }

    /** The record as the app writes it: {@link Json#mapper()}. */
    public static String toJson(Object record) {
        try {
            return Json.mapper().writeValueAsString(record);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize " + record.getClass().getName(), e);
        }
    }

    private static Schema load(String schemaName) {
        Schema schema = REGISTRY.getSchema(schemaText(schemaName), InputFormat.JSON);
        // Resolve every $ref now, so a broken schema fails here rather than on the first document.
        schema.initializeValidators();
        return schema;
    }

    private static void requireKnown(String schemaName) {
        if (!SERDES.containsKey(schemaName)) {
            throw new IllegalArgumentException("unknown schema '" + schemaName + "'; known: " + SERDES.keySet());
        }
    }
}
