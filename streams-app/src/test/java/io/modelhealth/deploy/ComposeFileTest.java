package io.modelhealth.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.kafka.KafkaBrokerExtension;
import io.modelhealth.scenario.Scenarios;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/compose/docker-compose.yml, checked without a Docker engine: the services and their order
 * (healthchecks and {@code depends_on} conditions), a KRaft broker the others can reach, two monitor
 * instances that differ only where they must (name, {@code application.server}, port, state volume),
 * configuration the app accepts, and mounted files that exist.
 */
class ComposeFileTest {

    private static final List<String> APPS = List.of("model-health-1", "model-health-2");
    /** Mounted files that other parts of the repository provide (Prometheus, Alertmanager, Grafana). */
    private static final List<String> PROVIDED_ELSEWHERE = List.of("../prometheus/", "../alertmanager/", "../grafana/",
            "../../dashboards");

    private static Path composeDir;
    private static JsonNode services;

    @BeforeAll
    static void read() {
        composeDir = DeployFiles.deploy("compose");
        services = DeployFiles.readYaml(composeDir.resolve("docker-compose.yml")).path("services");
    }

    @Test
    void hasTheWholeStack() {
        List<String> names = new ArrayList<>();
        services.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrder("kafka", "topics", "model-health-1", "model-health-2", "simulate",
                "prometheus", "alertmanager", "grafana", "otel-collector");
        for (String name : List.of("kafka", "model-health-1", "model-health-2", "prometheus", "alertmanager", "grafana")) {
            assertThat(services.at("/" + name + "/healthcheck/test").size()).as("healthcheck of %s", name).isGreaterThan(1);
        }
    }

    @Test
    void kafkaIsASingleNodeKraftBrokerTheOtherContainersCanReach() {
        JsonNode kafka = services.path("kafka");
        // The same image the Testcontainers path of the integration tests uses.
        assertThat(kafka.path("image").asText()).isEqualTo(KafkaBrokerExtension.KAFKA_IMAGE);
        JsonNode env = kafka.path("environment");
        assertThat(env.path("KAFKA_PROCESS_ROLES").asText()).isEqualTo("broker,controller");
        assertThat(env.path("KAFKA_CONTROLLER_QUORUM_VOTERS").asText()).isEqualTo("1@kafka:9093");
        assertThat(env.path("KAFKA_ADVERTISED_LISTENERS").asText()).contains("PLAINTEXT://kafka:9092");
        assertThat(env.path("KAFKA_AUTO_CREATE_TOPICS_ENABLE").asText()).isEqualTo("false");
        assertThat(env.path("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR").asInt()).as("exactly-once on one node").isEqualTo(1);
        // kafka-storage format rejects anything but a base64url UUID.
        assertThat(Uuid.fromString(env.path("CLUSTER_ID").asText())).isNotNull();
        assertThat(kafka.at("/healthcheck/test/1").asText()).contains("kafka-broker-api-versions.sh --bootstrap-server localhost:9092");
        assertThat(kafka.path("volumes").get(0).asText()).endsWith(":" + env.path("KAFKA_LOG_DIRS").asText());

        String bootstrap = "kafka:9092";
        assertThat(command("topics")).containsExactly("topics", "--bootstrap-servers", bootstrap);
        assertThat(command("simulate")).containsSubsequence("--bootstrap-servers", bootstrap);
        for (String app : APPS) {
            assertThat(services.at("/" + app + "/environment/MODEL_HEALTH_KAFKA_BOOTSTRAP_SERVERS").asText()).isEqualTo(bootstrap);
        }
    }

    @Test
    void startsInOrderKafkaThenTopicsThenTheMonitorsThenTheLoad() {
        assertThat(condition("topics", "kafka")).isEqualTo("service_healthy");
        assertThat(services.at("/topics/restart").asText()).isEqualTo("no");
        for (String app : APPS) {
            assertThat(condition(app, "kafka")).isEqualTo("service_healthy");
            assertThat(condition(app, "topics")).isEqualTo("service_completed_successfully");
            assertThat(command(app)).containsExactly("run");
        }
        assertThat(condition("simulate", "topics")).isEqualTo("service_completed_successfully");
        assertThat(condition("simulate", "model-health-1")).isEqualTo("service_healthy");
        assertThat(condition("simulate", "model-health-2")).isEqualTo("service_healthy");
        assertThat(condition("prometheus", "alertmanager")).isEqualTo("service_healthy");
        assertThat(condition("grafana", "prometheus")).isEqualTo("service_healthy");
        // The load loops: the scenario ends, Docker starts it again.
        assertThat(services.at("/simulate/restart").asText()).isEqualTo("unless-stopped");
        List<String> simulate = command("simulate");
        String scenario = simulate.get(simulate.indexOf("--scenario") + 1);
        assertThat(Scenarios.byName(scenario).name()).isEqualTo("demo");
    }

    @Test
    void theMonitorsAreHealthcheckedOnReadyzAndStopCleanly() {
        for (String app : APPS) {
            JsonNode check = services.at("/" + app + "/healthcheck/test");
            assertThat(check.toString()).contains("http://localhost:8080/readyz");
            assertThat(services.at("/" + app + "/stop_grace_period").asText()).isEqualTo("60s");
        }
    }

    @Test
    void theTwoMonitorsDifferOnlyInNameApplicationServerPortAndStateVolume() {
        List<String> servers = new ArrayList<>();
        List<String> stateVolumes = new ArrayList<>();
        List<JsonNode> rest = new ArrayList<>();
        for (String app : APPS) {
            ObjectNode service = services.path(app).deepCopy();
            String server = service.at("/environment/MODEL_HEALTH_KAFKA_APPLICATION_SERVER").asText();
            // Peers reach each other by service name on the compose network, on the app's port.
            assertThat(server).isEqualTo(app + ":8080");
            assertThat(service.path("hostname").asText()).isEqualTo(app);
            servers.add(server);
            List<String> volumes = new ArrayList<>();
            service.path("volumes").forEach(v -> volumes.add(v.asText()));
            String state = volumes.stream().filter(v -> v.endsWith(":/var/lib/model-health")).findFirst()
                    .orElseThrow(() -> new AssertionError(app + " keeps no state volume at /var/lib/model-health"));
            stateVolumes.add(state);
            assertThat(DeployFiles.readYaml(composeDir.resolve("docker-compose.yml")).at("/volumes").has(state.split(":")[0]))
                    .as("named volume %s declared", state).isTrue();
            ((ObjectNode) service.path("environment")).remove("MODEL_HEALTH_KAFKA_APPLICATION_SERVER");
            service.remove(List.of("hostname", "ports", "volumes"));
            rest.add(service);
        }
        assertThat(servers).doesNotHaveDuplicates();
        assertThat(stateVolumes).doesNotHaveDuplicates();
        assertThat(rest.get(0)).isEqualTo(rest.get(1));
        assertThat(services.at("/model-health-1/ports/0").asText()).isNotEqualTo(services.at("/model-health-2/ports/0").asText());
    }

    /** The mounted config file and each instance's environment, loaded by the app's own ConfigLoader. */
    @Test
    void eachMonitorsConfigurationIsOneTheAppAccepts() {
        for (String app : APPS) {
            JsonNode service = services.path(app);
            Map<String, String> env = new LinkedHashMap<>();
            service.path("environment").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
            Path file = hostPathOf(service, env.remove("MODEL_HEALTH_CONFIG"));

            AppConfig config = ConfigLoader.load(file, env, Map.of());

            assertThat(config.kafka()).containsEntry("application.server", app + ":8080")
                    .containsEntry("num.standby.replicas", "1")
                    .containsEntry("bootstrap.servers", "kafka:9092");
            assertThat(config.http().port()).isEqualTo(8080);
            assertThat(config.alerts().alertmanagerUrl()).isEqualTo("http://alertmanager:9093");
            assertThat(service.path("ports").get(0).asText()).endsWith(":" + config.http().port());
            // The load generator's fallback chains, so that its incidents end in reroutes.
            Map<String, List<String>> chains = new LinkedHashMap<>();
            config.routes().forEach((route, settings) -> chains.put(route, settings.fallbacks()));
            assertThat(chains).isEqualTo(Scenarios.FALLBACKS);
        }
        for (String oneShot : List.of("topics", "simulate")) {
            JsonNode service = services.path(oneShot);
            Path file = hostPathOf(service, service.at("/environment/MODEL_HEALTH_CONFIG").asText());
            assertThat(ConfigLoader.load(file, Map.of(), Map.of()).topics())
                    .isEqualTo(ConfigLoader.load(hostPathOf(services.path("model-health-1"),
                            services.at("/model-health-1/environment/MODEL_HEALTH_CONFIG").asText()), Map.of(), Map.of()).topics());
        }
    }

    /**
     * Every bind mount's source exists, relative to the compose file. Sources that other parts of the
     * repository provide are checked once they exist; until then they are listed, not failed.
     */
    @Test
    void mountedFilesExist() {
        List<String> pending = new ArrayList<>();
        int checked = 0;
        for (var it = services.fields(); it.hasNext(); ) {
            var service = it.next();
            for (JsonNode v : service.getValue().path("volumes")) {
                String source = v.asText().split(":")[0];
                if (!source.startsWith(".")) {
                    continue; // a named volume
                }
                Path onDisk = composeDir.resolve(source).normalize();
                if (!Files.exists(onDisk) && PROVIDED_ELSEWHERE.stream().anyMatch(source::startsWith)) {
                    pending.add(service.getKey() + ": " + source);
                    continue;
                }
                assertThat(onDisk).as("%s mounts %s", service.getKey(), source).exists();
                checked++;
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(4);
        if (!pending.isEmpty()) {
            System.out.println("ComposeFileTest: not yet in the repository, not checked: " + pending);
        }
        // Prometheus gets a file and a directory, Grafana two directories.
        assertThat(services.at("/prometheus/volumes").toString()).contains("../prometheus/prometheus.yml:/etc/prometheus/prometheus.yml")
                .contains("../prometheus/rules:/etc/prometheus/rules");
        assertThat(services.at("/alertmanager/volumes").toString()).contains("../alertmanager/alertmanager.yml:/etc/alertmanager/alertmanager.yml");
        assertThat(services.at("/grafana/volumes").toString()).contains("../grafana/provisioning:/etc/grafana/provisioning")
                .contains("../../dashboards:/var/lib/grafana/dashboards/model-health");
    }

    /**
     * The mounted configs of Prometheus and Grafana point at this stack: rule files inside the mounted
     * rules directory, Alertmanager and Prometheus by their service names and ports, dashboards where
     * they are mounted. Each check runs once its file is in the repository.
     */
    @Test
    void theMountedConfigsPointAtThisStack() {
        int checked = 0;
        Path prometheusYml = composeDir.resolve("../prometheus/prometheus.yml").normalize();
        if (Files.exists(prometheusYml)) {
            JsonNode prometheus = DeployFiles.readYaml(prometheusYml);
            assertThat(prometheus.path("rule_files").size()).isPositive();
            for (JsonNode ruleFile : prometheus.path("rule_files")) {
                // Relative to the config file, /etc/prometheus: inside the mounted rules directory ...
                Path inContainer = Path.of("/etc/prometheus").resolve(ruleFile.asText()).normalize();
                assertThat(inContainer.startsWith(Path.of("/etc/prometheus/rules"))).as(inContainer.toString()).isTrue();
                // ... where the glob matches a file of the repository's rules directory.
                PathMatcher glob = FileSystems.getDefault().getPathMatcher("glob:" + inContainer.getFileName());
                try (var files = Files.list(composeDir.resolve("../prometheus/rules").normalize())) {
                    assertThat(files.map(Path::getFileName)).as("files matching %s", ruleFile.asText()).anyMatch(glob::matches);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            JsonNode alertmanagers = prometheus.at("/alerting/alertmanagers/0/static_configs/0/targets");
            assertThat(alertmanagers).extracting(JsonNode::asText).containsExactly("alertmanager:9093");
            assertThat(services.at("/alertmanager/ports/0").asText()).endsWith(":9093");
            checked++;
        }
        Path dashboards = composeDir.resolve("../grafana/provisioning/dashboards/model-health.yaml").normalize();
        if (Files.exists(dashboards)) {
            assertThat(DeployFiles.readYaml(dashboards).at("/providers/0/options/path").asText())
                    .isEqualTo("/var/lib/grafana/dashboards/model-health");
            checked++;
        }
        Path datasource = composeDir.resolve("../grafana/provisioning/datasources/prometheus.yaml").normalize();
        if (Files.exists(datasource)) {
            assertThat(DeployFiles.readYaml(datasource).at("/datasources/0/url").asText()).isEqualTo("http://prometheus:9090");
            assertThat(services.at("/prometheus/ports/0").asText()).endsWith(":9090");
            checked++;
        }
        System.out.println("ComposeFileTest: " + checked + " of 3 mounted configs present and checked");
    }

    @Test
    void theMonitorImageIsBuiltFromTheRepositorysDockerfile() {
        for (String name : List.of("topics", "model-health-1", "model-health-2", "simulate")) {
            JsonNode service = services.path(name);
            assertThat(service.path("image").asText()).isEqualTo("model-health:local");
            Path context = composeDir.resolve(service.at("/build/context").asText()).normalize();
            assertThat(context.resolve(service.at("/build/dockerfile").asText())).isRegularFile();
            assertThat(context).isEqualTo(DeployFiles.repoRoot());
        }
    }

    // ---- helpers

    private static List<String> command(String service) {
        List<String> args = new ArrayList<>();
        services.at("/" + service + "/command").forEach(a -> args.add(a.asText()));
        return args;
    }

    private static String condition(String service, String dependency) {
        String condition = services.at("/" + service + "/depends_on/" + dependency + "/condition").asText();
        assertThat(condition).as("%s depends on %s", service, dependency).isNotEmpty();
        return condition;
    }

    /** The host file behind a path inside the container, from the service's bind mounts. */
    private static Path hostPathOf(JsonNode service, String containerPath) {
        for (JsonNode v : service.path("volumes")) {
            String[] parts = v.asText().split(":");
            if (parts.length >= 2 && parts[1].equals(containerPath)) {
                return composeDir.resolve(parts[0]).normalize();
            }
        }
        throw new AssertionError(containerPath + " is not mounted");
    }
}
