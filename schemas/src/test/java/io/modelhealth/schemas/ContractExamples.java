package io.modelhealth.schemas;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The example documents of the schemas, read from the classpath: {@code examples/valid/<schema>/*.json}
 * and {@code examples/invalid/<schema>/*.json}. Works from a directory (this module's tests) and from
 * the test-jar (other modules' tests), so the app can replay the same examples through its topology.
 */
public final class ContractExamples {

    /** One example file. {@code name} is the file name without {@code .json}; it says what the example shows. */
    public record Example(String schemaName, String name, boolean valid, String json) {
        @Override
        public String toString() {
            return (valid ? "valid/" : "invalid/") + schemaName + "/" + name + ".json";
        }
    }

    private ContractExamples() {
    }

    /** The valid examples of one schema, sorted by name; empty when there are none. */
    public static List<Example> valid(String schemaName) {
        return list(schemaName, true);
    }

    /** The invalid examples of one schema, sorted by name; empty when there are none. */
    public static List<Example> invalid(String schemaName) {
        return list(schemaName, false);
    }

    /** The valid examples of every schema. */
    public static List<Example> allValid() {
        return SchemaCatalog.schemaNames().stream().flatMap(s -> valid(s).stream()).toList();
    }

    /** The invalid examples of every schema. */
    public static List<Example> allInvalid() {
        return SchemaCatalog.schemaNames().stream().flatMap(s -> invalid(s).stream()).toList();
    }

    /** The names of the directories under {@code examples/valid} or {@code examples/invalid}. */
    public static List<String> directories(boolean valid) {
        Path root = classpathDirectory("examples/" + (valid ? "valid" : "invalid"));
        if (root == null) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(root)) {
            return children.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString().replace("/", ""))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Example> list(String schemaName, boolean valid) {
        Path dir = classpathDirectory("examples/" + (valid ? "valid/" : "invalid/") + schemaName);
        if (dir == null) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".json"))
                    .sorted()
                    .map(p -> new Example(schemaName, p.getFileName().toString().replaceFirst("\\.json$", ""), valid, read(p)))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A classpath directory as a {@link Path}, opening the jar's file system when it lives in a jar; null when absent. */
    private static synchronized Path classpathDirectory(String resource) {
        URL url = ContractExamples.class.getClassLoader().getResource(resource);
        if (url == null) {
            return null;
        }
        try {
            URI uri = url.toURI();
            if ("jar".equals(uri.getScheme())) {
                try {
                    // Left open on purpose: the Paths handed out stay usable for the life of the test JVM.
                    FileSystems.newFileSystem(uri, Map.of());
                } catch (FileSystemAlreadyExistsException alreadyOpen) {
                    // another call opened it: Path.of(uri) finds it
                }
            }
            return Path.of(uri);
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException("cannot read classpath directory " + resource, e);
        }
    }
}
