package io.modelhealth.cli;

import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --config F}, shared by every command that reads the configuration. */
final class ConfigOptions {

    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML config file (default: $MODEL_HEALTH_CONFIG, else built-in defaults). "
                    + "Layering: defaults < file < MODEL_HEALTH_* env < flags.")
    Path file;

    /** Loads the layered config; {@code flags} are dotted keys set by this command's own options (null = not given). */
    AppConfig load(Map<String, String> flags) {
        Map<String, String> nonNull = new LinkedHashMap<>();
        flags.forEach((k, v) -> {
            if (v != null) {
                nonNull.put(k, v);
            }
        });
        return ConfigLoader.load(file, System.getenv(), nonNull);
    }
}
