package io.modelhealth.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The masking rules of {@link Secrets}, and the {@code run} dump ({@link ConfigLoader#toYaml}) that applies them. */
class SecretsTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {
        "http.auth-token", "sasl.jaas.config", "ssl.key.password", "ssl.keystore.password", "ssl.truststore.password",
        "ssl.keystore.key", "sasl.oauthbearer.client.credentials.client.secret", "sasl.login.token",
        // Kafka's PASSWORD-typed properties under a client or listener prefix are still Kafka's passwords.
        "producer.ssl.key.password", "main.consumer.sasl.jaas.config", "listener.name.sasl_ssl.plain.sasl.jaas.config",
        // Kafka types PEM certificates as passwords too (the chain comes with its key).
        "ssl.keystore.certificate.chain", "ssl.truststore.certificates",
        // Names from outside Kafka's own clients that still carry a credential.
        "basic.auth.user.info", "schema.registry.api-key", "api_key", "private.key", "SSL_KEY_PASSWORD"})
    void keysThatCarryASecretAreMaskedWhole(String key) {
        assertThat(Secrets.isSecretKey(key)).isTrue();
        assertThat(Secrets.mask(key, "s3cr3t-value")).isEqualTo(Secrets.MASK);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "bootstrap.servers", "security.protocol", "sasl.mechanism", "ssl.truststore.location", "ssl.truststore.type",
        "ssl.endpoint.identification.algorithm", "key.serializer", "default.key.serde", "http.port", "http.host",
        "alerts.alertmanager-url", "topics.calls"})
    void otherKeysAreShown(String key) {
        assertThat(Secrets.isSecretKey(key)).isFalse();
        assertThat(Secrets.mask(key, "shown")).isEqualTo("shown");
    }

    @Test
    void aUrlKeepsItsUserButNotItsPassword() {
        assertThat(Secrets.maskValue("https://user:pw@am:9093")).isEqualTo("https://user:******@am:9093");
        assertThat(Secrets.maskValue("https://user:p%40ss@am:9093/path?x=1")).isEqualTo("https://user:******@am:9093/path?x=1");
        assertThat(Secrets.maskValue("see http://a:b@one and https://c:d@two/"))
                .isEqualTo("see http://a:******@one and https://c:******@two/");
        // No password, nothing to hide: a user name or a bare host stays readable.
        assertThat(Secrets.maskValue("https://user@am:9093")).isEqualTo("https://user@am:9093");
        assertThat(Secrets.maskValue("http://alertmanager:9093")).isEqualTo("http://alertmanager:9093");
    }

    @Test
    void secretQueryParametersAreMasked() {
        assertThat(Secrets.maskValue("https://hooks.example/x?token=abc&team=ops&api_key=k1"))
                .isEqualTo("https://hooks.example/x?token=******&team=ops&api_key=******");
        assertThat(Secrets.maskValue("https://blob.example/f?sig=AbC%2B&sv=2024")).isEqualTo("https://blob.example/f?sig=******&sv=2024");
    }

    @Test
    void jaasTextIsMaskedUnderAnyKey() {
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"mh\" password=\"hunter2\";";

        assertThat(Secrets.mask("listener.custom.login", jaas)).doesNotContain("hunter2").contains("username=\"mh\"");
        assertThat(Secrets.maskValue("password=hunter2 secret='x y' token = t0k")).doesNotContain("hunter2", "x y", "t0k");
    }

    @Test
    void theRunDumpMasksSecretsFromTheFileTheEnvironmentAndTheFlags() throws IOException {
        Path file = Files.writeString(dir.resolve("model-health.yaml"), """
                kafka:
                  ssl.truststore.password: file-truststore-pw
                  ssl.truststore.location: /etc/kafka/truststore.p12
                  producer.ssl.key.password: file-key-pw
                alerts:
                  status-page-url: https://ops:file-status-pw@status.example
                """);
        AppConfig config = ConfigLoader.load(file, Map.of(
                        "MODEL_HEALTH_HTTP_AUTH_TOKEN", "env-http-token",
                        "MODEL_HEALTH_KAFKA_SASL_JAAS_CONFIG",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"mh\" password=\"env-jaas-pw\";"),
                Map.of("alerts.alertmanager-url", "https://alice:flag-am-pw@am.example:9093"));

        String dump = ConfigLoader.toYaml(config);

        assertThat(dump).doesNotContain("file-truststore-pw", "file-key-pw", "file-status-pw", "env-http-token", "env-jaas-pw",
                "flag-am-pw");
        assertThat(dump).containsPattern("auth-token: [\"']\\*{6}[\"']")
                .contains("alertmanager-url: https://alice:******@am.example:9093")
                .contains("status-page-url: https://ops:******@status.example")
                .contains("ssl.truststore.location: /etc/kafka/truststore.p12");
        // The dump stays a config: it loads, with the mask in place of each secret.
        AppConfig reloaded = ConfigLoader.load(Files.writeString(dir.resolve("dump.yaml"), dump), Map.of(), Map.of());
        assertThat(reloaded.http().authToken()).isEqualTo(Secrets.MASK);
        assertThat(reloaded.alerts().alertmanagerUrl()).isEqualTo("https://alice:******@am.example:9093");
    }

    @Test
    void anUnsetSecretIsShownAsUnset() {
        assertThat(ConfigLoader.toYaml(AppConfig.defaults())).contains("auth-token: null");
    }

    @Test
    void aRejectedUrlIsQuotedWithoutItsPassword() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("alerts.alertmanager-url", "ftp://alice:flag-pw@am:21")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("alerts.alertmanager-url")
                .hasMessageContaining("ftp://alice:******@am:21")
                .hasMessageNotContaining("flag-pw");
    }
}
