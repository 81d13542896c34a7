package io.modelhealth.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhealth.cli.Main;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The Dockerfile, read as instructions (no Docker engine needed): a Maven build stage, a JRE runtime
 * stage that runs the shaded jar as a non-root user with container-sized heap, and settings that
 * match the app (its port, its commands, its state directory, the jar the build really produces).
 */
class DockerfileTest {

    /** The image's user and group id; the Kubernetes securityContext must use the same. */
    static final int IMAGE_UID = 10001;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static List<String> instructions;
    private static Path root;

    @BeforeAll
    static void read() throws IOException {
        root = DeployFiles.repoRoot();
        instructions = instructions(Files.readString(root.resolve("Dockerfile")));
    }

    @Test
    void buildsWithMavenAndRunsOnAJre() {
        List<String> from = all("FROM");
        assertThat(from).hasSize(2);
        assertThat(from.get(0)).isEqualTo("maven:3.9-eclipse-temurin-17 AS build");
        assertThat(from.get(1)).isEqualTo("eclipse-temurin:17-jre");
        String build = all("RUN").get(0);
        assertThat(build).contains("mvn -B -q -DskipTests").contains("-pl streams-app -am").endsWith("package");
    }

    @Test
    void copiesTheJarTheBuildProduces() throws IOException {
        String pom = Files.readString(root.resolve("streams-app/pom.xml"));
        Matcher finalName = Pattern.compile("<finalName>([^<]+)</finalName>").matcher(pom);
        assertThat(finalName.find()).as("shade finalName in streams-app/pom.xml").isTrue();
        assertThat(all("COPY")).contains("--from=build /src/streams-app/target/" + finalName.group(1) + ".jar /app/model-health.jar");
    }

    @Test
    void runsTheJarWithContainerSizedMemoryAndRunAsTheDefaultCommand() throws IOException {
        JsonNode entrypoint = JSON.readTree(one("ENTRYPOINT"));
        assertThat(entrypoint).extracting(JsonNode::asText).containsExactly(
                "java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/model-health.jar");
        JsonNode cmd = JSON.readTree(one("CMD"));
        assertThat(cmd).extracting(JsonNode::asText).containsExactly("run");
        assertThat(new CommandLine(new Main()).getSubcommands()).containsKeys("run", "demo", "simulate", "topics", "backtest");
        assertThat(one("EXPOSE")).isEqualTo(Integer.toString(AppConfig.defaults().http().port()));
    }

    @Test
    void runsAsANumericNonRootUserThatOwnsTheStateVolume() {
        assertThat(one("USER")).isEqualTo(IMAGE_UID + ":" + IMAGE_UID);
        assertThat(all("RUN").get(1)).contains("useradd --system --uid " + IMAGE_UID)
                .contains("chown " + IMAGE_UID + ":" + IMAGE_UID + " /var/lib/model-health");
        assertThat(one("VOLUME")).isEqualTo("[\"/var/lib/model-health\"]");
    }

    @Test
    void theImagesEnvironmentPutsKafkaStreamsStateOnTheVolume() {
        Map<String, String> env = new LinkedHashMap<>();
        for (String e : all("ENV")) {
            String[] kv = e.split("=", 2);
            env.put(kv[0], kv[1]);
        }
        AppConfig config = ConfigLoader.load(null, env, Map.of());
        assertThat(config.kafka()).containsEntry("state.dir", "/var/lib/model-health");
    }

    @Test
    void theRuntimeImageHasCurlForTheComposeHealthchecks() {
        assertThat(all("RUN").get(1)).contains("command -v curl").contains("apt-get install -y --no-install-recommends curl");
        JsonNode compose = DeployFiles.readYaml(DeployFiles.deploy("compose/docker-compose.yml"));
        assertThat(compose.at("/services/model-health-1/healthcheck/test/1").asText()).isEqualTo("curl");
    }

    @Test
    void theBuildContextKeepsWhatTheBuildNeedsAndDropsTheRest() throws IOException {
        List<String> ignored = Files.readAllLines(root.resolve(".dockerignore")).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(ignored).contains(".git", "**/target");
        String parentPom = Files.readString(root.resolve("pom.xml"));
        List<String> needed = new ArrayList<>(List.of("pom.xml"));
        Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(parentPom);
        while (module.find()) {
            needed.add(module.group(1));
        }
        assertThat(needed).contains("schemas", "streams-app");
        for (String path : needed) {
            assertThat(ignored).as("%s is needed by the Maven reactor", path)
                    .noneMatch(pattern -> pattern.equals(path) || pattern.equals("/" + path) || pattern.equals(path + "/"));
        }
    }

    // ---- a tiny Dockerfile reader: continuation lines joined, comments dropped, "KEYWORD args" kept

    private static List<String> instructions(String dockerfile) {
        List<String> result = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : dockerfile.split("\n")) {
            String stripped = line.strip();
            if (stripped.startsWith("#") || stripped.isEmpty() && current.length() == 0) {
                continue;
            }
            if (stripped.endsWith("\\")) {
                current.append(stripped, 0, stripped.length() - 1).append(' ');
                continue;
            }
            current.append(stripped);
            result.add(current.toString().replaceAll("\\s+", " ").strip());
            current.setLength(0);
        }
        return result;
    }

    private static List<String> all(String keyword) {
        List<String> found = new ArrayList<>();
        for (String i : instructions) {
            if (i.startsWith(keyword + " ")) {
                String args = i.substring(keyword.length() + 1).strip();
                if (keyword.equals("ENV") || keyword.equals("LABEL")) {
                    found.addAll(List.of(args.split(" (?=[A-Za-z_.]+=)")));
                } else {
                    found.add(args);
                }
            }
        }
        return found;
    }

    private static String one(String keyword) {
        List<String> found = all(keyword);
        assertThat(found).as(keyword).hasSize(1);
        return found.get(0);
    }
}
