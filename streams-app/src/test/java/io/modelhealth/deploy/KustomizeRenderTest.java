package io.modelhealth.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/k8s as Kubernetes will get it: {@code kubectl kustomize deploy/k8s/overlays/example}, parsed,
 * and checked for what a Kafka Streams app needs to run well there — stable per-pod
 * {@code application.server}, state on a volume, probes on the app's real endpoints, a clean shutdown,
 * standbys, a PDB, non-root on a read-only root filesystem, credentials from a Secret, and a config file
 * that the app itself accepts.
 *
 * <p>Skipped, with the reason, when kubectl (with kustomize v4 or later built in) is not installed.
 */
@ExtendWith(KustomizeRenderTest.KubectlWithKustomize.class)
class KustomizeRenderTest {

    private static final String OVERLAY = "deploy/k8s/overlays/example";
    private static final String NAMESPACE = "model-health";
    private static final String IMAGE = "registry.example.com/model-health:0.1.0";
    /** Kafka Streams' close timeout in ModelHealthApp.close(). */
    private static final int STREAMS_CLOSE_SECONDS = 30;

    private static List<JsonNode> objects;
    private static JsonNode statefulSet;
    private static JsonNode app;
    private static JsonNode job;

    @TempDir
    Path tmp;

    /** Runs the class only where kubectl with a kustomize of v4 or later is installed; says why not. */
    static final class KubectlWithKustomize implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            Optional<Path> kubectl = Tools.find("kubectl");
            if (kubectl.isEmpty()) {
                return ConditionEvaluationResult.disabled("kubectl is not installed: the Kubernetes manifests are not rendered");
            }
            Tools.Result version = Tools.run(DeployFiles.repoRoot(),
                    List.of(kubectl.get().toString(), "version", "--client", "-o", "json"));
            String kustomize = version.exitCode() == 0
                    ? DeployFiles.readAllYaml(version.stdout()).get(0).path("kustomizeVersion").asText("") : "";
            Matcher major = Pattern.compile("v(\\d+)\\.").matcher(kustomize);
            if (!major.find() || Integer.parseInt(major.group(1)) < 4) {
                return ConditionEvaluationResult.disabled("kubectl's built-in kustomize is too old or unknown ('" + kustomize
                        + "'): the manifests use kustomize v4+ fields (labels, patches, replicas)");
            }
            return ConditionEvaluationResult.enabled("kubectl with kustomize " + kustomize);
        }
    }

    @BeforeAll
    static void render() {
        objects = renderDir(Tools.find("kubectl").orElseThrow(), OVERLAY);
        statefulSet = one("StatefulSet", "model-health");
        app = statefulSet.at("/spec/template/spec/containers/0");
        job = one("Job", "model-health-topics");
    }

    @Test
    void theOverlaySetsNamespaceImageAndReplicas() {
        assertThat(objects).extracting(o -> o.path("kind").asText())
                .contains("Namespace", "ConfigMap", "StatefulSet", "Service", "PodDisruptionBudget", "Job",
                        "ServiceMonitor", "PrometheusRule");
        for (JsonNode o : objects) {
            if (!o.path("kind").asText().equals("Namespace")) {
                assertThat(o.at("/metadata/namespace").asText()).as(describe(o)).isEqualTo(NAMESPACE);
            }
        }
        assertThat(app.path("image").asText()).isEqualTo(IMAGE);
        assertThat(job.at("/spec/template/spec/containers/0/image").asText()).isEqualTo(IMAGE);
        assertThat(statefulSet.at("/spec/replicas").asInt()).isEqualTo(3);
        // No Secret is ever rendered: credentials are created in the cluster, not committed.
        assertThat(objects).noneMatch(o -> o.path("kind").asText().equals("Secret"));
    }

    @Test
    void eachPodAdvertisesItsStableNameOnTheHeadlessServiceAsApplicationServer() {
        assertThat(env(app, "POD_NAME").at("/valueFrom/fieldRef/fieldPath").asText()).isEqualTo("metadata.name");
        assertThat(env(app, "NAMESPACE").at("/valueFrom/fieldRef/fieldPath").asText()).isEqualTo("metadata.namespace");
        List<String> names = envNames(app);
        // $(VAR) only expands variables defined earlier in the list.
        assertThat(names.indexOf("POD_NAME")).isLessThan(names.indexOf("MODEL_HEALTH_KAFKA_APPLICATION_SERVER"));
        assertThat(names.indexOf("NAMESPACE")).isLessThan(names.indexOf("MODEL_HEALTH_KAFKA_APPLICATION_SERVER"));

        String headless = statefulSet.at("/spec/serviceName").asText();
        assertThat(env(app, "MODEL_HEALTH_KAFKA_APPLICATION_SERVER").path("value").asText())
                .isEqualTo("$(POD_NAME)." + headless + ".$(NAMESPACE).svc:" + containerPort(app, "http"));
        JsonNode service = one("Service", headless);
        assertThat(service.at("/spec/clusterIP").asText()).isEqualTo("None");
        // A pod that is restoring or rebalancing still owns its routes: its peers must resolve it.
        assertThat(service.at("/spec/publishNotReadyAddresses").asBoolean()).isTrue();
        assertThat(selects(service.at("/spec/selector"), podLabels(statefulSet))).isTrue();
        assertThat(env(app, "MODEL_HEALTH_KAFKA_NUM_STANDBY_REPLICAS").path("value").asText()).isEqualTo("1");
        assertThat(statefulSet.at("/spec/podManagementPolicy").asText()).isEqualTo("Parallel");
    }

    /** Static membership: each pod's stable name is its group instance id, so a restart causes no rebalance. */
    @Test
    void eachPodIsAStaticGroupMemberNamedAfterItself() {
        List<String> names = envNames(app);
        assertThat(env(app, "MODEL_HEALTH_KAFKA_GROUP_INSTANCE_ID").path("value").asText()).isEqualTo("$(POD_NAME)");
        assertThat(names.indexOf("POD_NAME")).isLessThan(names.indexOf("MODEL_HEALTH_KAFKA_GROUP_INSTANCE_ID"));
        // The app refuses an unexpanded $(POD_NAME) (StreamsSettingsTest); Kubernetes expands it to the pod's name.
        Map<String, String> env = new LinkedHashMap<>(envConfigMap(app));
        env.put("MODEL_HEALTH_KAFKA_GROUP_INSTANCE_ID", "model-health-2");
        AppConfig config = ConfigLoader.load(null, env, Map.of());
        assertThat(io.modelhealth.app.StreamsSettings.from(config).getProperty("group.instance.id")).isEqualTo("model-health-2");
    }

    /**
     * Heap + RocksDB + what the JVM and RocksDB take besides fit the container's memory limit (docs/operations.md
     * "Memory"): the heap is a share of the limit, the RocksDB cache is configuration, the rest is an allowance.
     */
    @Test
    void heapAndRocksDbFitTheMemoryLimit() throws IOException {
        String percentage = StreamSupport.stream(app.path("command").spliterator(), false).map(JsonNode::asText)
                .filter(a -> a.startsWith("-XX:MaxRAMPercentage=")).findFirst()
                .orElseThrow(() -> new AssertionError("the container's command sets no -XX:MaxRAMPercentage"));
        double heapShare = Double.parseDouble(percentage.substring(percentage.indexOf('=') + 1)) / 100;
        long limitMiB = mebibytes(app.at("/resources/limits/memory").asText());
        Path file = writeMountedFile(statefulSet.at("/spec/template/spec"), app,
                env(app, "MODEL_HEALTH_CONFIG").path("value").asText());
        AppConfig config = ConfigLoader.load(file, envConfigMap(app), Map.of());

        long heap = Math.round(limitMiB * heapShare);
        long total = heap + config.rocksdb().blockCacheMb() + ROCKSDB_OUTSIDE_CACHE_MIB + JVM_NON_HEAP_MIB;
        assertThat(total).as("heap %d + block cache %d + %d + %d MiB of a %d MiB limit", heap,
                config.rocksdb().blockCacheMb(), ROCKSDB_OUTSIDE_CACHE_MIB, JVM_NON_HEAP_MIB, limitMiB)
                .isLessThanOrEqualTo(limitMiB);
        // The image's entrypoint is kept apart from the heap flag.
        assertThat(app.path("command")).extracting(JsonNode::asText).contains("-XX:+ExitOnOutOfMemoryError", "-jar",
                "/app/model-health.jar");
    }

    /** docs/operations.md "Memory": table readers, iterators and allocator slack that RocksDB keeps outside its cache. */
    private static final long ROCKSDB_OUTSIDE_CACHE_MIB = 128;
    /** docs/operations.md "Memory": metaspace, code cache, thread stacks, GC structures, direct buffers. */
    private static final long JVM_NON_HEAP_MIB = 384;

    private static long mebibytes(String quantity) {
        if (quantity.endsWith("Gi")) {
            return Long.parseLong(quantity.substring(0, quantity.length() - 2)) * 1024;
        }
        if (quantity.endsWith("Mi")) {
            return Long.parseLong(quantity.substring(0, quantity.length() - 2));
        }
        throw new AssertionError("a memory limit in Gi or Mi, got " + quantity);
    }

    @Test
    void probesUseTheAppsHealthEndpointsOnItsHttpPort() {
        assertThat(containerPort(app, "http")).isEqualTo(8080);
        assertThat(app.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
        assertThat(app.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
        assertThat(app.at("/startupProbe/httpGet/path").asText()).isEqualTo("/healthz");
        for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
            assertThat(app.at("/" + probe + "/httpGet/port").asText()).as(probe).isEqualTo("http");
        }
        // The JVM start and the topic check may take a while on a cold node; liveness waits for it.
        JsonNode startup = app.path("startupProbe");
        assertThat(startup.path("periodSeconds").asInt() * startup.path("failureThreshold").asInt()).isGreaterThanOrEqualTo(120);
    }

    @Test
    void resourcesAndTheShutdownAreSizedForKafkaStreams() {
        for (String path : List.of("/resources/requests/cpu", "/resources/requests/memory", "/resources/limits/cpu",
                "/resources/limits/memory")) {
            assertThat(app.at(path).asText()).as(path).isNotBlank();
        }
        JsonNode preStop = app.at("/lifecycle/preStop/exec/command");
        assertThat(preStop.get(0).asText()).isEqualTo("sleep");
        int pause = preStop.get(1).asInt();
        int grace = statefulSet.at("/spec/template/spec/terminationGracePeriodSeconds").asInt();
        assertThat(grace).isGreaterThanOrEqualTo(60).isGreaterThan(pause + STREAMS_CLOSE_SECONDS + 10);
    }

    @Test
    void theStateDirectoryIsOnAClaimedVolume() {
        JsonNode claim = statefulSet.at("/spec/volumeClaimTemplates/0");
        String claimName = claim.at("/metadata/name").asText();
        assertThat(claim.at("/spec/accessModes/0").asText()).isEqualTo("ReadWriteOnce");
        assertThat(claim.at("/spec/resources/requests/storage").asText()).isNotBlank();
        assertThat(mountPath(app, claimName)).contains(env(app, "MODEL_HEALTH_KAFKA_STATE_DIR").path("value").asText());
        assertThat(env(app, "MODEL_HEALTH_KAFKA_STATE_DIR").path("value").asText()).isEqualTo("/var/lib/model-health");
    }

    @Test
    void podsRunAsNonRootOnAReadOnlyRootFilesystem() {
        for (JsonNode podSpec : List.of(statefulSet.at("/spec/template/spec"), job.at("/spec/template/spec"))) {
            JsonNode container = podSpec.at("/containers/0");
            assertThat(podSpec.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
            // The image's USER (Dockerfile): a different uid here would leave the state volume unwritable.
            assertThat(podSpec.at("/securityContext/runAsUser").asInt()).isEqualTo(DockerfileTest.IMAGE_UID);
            assertThat(podSpec.at("/automountServiceAccountToken").asBoolean(true)).isFalse();
            assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
            assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean(true)).isFalse();
            assertThat(container.at("/securityContext/capabilities/drop/0").asText()).isEqualTo("ALL");
            // RocksDB unpacks its native library into /tmp: it must be writable.
            String tmpVolume = volumeMountedAt(container, "/tmp");
            assertThat(volume(podSpec, tmpVolume).has("emptyDir")).as("/tmp is an emptyDir").isTrue();
        }
        assertThat(statefulSet.at("/spec/template/spec/securityContext/fsGroup").asInt()).isEqualTo(DockerfileTest.IMAGE_UID);
    }

    @Test
    void kafkaCredentialsComeFromASecretAndTheClusterFromTheOverlay() {
        for (JsonNode container : List.of(app, job.at("/spec/template/spec/containers/0"))) {
            JsonNode jaas = env(container, "MODEL_HEALTH_KAFKA_SASL_JAAS_CONFIG");
            assertThat(jaas.at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("model-health-kafka");
            assertThat(jaas.at("/valueFrom/secretKeyRef/key").asText()).isEqualTo("sasl.jaas.config");
            assertThat(jaas.has("value")).isFalse();
        }
        Map<String, String> env = envConfigMap(app);
        assertThat(env).containsEntry("MODEL_HEALTH_KAFKA_BOOTSTRAP_SERVERS",
                        "kafka-1.example.internal:9096,kafka-2.example.internal:9096,kafka-3.example.internal:9096")
                .containsEntry("MODEL_HEALTH_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
                .containsEntry("MODEL_HEALTH_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512");
        for (JsonNode o : objects) {
            assertThat(o.toString()).as(describe(o)).doesNotContainIgnoringCase("password=\\\"");
        }
    }

    /** The ConfigMap's YAML plus the pod's environment, loaded by the app's own ConfigLoader. */
    @Test
    void theMountedConfigAndEnvironmentAreAConfigTheAppAccepts() throws IOException {
        String configPath = env(app, "MODEL_HEALTH_CONFIG").path("value").asText();
        Path file = writeMountedFile(statefulSet.at("/spec/template/spec"), app, configPath);

        Map<String, String> env = new LinkedHashMap<>(envConfigMap(app));
        for (JsonNode e : app.path("env")) {
            if (e.has("value") && !e.path("name").asText().equals("MODEL_HEALTH_CONFIG")) {
                env.put(e.path("name").asText(), e.path("value").asText());
            }
        }
        env.put("MODEL_HEALTH_KAFKA_SASL_JAAS_CONFIG", "from-the-secret");
        AppConfig config = ConfigLoader.load(file, env, Map.of());

        assertThat(config.kafka()).containsEntry("application.server", "$(POD_NAME).model-health-headless.$(NAMESPACE).svc:8080")
                .containsEntry("num.standby.replicas", "1")
                .containsEntry("state.dir", "/var/lib/model-health")
                .containsEntry("security.protocol", "SASL_SSL");
        assertThat(config.http().port()).isEqualTo(containerPort(app, "http"));
        // More pods than input partitions would only add idle standbys.
        assertThat(statefulSet.at("/spec/replicas").asInt()).isLessThanOrEqualTo(config.topics().partitions());
        assertThat(config.topics().replicationFactor()).isEqualTo(3);
    }

    @Test
    void theTopicsJobUsesTheSameClusterConfigAndImage() {
        JsonNode container = job.at("/spec/template/spec/containers/0");
        assertThat(container.path("args")).extracting(JsonNode::asText)
                .containsExactly("topics", "--bootstrap-servers", "$(MODEL_HEALTH_KAFKA_BOOTSTRAP_SERVERS)");
        assertThat(envConfigMap(container)).containsKey("MODEL_HEALTH_KAFKA_BOOTSTRAP_SERVERS").isEqualTo(envConfigMap(app));
        assertThat(env(container, "MODEL_HEALTH_CONFIG").path("value").asText())
                .isEqualTo(env(app, "MODEL_HEALTH_CONFIG").path("value").asText());
        assertThat(volume(job.at("/spec/template/spec"), "config").at("/configMap/name").asText())
                .isEqualTo(volume(statefulSet.at("/spec/template/spec"), "config").at("/configMap/name").asText());
        // The Job's pod is no monitor: no Service, PDB or StatefulSet may select it.
        JsonNode jobPodLabels = job.at("/spec/template/metadata/labels");
        for (JsonNode o : objects) {
            JsonNode selector = selectorOf(o);
            if (selector != null) {
                assertThat(selects(selector, jobPodLabels)).as(describe(o) + " selects the topics Job's pod").isFalse();
            }
        }
    }

    @Test
    void theDisruptionBudgetAndTheServiceMonitorSelectTheMonitorPods() {
        JsonNode pdb = one("PodDisruptionBudget", "model-health");
        assertThat(pdb.at("/spec/maxUnavailable").asInt()).isEqualTo(1);
        assertThat(selects(pdb.at("/spec/selector/matchLabels"), podLabels(statefulSet))).isTrue();

        JsonNode monitor = one("ServiceMonitor", "model-health");
        List<JsonNode> services = objects.stream().filter(o -> o.path("kind").asText().equals("Service"))
                .filter(s -> selects(monitor.at("/spec/selector/matchLabels"), s.at("/metadata/labels")))
                .toList();
        // Exactly one Service: matching the headless one too would scrape every pod twice.
        assertThat(services).hasSize(1);
        JsonNode service = services.get(0);
        assertThat(service.at("/metadata/name").asText()).isEqualTo("model-health");
        JsonNode endpoint = monitor.at("/spec/endpoints/0");
        assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");
        JsonNode port = StreamSupport.stream(service.at("/spec/ports").spliterator(), false)
                .filter(p -> p.path("name").asText().equals(endpoint.path("port").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("the Service has no port named " + endpoint.path("port")));
        assertThat(port.path("targetPort").asText()).isEqualTo("http");
        assertThat(selects(service.at("/spec/selector"), podLabels(statefulSet))).isTrue();
        // The overlay's patch: the label the Prometheus Operator selects by.
        assertThat(monitor.at("/metadata/labels/release").asText()).isEqualTo("kube-prometheus-stack");
        assertThat(one("PrometheusRule", "model-health").at("/metadata/labels/release").asText()).isEqualTo("kube-prometheus-stack");
    }

    @Test
    void thePrometheusRuleAlertsOnTheMonitorItself() {
        Map<String, JsonNode> byName = alertRules();
        assertThat(byName).containsKeys("ModelHealthDown", "ModelHealthLagging", "ModelHealthDeadLettersRising",
                "ModelHealthPanicGuardEngaged");
        byName.forEach((name, r) -> {
            assertThat(r.at("/labels/severity").asText()).as(name).isIn("critical", "warning");
            assertThat(r.at("/annotations/summary").asText()).as(name).isNotBlank();
            assertThat(r.at("/annotations/runbook_url").asText()).as(name).endsWithIgnoringCase("#" + name);
            assertThat(r.path("for").asText()).as(name).isNotBlank();
            // The ServiceMonitor's job label: the name of the Service it scrapes.
            assertThat(r.path("expr").asText()).as(name).contains("job=\"model-health\"");
        });
    }

    @Test
    void thePrometheusRulePassesPromtool() throws IOException {
        Path promtool = Tools.find("promtool").orElse(null);
        Assumptions.assumeTrue(promtool != null, "promtool is not installed");
        Path rulesFile = tmp.resolve("rules.yml");
        Files.writeString(rulesFile, one("PrometheusRule", "model-health").path("spec").toPrettyString(), StandardCharsets.UTF_8);
        Tools.Result check = Tools.run(tmp, List.of(promtool.toString(), "check", "rules", rulesFile.toString()));
        assertThat(check.exitCode()).as(check.stdout() + check.stderr()).isZero();
        assertThat(check.stdout()).contains(alertRules().size() + " rules found");
    }

    private static Map<String, JsonNode> alertRules() {
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        one("PrometheusRule", "model-health").at("/spec/groups")
                .forEach(g -> g.path("rules").forEach(r -> byName.put(r.path("alert").asText(), r)));
        return byName;
    }

    @Test
    void theBaseRendersOnItsOwn() {
        List<JsonNode> base = renderDir(Tools.find("kubectl").orElseThrow(), "deploy/k8s/base");
        JsonNode sts = base.stream().filter(o -> o.path("kind").asText().equals("StatefulSet")).findFirst().orElseThrow();
        assertThat(sts.at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(sts.at("/metadata/namespace").isMissingNode()).isTrue();
    }

    // ---- helpers

    private static List<JsonNode> renderDir(Path kubectl, String dir) {
        Tools.Result r = Tools.run(DeployFiles.repoRoot(), List.of(kubectl.toString(), "kustomize", dir));
        assertThat(r.exitCode()).as("kubectl kustomize %s: %s", dir, r.stderr()).isZero();
        return DeployFiles.readAllYaml(r.stdout());
    }

    private static JsonNode one(String kind, String name) {
        List<JsonNode> found = objects.stream()
                .filter(o -> o.path("kind").asText().equals(kind) && o.at("/metadata/name").asText().equals(name))
                .toList();
        assertThat(found).as("%s/%s in the rendered overlay", kind, name).hasSize(1);
        return found.get(0);
    }

    /** A generated ConfigMap by its base name (kustomize appends a content hash). */
    private static JsonNode configMap(String referencedName) {
        return one("ConfigMap", referencedName);
    }

    private static String describe(JsonNode o) {
        return o.path("kind").asText() + "/" + o.at("/metadata/name").asText();
    }

    private static JsonNode env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals(name)) {
                return e;
            }
        }
        throw new AssertionError("no env " + name + " in container " + container.path("name"));
    }

    private static List<String> envNames(JsonNode container) {
        List<String> names = new ArrayList<>();
        container.path("env").forEach(e -> names.add(e.path("name").asText()));
        return names;
    }

    /** The data of the ConfigMaps a container takes its environment from ({@code envFrom}). */
    private static Map<String, String> envConfigMap(JsonNode container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode from : container.path("envFrom")) {
            JsonNode cm = configMap(from.at("/configMapRef/name").asText());
            cm.path("data").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        }
        assertThat(env).as("envFrom of " + container.path("name")).isNotEmpty();
        return env;
    }

    private static int containerPort(JsonNode container, String name) {
        for (JsonNode p : container.path("ports")) {
            if (p.path("name").asText().equals(name)) {
                return p.path("containerPort").asInt();
            }
        }
        throw new AssertionError("no port " + name);
    }

    private static Optional<String> mountPath(JsonNode container, String volume) {
        for (JsonNode m : container.path("volumeMounts")) {
            if (m.path("name").asText().equals(volume)) {
                return Optional.of(m.path("mountPath").asText());
            }
        }
        return Optional.empty();
    }

    private static String volumeMountedAt(JsonNode container, String path) {
        for (JsonNode m : container.path("volumeMounts")) {
            if (m.path("mountPath").asText().equals(path)) {
                return m.path("name").asText();
            }
        }
        throw new AssertionError("nothing mounted at " + path + " in " + container.path("name"));
    }

    private static JsonNode volume(JsonNode podSpec, String name) {
        for (JsonNode v : podSpec.path("volumes")) {
            if (v.path("name").asText().equals(name)) {
                return v;
            }
        }
        throw new AssertionError("no volume " + name);
    }

    /** Writes the ConfigMap key that {@code path} names inside the container to a temp file. */
    private Path writeMountedFile(JsonNode podSpec, JsonNode container, String path) throws IOException {
        for (JsonNode m : container.path("volumeMounts")) {
            String dir = m.path("mountPath").asText();
            if (path.startsWith(dir + "/")) {
                String key = path.substring(dir.length() + 1);
                JsonNode cm = configMap(volume(podSpec, m.path("name").asText()).at("/configMap/name").asText());
                assertThat(cm.at("/data").has(key)).as("ConfigMap %s has key %s", describe(cm), key).isTrue();
                Path file = tmp.resolve(key);
                Files.writeString(file, cm.at("/data").get(key).asText(), StandardCharsets.UTF_8);
                return file;
            }
        }
        throw new AssertionError(path + " is not inside a mounted volume");
    }

    private static JsonNode podLabels(JsonNode workload) {
        return workload.at("/spec/template/metadata/labels");
    }

    private static JsonNode selectorOf(JsonNode o) {
        return switch (o.path("kind").asText()) {
            case "Service" -> o.at("/spec/selector");
            case "StatefulSet", "PodDisruptionBudget" -> o.at("/spec/selector/matchLabels");
            default -> null;
        };
    }

    /** Whether every label of the selector is on {@code labels} (an empty selector selects nothing here). */
    private static boolean selects(JsonNode selector, JsonNode labels) {
        if (!(selector instanceof ObjectNode) || selector.isEmpty()) {
            return false;
        }
        Set<String> keys = new HashSet<>();
        selector.fieldNames().forEachRemaining(keys::add);
        return keys.stream().allMatch(k -> selector.path(k).asText().equals(labels.path(k).asText(null)));
    }
}
