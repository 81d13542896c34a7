package io.modelhealth.topology;

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
import java.util.List;

/**
 * The {@code override.v1} JSON Schema, applied to every override record before it is read. Overrides are
 * written by hand, and the schema is the one promise made to their authors: a misspelt field, a string where
 * a boolean belongs, an override that does nothing must be dead-lettered, not coerced or ignored, which
 * Jackson binding alone does not do. The schema is loaded once, from the jar of the schemas module, so the
 * app and the published contract cannot drift apart. Format assertions are on: draft 2020-12 only
 * annotates {@code format} by default, and {@code until} must be a real date-time.
 */
final class OverrideSchema {

    static final String RESOURCE = "io/modelhealth/schemas/json/override.v1.schema.json";

    private static final Schema SCHEMA = load();

    private OverrideSchema() {
    }

    /**
     * The schema's objections to {@code json}, each as {@code <JSON pointer>: <message> [<keyword>]}, the
     * pointer {@code /} for the document itself; empty when the document is a valid override.
     */
    static List<String> problems(String json) {
        List<Error> errors = SCHEMA.validate(json, InputFormat.JSON);
        return errors.stream()
                .map(e -> {
                    String pointer = e.getInstanceLocation().toString();
                    return (pointer.isEmpty() ? "/" : pointer) + ": " + e.getMessage() + " [" + e.getKeyword() + "]";
                })
                .toList();
    }

    private static Schema load() {
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                builder -> builder.schemaRegistryConfig(SchemaRegistryConfig.builder()
                        .formatAssertionsEnabled(true)
                        .pathType(PathType.JSON_POINTER)
                        .build()));
        try (InputStream in = OverrideSchema.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("schema " + RESOURCE + " is not on the classpath (model-health-schemas jar)");
            }
            Schema schema = registry.getSchema(new String(in.readAllBytes(), StandardCharsets.UTF_8), InputFormat.JSON);
            // Resolve every $ref now, so a broken schema fails as the class loads, not halfway through an override.
            schema.initializeValidators();
            return schema;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
