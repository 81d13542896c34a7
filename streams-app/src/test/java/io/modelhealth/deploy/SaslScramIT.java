package io.modelhealth.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhealth.alerts.sink.AlertmanagerSink;
import io.modelhealth.app.ModelHealthApp;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.kafka.EmbeddedKafkaBroker;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RouteStatus;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The app on a cluster that demands SASL/SCRAM-SHA-512 and authorizes with ACLs, configured the way
 * a deployment configures it: {@code MODEL_HEALTH_KAFKA_*} environment variables only (the
 * Kubernetes Secret path of deploy/k8s), no code and no file.
 *
 * <p>Principals: {@code admin} (super user: creates topics, users and ACLs, reads results),
 * {@code model-health} (the app, with exactly the ACLs docs/configuration.md lists) and
 * {@code telemetry} (a service that may only write {@code llm.calls}). The broker's PLAINTEXT listener
 * stays its inter-broker and controller listener ({@link EmbeddedKafkaBroker}'s design), so its
 * {@code ANONYMOUS} principal is a super user here; a production cluster authenticates that too.
 *
 * <p>Also a check of the deploy artifacts against the running app: the Kubernetes PrometheusRule
 * only selects metrics (and labels) that {@code /metrics} really has.
 */
class SaslScramIT {

    private static final String LISTENER = "SASL_PLAINTEXT";
    private static final String SCRAM = "SCRAM-SHA-512";
    private static final String APP_ID = "model-health";
    private static final String ADMIN = "admin";
    private static final String APP = "model-health";
    private static final String TELEMETRY = "telemetry";
    /** Unique per run, so a search of the logs for it cannot hit anything else. */
    private static final String ADMIN_PASSWORD = "admin-pw-" + UUID.randomUUID();
    private static final String APP_PASSWORD = "app-pw-" + UUID.randomUUID();
    private static final String TELEMETRY_PASSWORD = "telemetry-pw-" + UUID.randomUUID();

    @TempDir
    static Path stateDir;

    private static EmbeddedKafkaBroker broker;
    private static AppConfig config;
    private static ModelHealthApp app;
    private static final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private static PrintStream originalOut;
    private static PrintStream originalErr;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedKafkaBroker.builder()
                .listener(LISTENER, SecurityProtocol.SASL_PLAINTEXT)
                .brokerProperty("sasl.enabled.mechanisms", SCRAM)
                // The broker side of SCRAM needs no credentials of its own: users live in the cluster metadata.
                .brokerProperty("listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required;")
                .brokerProperty("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .brokerProperty("super.users", "User:ANONYMOUS;User:" + ADMIN)
                .start();

        Map<String, String> env = Map.of(
                "MODEL_HEALTH_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(LISTENER),
                "MODEL_HEALTH_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT",
                "MODEL_HEALTH_KAFKA_SASL_MECHANISM", SCRAM,
                "MODEL_HEALTH_KAFKA_SASL_JAAS_CONFIG", jaas(APP, APP_PASSWORD),
                // Nothing listens there: the sink's failed posts show that it reads the alerts under its ACLs.
                "MODEL_HEALTH_ALERTS_ALERTMANAGER_URL", "http://127.0.0.1:" + closedPort());
        config = ConfigLoader.load(null, env, Map.of("http.port", "0"));

        try (Admin plaintext = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            // SCRAM users are cluster metadata (KRaft): created through the admin API, not a JAAS file.
            plaintext.alterUserScramCredentials(List.of(user(ADMIN, ADMIN_PASSWORD), user(APP, APP_PASSWORD),
                    user(TELEMETRY, TELEMETRY_PASSWORD))).all().get(30, TimeUnit.SECONDS);
            plaintext.createAcls(appAcls(config.topics())).all().get(30, TimeUnit.SECONDS);
            plaintext.createAcls(List.of(
                    allow(TELEMETRY, topic(config.topics().calls()), AclOperation.WRITE),
                    allow(TELEMETRY, topic(config.topics().calls()), AclOperation.DESCRIBE)))
                    .all().get(30, TimeUnit.SECONDS);
        }
        // Credentials and ACLs reach the broker through the metadata log: wait until they take effect.
        for (String[] user : new String[][] {{ADMIN, ADMIN_PASSWORD}, {APP, APP_PASSWORD}, {TELEMETRY, TELEMETRY_PASSWORD}}) {
            await("SCRAM login of " + user[0]).atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                try (Admin admin = Admin.create(sasl(user[0], user[1]))) {
                    return !admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).isEmpty();
                }
            });
        }

        EndToEnd.createTopics(config, sasl(ADMIN, ADMIN_PASSWORD));

        // Everything the app prints from here on, logs included (slf4j-simple writes to System.err).
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(new Tee(originalOut), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new Tee(originalErr), true, StandardCharsets.UTF_8));
        app = ModelHealthApp.start(config, Map.of("state.dir", stateDir.toString()));
        app.awaitRunning(EndToEnd.TIMEOUT);
    }

    @AfterAll
    static void stop() {
        try {
            if (app != null) {
                app.close();
            }
        } finally {
            if (originalOut != null) {
                System.setOut(originalOut);
                System.setErr(originalErr);
            }
            if (broker != null) {
                broker.close();
            }
        }
    }

    @Test
    void processesCallsEndToEndOverSasl() throws Exception {
        assertThat(app.config().kafka())
                .containsEntry("security.protocol", "SASL_PLAINTEXT")
                .containsEntry("sasl.mechanism", SCRAM)
                .containsEntry("bootstrap.servers", broker.bootstrapServers(LISTENER));

        EndToEnd.sendWithdrawal(sasl(TELEMETRY, TELEMETRY_PASSWORD), config.topics().calls());

        RouteStatus blocked = EndToEnd.awaitState(sasl(ADMIN, ADMIN_PASSWORD), config.topics().state(),
                EndToEnd.WITHDRAWN, HealthState.BLOCKED);
        assertThat(blocked.route()).isEqualTo(EndToEnd.WITHDRAWN);
        assertThat(blocked.configVersion()).isEqualTo(app.configVersion());
        EndToEnd.awaitReady(app.httpPort());
        HttpResponse<String> route = EndToEnd.get(app.httpPort(), "/api/routes/anthropic/claude-fable-5");
        assertThat(route.statusCode()).isEqualTo(200);
        assertThat(route.body()).contains("\"BLOCKED\"");
    }

    @Test
    void onlyOperatorsMayWriteOverrides() throws Exception {
        String overrides = config.topics().overrides();
        // Neither a telemetry producer nor the app itself may pin or silence a route.
        for (String[] user : new String[][] {{TELEMETRY, TELEMETRY_PASSWORD}, {APP, APP_PASSWORD}}) {
            try (KafkaProducer<byte[], byte[]> producer = producer(user[0], user[1])) {
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>(overrides, "x".getBytes(StandardCharsets.UTF_8),
                        "{}".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS))
                        .as("%s writing %s", user[0], overrides)
                        .isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(TopicAuthorizationException.class);
            }
        }
        // The telemetry principal's ACLs are enough for its own job: it writes the calls topic.
        try (KafkaProducer<byte[], byte[]> producer = producer(TELEMETRY, TELEMETRY_PASSWORD)) {
            assertThat(producer.send(new ProducerRecord<>(config.topics().calls(), "not json".getBytes(StandardCharsets.UTF_8)))
                    .get(30, TimeUnit.SECONDS).topic()).isEqualTo(config.topics().calls());
        }
    }

    @Test
    void aWrongPasswordIsRejectedWithoutEchoingIt() {
        String wrong = "wrong-" + UUID.randomUUID();
        try (Admin admin = Admin.create(sasl(APP, wrong))) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(SaslAuthenticationException.class)
                    .satisfies(e -> assertThat(e.getCause().getMessage()).doesNotContain(wrong));
        }
    }

    @Test
    void thePasswordNeverReachesTheConfigDumpTheLogsOrTheMetrics() throws Exception {
        String dump = ConfigLoader.toYaml(app.config());
        assertThat(dump).contains("sasl.jaas.config").contains(ConfigLoader.MASK).doesNotContain(APP_PASSWORD);
        assertThat(dump).contains("security.protocol: SASL_PLAINTEXT");

        EndToEnd.awaitReady(app.httpPort());
        HttpResponse<String> metrics = EndToEnd.get(app.httpPort(), "/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("kafka_").doesNotContain(APP_PASSWORD);

        String printed;
        synchronized (output) {
            printed = output.toString(StandardCharsets.UTF_8);
        }
        // Proof that the capture works: the app's own start-up line went through it.
        assertThat(printed).contains("starting model-health");
        assertThat(printed).doesNotContain(APP_PASSWORD).doesNotContain(ADMIN_PASSWORD);
    }

    /**
     * The Alertmanager sink reads the alerts topic in its own consumer group ({@code <application.id>-alertmanager-sink}):
     * with the ACLs of docs/security.md it gets the page and tries to post it.
     */
    @Test
    void theAlertmanagerSinkReadsTheAlertsUnderItsOwnAcls() throws Exception {
        EndToEnd.sendWithdrawal(sasl(TELEMETRY, TELEMETRY_PASSWORD), config.topics().calls());
        EndToEnd.awaitState(sasl(ADMIN, ADMIN_PASSWORD), config.topics().state(), EndToEnd.WITHDRAWN, HealthState.BLOCKED);
        EndToEnd.awaitReady(app.httpPort());

        await("the sink's first post").atMost(EndToEnd.TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() ->
                EndToEnd.get(app.httpPort(), "/metrics").body().lines()
                        .filter(l -> l.startsWith("model_health_alertmanager_posts_total{outcome=\"error\""))
                        .anyMatch(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) > 0));
    }

    /**
     * deploy/k8s/base/prometheusrule.yaml against the real {@code /metrics}: every metric a rule selects
     * is exported under that name, with the labels the rule matches on ({@code up} is Prometheus' own).
     */
    @Test
    void theKubernetesAlertRulesSelectMetricsThisAppExports() throws Exception {
        JsonNode rule = DeployFiles.readYaml(DeployFiles.deploy("k8s/base/prometheusrule.yaml"));
        List<DeployFiles.Selector> selectors = new ArrayList<>();
        rule.at("/spec/groups").forEach(g -> g.get("rules").forEach(r -> selectors.addAll(DeployFiles.selectors(r.get("expr").asText()))));
        assertThat(selectors).extracting(DeployFiles.Selector::metric).contains("up").hasSizeGreaterThan(3);

        // Traffic first, so that per-route and per-partition meters exist.
        EndToEnd.sendWithdrawal(sasl(TELEMETRY, TELEMETRY_PASSWORD), config.topics().calls());
        EndToEnd.awaitState(sasl(ADMIN, ADMIN_PASSWORD), config.topics().state(), EndToEnd.WITHDRAWN, HealthState.BLOCKED);
        // Micrometer binds new Kafka client metrics (per-partition lag) once a minute: allow for that.
        await("every selected metric on /metrics").atMost(EndToEnd.TIMEOUT).untilAsserted(() -> {
            String body = EndToEnd.get(app.httpPort(), "/metrics").body();
            for (DeployFiles.Selector s : selectors) {
                if (s.metric().equals("up")) {
                    continue;
                }
                // A metric without labels is exported as "name value", with no braces.
                List<String> series = body.lines()
                        .filter(l -> l.startsWith(s.metric() + "{") || l.startsWith(s.metric() + " ")).toList();
                assertThat(series).as("series of %s on /metrics", s.metric()).isNotEmpty();
                for (String label : s.labels()) {
                    if (label.equals("job") || label.equals("namespace") || label.equals("pod")) {
                        continue; // added by Prometheus from the scrape target, not by the app
                    }
                    assertThat(series).as("%s has label %s", s.metric(), label).anyMatch(l -> l.contains(label + "=\""));
                }
            }
        });
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    private static Map<String, Object> sasl(String user, String password) {
        Map<String, Object> props = new HashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(LISTENER));
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        props.put(SaslConfigs.SASL_MECHANISM, SCRAM);
        props.put(SaslConfigs.SASL_JAAS_CONFIG, jaas(user, password));
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return props;
    }

    private static KafkaProducer<byte[], byte[]> producer(String user, String password) {
        Map<String, Object> props = sasl(user, password);
        props.remove(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        return new KafkaProducer<>(props);
    }

    private static int closedPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static UserScramCredentialUpsertion user(String name, String password) {
        return new UserScramCredentialUpsertion(name, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password);
    }

    /**
     * The app principal's ACLs, as docs/security.md lists them: read its inputs, write its outputs
     * (and read the state topic, which feeds the global fleet store), describe all of them (the
     * start-up topic check), the Kafka Streams permissions on its group, its internal topics and its
     * transactional ids, all prefixed with {@code application.id}, and for the Alertmanager sink READ
     * on the alerts topic and on its own group.
     */
    private static List<AclBinding> appAcls(AppConfig.Topics t) {
        List<AclBinding> acls = new ArrayList<>();
        for (String in : List.of(t.calls(), t.overrides())) {
            acls.add(allow(APP, topic(in), AclOperation.READ));
        }
        for (String out : List.of(t.deadLetters(), t.windows(), t.anomalies(), t.state(), t.alerts(), t.reroutes(), t.scopedReroutes())) {
            acls.add(allow(APP, topic(out), AclOperation.WRITE));
        }
        acls.add(allow(APP, topic(t.state()), AclOperation.READ));
        acls.add(allow(APP, topic(t.alerts()), AclOperation.READ));
        acls.add(allow(APP, new ResourcePattern(ResourceType.GROUP, AlertmanagerSink.groupId(config), PatternType.LITERAL),
                AclOperation.READ));
        for (String any : List.of(t.calls(), t.overrides(), t.deadLetters(), t.windows(), t.anomalies(), t.state(),
                t.alerts(), t.reroutes(), t.scopedReroutes())) {
            acls.add(allow(APP, topic(any), AclOperation.DESCRIBE));
            acls.add(allow(APP, topic(any), AclOperation.DESCRIBE_CONFIGS));
        }
        // Repartition and changelog topics: Streams creates, reads, writes and purges them.
        acls.add(allow(APP, new ResourcePattern(ResourceType.TOPIC, APP_ID + "-", PatternType.PREFIXED), AclOperation.ALL));
        acls.add(allow(APP, new ResourcePattern(ResourceType.GROUP, APP_ID, PatternType.LITERAL), AclOperation.READ));
        acls.add(allow(APP, new ResourcePattern(ResourceType.TRANSACTIONAL_ID, APP_ID + "-", PatternType.PREFIXED),
                AclOperation.WRITE));
        acls.add(allow(APP, new ResourcePattern(ResourceType.TRANSACTIONAL_ID, APP_ID + "-", PatternType.PREFIXED),
                AclOperation.DESCRIBE));
        return acls;
    }

    private static ResourcePattern topic(String name) {
        return new ResourcePattern(ResourceType.TOPIC, name, PatternType.LITERAL);
    }

    private static AclBinding allow(String user, ResourcePattern resource, AclOperation operation) {
        return new AclBinding(resource, new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW));
    }

    /** Copies what is printed to the original stream and to {@link #output}. */
    private static final class Tee extends OutputStream {
        private final OutputStream original;

        Tee(OutputStream original) {
            this.original = original;
        }

        @Override
        public void write(int b) {
            synchronized (output) {
                output.write(b);
            }
            try {
                original.write(b);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            synchronized (output) {
                output.write(b, off, len);
            }
            original.write(b, off, len);
        }

        @Override
        public void flush() throws java.io.IOException {
            original.flush();
        }
    }
}
