package io.modelhealth.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelhealth.app.ModelHealthApp;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.kafka.EmbeddedKafkaBroker;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RouteStatus;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The app on a cluster that speaks only TLS to its clients, with a CA made by the test and host
 * names verified ({@code ssl.endpoint.identification.algorithm=https}, Kafka's default, set
 * explicitly so that no later default can turn it off unnoticed).
 *
 * <p>Two listeners, both presenting a broker certificate for {@value TestPki#BROKER_SAN} only:
 * {@code SSL}, which also demands a client certificate (mutual TLS: the telemetry producer and the
 * test's reader), and {@code SASL_SSL} with PLAIN (the app, configured as a deployment is: only
 * {@code MODEL_HEALTH_KAFKA_*} variables). The app decides a withdrawal from calls that came in over
 * mutual TLS; clients that trust another CA, reach the broker by a name its certificate does not
 * carry, bring no certificate or a wrong password are refused.
 */
class TlsIT {

    private static final String SSL = "SSL";
    private static final String SASL_SSL = "SASL_SSL";
    private static final String APP_USER = "model-health";
    private static final String APP_PASSWORD = "app-pw-" + UUID.randomUUID();
    private static final String VERIFY_HOSTNAME = "https";

    @TempDir
    static Path dir;

    private static TestPki pki;
    /** A CA nobody here trusts. */
    private static TestPki stranger;
    private static Path clientStore;
    private static EmbeddedKafkaBroker broker;
    private static AppConfig config;
    private static ModelHealthApp app;

    @BeforeAll
    static void start() {
        // keytool runs are JVM starts: make the stores side by side.
        CompletableFuture<TestPki> strangerCa = CompletableFuture.supplyAsync(() -> TestPki.create(dir, "stranger"));
        pki = TestPki.create(dir, "model-health");
        CompletableFuture<Path> client = CompletableFuture.supplyAsync(() -> pki.issue("telemetry", "DNS:telemetry.test"));
        Path brokerStore = pki.issue("kafka-broker", TestPki.BROKER_SAN);
        clientStore = client.join();
        stranger = strangerCa.join();
        String ssl = EmbeddedKafkaBroker.Builder.listenerPrefix(SSL);
        String saslSsl = EmbeddedKafkaBroker.Builder.listenerPrefix(SASL_SSL);
        broker = EmbeddedKafkaBroker.builder()
                .sslListener(SSL, SecurityProtocol.SSL, brokerStore, pki.password())
                .sslListener(SASL_SSL, SecurityProtocol.SASL_SSL, brokerStore, pki.password())
                .brokerProperty(ssl + "ssl.client.auth", "required")
                .brokerProperty(ssl + "ssl.truststore.type", "PKCS12")
                .brokerProperty(ssl + "ssl.truststore.location", pki.trustStore())
                .brokerProperty(ssl + "ssl.truststore.password", pki.password())
                .brokerProperty("sasl.enabled.mechanisms", "PLAIN")
                .brokerProperty(saslSsl + "plain.sasl.jaas.config",
                        "org.apache.kafka.common.security.plain.PlainLoginModule required user_" + APP_USER + "=\"" + APP_PASSWORD + "\";")
                .start();

        Map<String, String> env = Map.of(
                "MODEL_HEALTH_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(SASL_SSL),
                "MODEL_HEALTH_KAFKA_SECURITY_PROTOCOL", SASL_SSL,
                "MODEL_HEALTH_KAFKA_SASL_MECHANISM", "PLAIN",
                "MODEL_HEALTH_KAFKA_SASL_JAAS_CONFIG", plain(APP_USER, APP_PASSWORD),
                "MODEL_HEALTH_KAFKA_SSL_TRUSTSTORE_TYPE", "PKCS12",
                "MODEL_HEALTH_KAFKA_SSL_TRUSTSTORE_LOCATION", pki.trustStore().toString(),
                "MODEL_HEALTH_KAFKA_SSL_TRUSTSTORE_PASSWORD", pki.password(),
                "MODEL_HEALTH_KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM", VERIFY_HOSTNAME);
        config = ConfigLoader.load(null, env, Map.of("http.port", "0"));
        EndToEnd.createTopics(config, saslSsl(APP_PASSWORD));
        app = ModelHealthApp.start(config, Map.of("state.dir", dir.resolve("state").toString()));
        app.awaitRunning(EndToEnd.TIMEOUT);
    }

    @AfterAll
    static void stop() {
        try {
            if (app != null) {
                app.close();
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    @Test
    void theAppDecidesAWithdrawalOverSaslSslFromCallsSentOverMutualTls() throws Exception {
        assertThat(app.config().kafka())
                .containsEntry("security.protocol", SASL_SSL)
                .containsEntry("ssl.endpoint.identification.algorithm", VERIFY_HOSTNAME);
        Map<String, Object> telemetry = mutualTls(broker.bootstrapServers(SSL), pki, VERIFY_HOSTNAME);

        EndToEnd.sendWithdrawal(telemetry, config.topics().calls());

        RouteStatus blocked = EndToEnd.awaitState(telemetry, config.topics().state(), EndToEnd.WITHDRAWN, HealthState.BLOCKED);
        assertThat(blocked.configVersion()).isEqualTo(app.configVersion());
    }

    @Test
    void aClientThatTrustsAnotherCaIsRefused() {
        assertRefused(mutualTls(broker.bootstrapServers(SSL), stranger, VERIFY_HOSTNAME), SslAuthenticationException.class);
    }

    @Test
    void aNameTheBrokerCertificateDoesNotCarryIsRefusedOnlyWhileHostnamesAreVerified() throws Exception {
        // Same broker, same port, same CA: only the name differs, and the certificate names 127.0.0.1 alone.
        String byName = broker.bootstrapServers(SSL).replace("127.0.0.1", "localhost");

        assertRefused(mutualTls(byName, pki, VERIFY_HOSTNAME), SslAuthenticationException.class);
        // The refusal is the host-name check's: without it the same client connects.
        try (Admin admin = Admin.create(mutualTls(byName, pki, ""))) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).isNotEmpty();
        }
    }

    @Test
    void theMutualTlsListenerRefusesAClientWithoutACertificate() {
        Map<String, Object> noCertificate = mutualTls(broker.bootstrapServers(SSL), pki, VERIFY_HOSTNAME);
        noCertificate.keySet().removeIf(k -> k.startsWith("ssl.keystore.") || k.equals(SslConfigs.SSL_KEY_PASSWORD_CONFIG));

        assertRefused(noCertificate, SslAuthenticationException.class);
    }

    @Test
    void aWrongSaslPasswordIsRefusedWithoutEchoingIt() {
        String wrong = "wrong-" + UUID.randomUUID();

        assertThatThrownBy(() -> describe(saslSsl(wrong)))
                .hasCauseInstanceOf(SaslAuthenticationException.class)
                .satisfies(e -> assertThat(e.getCause().getMessage()).doesNotContain(wrong));
    }

    private static void assertRefused(Map<String, Object> client, Class<? extends Exception> failure) {
        assertThatThrownBy(() -> describe(client)).hasCauseInstanceOf(failure);
    }

    private static void describe(Map<String, Object> client) throws Exception {
        try (Admin admin = Admin.create(client)) {
            admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
        }
    }

    private static String plain(String user, String password) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    /** The app principal's client settings on the SASL_SSL listener. */
    private static Map<String, Object> saslSsl(String password) {
        Map<String, Object> props = new HashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(SASL_SSL));
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, SASL_SSL);
        props.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
        props.put(SaslConfigs.SASL_JAAS_CONFIG, plain(APP_USER, password));
        props.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        props.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, pki.trustStore().toString());
        props.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, pki.password());
        props.put(SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, VERIFY_HOSTNAME);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return props;
    }

    /**
     * A client of the SSL listener with the telemetry certificate, trusting the CA of {@code trusted},
     * verifying host names or not ({@code ""}).
     */
    private static Map<String, Object> mutualTls(String bootstrap, TestPki trusted, String hostnameCheck) {
        Map<String, Object> props = new HashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, SSL);
        props.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        props.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, trusted.trustStore().toString());
        props.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, trusted.password());
        props.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
        props.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, clientStore.toString());
        props.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, pki.password());
        props.put(SslConfigs.SSL_KEY_PASSWORD_CONFIG, pki.password());
        props.put(SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, hostnameCheck);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return props;
    }
}
