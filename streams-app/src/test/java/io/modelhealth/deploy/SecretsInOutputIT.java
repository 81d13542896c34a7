package io.modelhealth.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.modelhealth.cli.Main;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.kafka.EmbeddedKafkaBroker;
import io.modelhealth.schemas.HealthState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets planted in every config layer never reach anything {@code run} prints or serves.
 *
 * <p>The monitor runs as operators run it — {@code java -cp … io.modelhealth.cli.Main run --config F
 * --bootstrap-servers B --http-port P --alertmanager-url U} in a JVM of its own, with
 * {@code MODEL_HEALTH_*} variables in its environment (an in-process run cannot plant those) — against
 * a SASL_SSL (PLAIN) listener with a CA made by the test, with every logger at INFO, so Kafka's own
 * config dumps are in its output too. The secrets are live where they can be: the trust store
 * password (file) opens the trust store, the JAAS password (environment) logs in, the Alertmanager
 * URL's password (flag) goes out as Basic auth to an Alertmanager that is not there, so the sink's
 * error path logs. Then the whole of stdout and stderr (slf4j-simple writes the log to stderr) and
 * {@code /metrics} are searched for each secret.
 */
class SecretsInOutputIT {

    private static final String SASL_SSL = "SASL_SSL";
    private static final String USER = "model-health";
    private static final Duration TIMEOUT = EndToEnd.TIMEOUT;

    /** Each unique per run, so a search of the output for it cannot hit anything else. */
    private static final String JAAS_PASSWORD = "env-jaas-pw-" + UUID.randomUUID();
    private static final String ENV_AUTH_TOKEN = "env-http-token-" + UUID.randomUUID();
    private static final String FILE_AUTH_TOKEN = "file-http-token-" + UUID.randomUUID();
    private static final String FILE_CLIENT_SECRET = "file-oauth-secret-" + UUID.randomUUID();
    private static final String FLAG_ALERTMANAGER_PASSWORD = "flag-am-pw-" + UUID.randomUUID();

    @TempDir
    static Path dir;

    private static TestPki pki;
    private static EmbeddedKafkaBroker broker;
    private static AppConfig topicsConfig;
    private static Process process;
    private static Path output;
    private static int httpPort;

    @BeforeAll
    static void start() throws IOException {
        pki = TestPki.create(dir, "secrets");
        Path brokerStore = pki.issue("kafka-broker", TestPki.BROKER_SAN);
        broker = EmbeddedKafkaBroker.builder()
                .sslListener(SASL_SSL, SecurityProtocol.SASL_SSL, brokerStore, pki.password())
                .brokerProperty("sasl.enabled.mechanisms", "PLAIN")
                .brokerProperty(EmbeddedKafkaBroker.Builder.listenerPrefix(SASL_SSL) + "plain.sasl.jaas.config",
                        "org.apache.kafka.common.security.plain.PlainLoginModule required user_" + USER + "=\"" + JAAS_PASSWORD + "\";")
                .start();
        // The test's own clients use the broker's PLAINTEXT listener: only the app's secrets are under test.
        topicsConfig = ConfigLoader.load(null, Map.of(), Map.of("kafka.bootstrap.servers", broker.bootstrapServers()));
        EndToEnd.createTopics(topicsConfig, Map.of());

        Path config = Files.writeString(dir.resolve("model-health.yaml"), """
                kafka:
                  security.protocol: SASL_SSL
                  sasl.mechanism: PLAIN
                  ssl.truststore.type: PKCS12
                  ssl.truststore.location: %s
                  ssl.truststore.password: %s
                  ssl.endpoint.identification.algorithm: https
                  sasl.oauthbearer.client.credentials.client.secret: %s
                  state.dir: %s
                http:
                  auth-token: %s
                """.formatted(pki.trustStore(), pki.password(), FILE_CLIENT_SECRET, dir.resolve("state"), FILE_AUTH_TOKEN));
        httpPort = freePort();
        String alertmanager = "http://alice:" + FLAG_ALERTMANAGER_PASSWORD + "@127.0.0.1:" + freePort();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-cp", classpath(), Main.class.getName(),
                "run", "--config", config.toString(), "--bootstrap-servers", broker.bootstrapServers(SASL_SSL),
                "--http-port", Integer.toString(httpPort), "--alertmanager-url", alertmanager));
        output = dir.resolve("run.log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("MODEL_HEALTH_"));
        builder.environment().put("MODEL_HEALTH_KAFKA_SASL_JAAS_CONFIG",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + USER
                        + "\" password=\"" + JAAS_PASSWORD + "\";");
        builder.environment().put("MODEL_HEALTH_HTTP_AUTH_TOKEN", ENV_AUTH_TOKEN);
        process = builder.start();
        await("run ready on :" + httpPort).atMost(TIMEOUT).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("run exited with " + process.exitValue() + ":\n" + printed());
            }
            return EndToEnd.get(httpPort, "/readyz").statusCode() == 200;
        });
    }

    @AfterAll
    static void stop() throws InterruptedException {
        try {
            if (process != null && process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    @Test
    void noPlantedSecretIsPrintedLoggedOrServed() throws Exception {
        Map<String, Object> plaintext = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        EndToEnd.sendWithdrawal(plaintext, topicsConfig.topics().calls());
        EndToEnd.awaitState(plaintext, topicsConfig.topics().state(), EndToEnd.WITHDRAWN, HealthState.BLOCKED);
        // The page went to the sink, which tried Alertmanager with the URL's credentials, failed, and logged it.
        await("a failed post to Alertmanager").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
                .until(() -> metric(EndToEnd.get(httpPort, "/metrics").body(), "model_health_alertmanager_posts_total{outcome=\"error\"") > 0);
        String metrics = EndToEnd.get(httpPort, "/metrics").body();

        // SIGTERM, as Ctrl-C or Kubernetes stops it: the shutdown's log lines are part of the output too.
        process.destroy();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("run stops on SIGTERM").isTrue();
        String printed = printed();

        // Proof that the search covers what matters: the config dump, the app's log, Kafka's INFO config dumps, the sink.
        assertThat(printed).contains("model-health config ", "starting model-health", "ConsumerConfig values:",
                "Alertmanager at http://127.0.0.1:");
        assertThat(printed).containsPattern("auth-token: [\"']\\*{6}[\"']")
                .containsPattern("sasl.jaas.config: [\"']\\*{6}[\"']")
                .contains("alertmanager-url: http://alice:******@127.0.0.1:");
        assertThat(metrics).contains("model_health_state{");
        for (String secret : List.of(JAAS_PASSWORD, ENV_AUTH_TOKEN, FILE_AUTH_TOKEN, FILE_CLIENT_SECRET,
                FLAG_ALERTMANAGER_PASSWORD, pki.password())) {
            assertThat(printed).as("run's output").doesNotContain(secret);
            assertThat(metrics).as("/metrics").doesNotContain(secret);
        }
    }

    private static double metric(String body, String prefix) {
        return body.lines().filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static String printed() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The test classpath: failsafe puts the real one here even when the JVM runs from a manifest-only jar. */
    private static String classpath() {
        String failsafe = System.getProperty("surefire.test.class.path");
        return failsafe != null && !failsafe.isBlank() ? failsafe : System.getProperty("java.class.path");
    }
}
