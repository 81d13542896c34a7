package io.modelhealth.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelhealth.schemas.OutcomeClass;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The four config layers, their precedence, and the error messages a bad config gets. */
class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path yaml(String text) throws IOException {
        Path file = Files.createTempFile(dir, "model-health", ".yaml");
        Files.writeString(file, text);
        return file;
    }

    private static AppConfig load(Path file) {
        return ConfigLoader.load(file, Map.of(), Map.of());
    }

    private static String errorOf(Runnable load) {
        try {
            load.run();
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected a ConfigException");
    }

    // ---------------------------------------------------------------------------------------
    // Layers

    @Test
    void defaultsAloneValidateAndAreWhatLoadGivesWithoutAnyLayer() {
        assertThat(AppConfig.defaults().validate()).isEqualTo(AppConfig.defaults());
        assertThat(ConfigLoader.load(null, Map.of(), Map.of())).isEqualTo(AppConfig.defaults());
    }

    @Test
    void anEmptyFileKeepsEveryDefault() throws IOException {
        assertThat(load(yaml(""))).isEqualTo(AppConfig.defaults());
        assertThat(load(yaml("# only a comment\n"))).isEqualTo(AppConfig.defaults());
    }

    @Test
    void fileOverridesOneNestedKeyAndKeepsTheRest() throws IOException {
        AppConfig config = load(yaml("""
                detection:
                  policy-block:
                    enter-ratio: 0.6
                """));

        AppConfig d = AppConfig.defaults();
        assertThat(config.detection().policyBlock().enterRatio()).isEqualTo(0.6);
        assertThat(config.detection().policyBlock().window()).isEqualTo(d.detection().policyBlock().window());
        assertThat(config.detection().policyBlock().consecutive()).isEqualTo(d.detection().policyBlock().consecutive());
        assertThat(config.detection().rateLimit()).isEqualTo(d.detection().rateLimit());
        assertThat(config.kafka()).isEqualTo(d.kafka());
        assertThat(config.classes()).isEqualTo(d.classes());
        assertThat(config.http()).isEqualTo(d.http());
    }

    @Test
    void envOverridesFileAndFlagsOverrideEnv() throws IOException {
        Path file = yaml("""
                http:
                  port: 8081
                detection:
                  degraded:
                    enter-ratio: 0.2
                windows:
                  grace: 20s
                """);
        Map<String, String> env = Map.of(
                "MODEL_HEALTH_HTTP_PORT", "8082",
                "MODEL_HEALTH_DETECTION_DEGRADED_ENTER_RATIO", "0.3",
                "MODEL_HEALTH_ANOMALY_ENABLED", "false");
        Map<String, String> flags = Map.of("http.port", "8083");

        AppConfig fileOnly = ConfigLoader.load(file, Map.of(), Map.of());
        AppConfig fileAndEnv = ConfigLoader.load(file, env, Map.of());
        AppConfig all = ConfigLoader.load(file, env, flags);

        assertThat(fileOnly.http().port()).isEqualTo(8081);
        assertThat(fileAndEnv.http().port()).isEqualTo(8082);
        assertThat(fileAndEnv.detection().degraded().enterRatio()).isEqualTo(0.3);
        assertThat(fileAndEnv.anomaly().enabled()).isFalse();
        assertThat(fileAndEnv.windows().grace()).isEqualTo(Duration.ofSeconds(20)); // untouched by env
        assertThat(all.http().port()).isEqualTo(8083);
        assertThat(all.detection().degraded().enterRatio()).isEqualTo(0.3); // env still applies
    }

    @Test
    void flagsCoverTheCliOptions() {
        AppConfig config = ConfigLoader.load(null, Map.of(), Map.of(
                "kafka.bootstrap.servers", "broker-1:9092,broker-2:9092",
                "http.port", "0",
                "alerts.alertmanager-url", "http://alertmanager:9093"));

        assertThat(config.kafka()).containsEntry("bootstrap.servers", "broker-1:9092,broker-2:9092");
        assertThat(config.http().port()).isZero();
        assertThat(config.alerts().alertmanagerUrl()).isEqualTo("http://alertmanager:9093");
    }

    @Test
    void configFileComesFromModelHealthConfigWhenNoPathIsGiven() throws IOException {
        Path file = yaml("http: {port: 9001}\n");

        AppConfig config = ConfigLoader.load(null, Map.of("MODEL_HEALTH_CONFIG", file.toString()), Map.of());

        assertThat(config.http().port()).isEqualTo(9001);
    }

    @Test
    void aMissingFileFromModelHealthConfigSaysWhereThePathCameFrom() {
        Path missing = dir.resolve("absent.yaml");

        assertThat(errorOf(() -> ConfigLoader.load(null, Map.of("MODEL_HEALTH_CONFIG", missing.toString()), Map.of())))
                .isEqualTo("config file " + missing + " (MODEL_HEALTH_CONFIG): does not exist");
    }

    @Test
    void flagsWithoutValueAreOptionsThatWereNotGiven() {
        Map<String, String> flags = new java.util.HashMap<>();
        flags.put("http.port", null);

        assertThat(ConfigLoader.load(null, Map.of(), flags)).isEqualTo(AppConfig.defaults());
    }

    @Test
    void envVariablesThatAreNotConfigKeysAreIgnored() {
        AppConfig config = ConfigLoader.load(null, Map.of(
                "PATH", "/usr/bin",
                "MODEL_HEALTH_TEST_SCENARIO", "whatever",
                "MODEL_HEALTH_TEST_", "x",
                "HTTP_PORT", "1"), Map.of());

        assertThat(config).isEqualTo(AppConfig.defaults());
    }

    @Test
    void listsFromEnvAndFlagsAreCommaSeparated() {
        AppConfig fromEnv = ConfigLoader.load(null, Map.of("MODEL_HEALTH_REROUTE_RESTORE_STEPS", "0.7, 0.3,0"), Map.of());
        AppConfig fromFlag = ConfigLoader.load(null, Map.of(), Map.of("reroute.restore-steps", "0.25,0"));

        assertThat(fromEnv.reroute().restoreSteps()).containsExactly(0.7, 0.3, 0.0);
        assertThat(fromFlag.reroute().restoreSteps()).containsExactly(0.25, 0.0);
    }

    @Test
    void durationsFromEnvAndFlagsUseTheHumanForm() {
        AppConfig config = ConfigLoader.load(null,
                Map.of("MODEL_HEALTH_DETECTION_POLICY_BLOCK_HOLD_DOWN", "1h", "MODEL_HEALTH_TELEMETRY_DEDUP_WINDOW", "0"),
                Map.of("windows.punctuate-interval", "500ms"));

        assertThat(config.detection().policyBlock().holdDown()).isEqualTo(Duration.ofHours(1));
        assertThat(config.telemetry().dedupWindow()).isZero();
        assertThat(config.windows().punctuateInterval()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void fileListsReplaceRatherThanMergeAndRulesMayGiveOneCondition() throws IOException {
        AppConfig config = load(yaml("""
                classes:
                  rules:
                    - outcome: rate_limit
                      status: [429]
                    - outcome: success
                      status: ["100-399"]
                    - outcome: availability
                      error-types: [overloaded_error]
                """));

        assertThat(config.classes().rules()).containsExactly(
                new AppConfig.ClassRule(OutcomeClass.RATE_LIMIT, List.of(), List.of("429")),
                new AppConfig.ClassRule(OutcomeClass.SUCCESS, List.of(), List.of("100-399")),
                new AppConfig.ClassRule(OutcomeClass.AVAILABILITY, List.of("overloaded_error"), List.of()));
        assertThat(config.classes().unknownError()).isEqualTo(AppConfig.defaults().classes().unknownError());
    }

    @Test
    void routesMergeByRouteIdAndKeepTheirOrder() throws IOException {
        AppConfig config = load(yaml("""
                routes:
                  anthropic/claude-fable-5:
                    fallbacks: [openai/gpt-5, google/gemini-3-pro]
                  openai/gpt-5:
                    fallbacks: [anthropic/claude-fable-5]
                """));

        assertThat(config.routes().keySet()).containsExactly("anthropic/claude-fable-5", "openai/gpt-5");
        assertThat(config.fallbacksOf("anthropic/claude-fable-5")).containsExactly("openai/gpt-5", "google/gemini-3-pro");
        assertThat(config.fallbacksOf("google/gemini-3-pro")).isEmpty();
    }

    // ---------------------------------------------------------------------------------------
    // Kafka properties pass through

    @Test
    void kafkaSecurityPropertiesPassThroughFromFileAndEnv() throws IOException {
        Path file = yaml("""
                kafka:
                  bootstrap.servers: kafka-1.prod:9096
                  security.protocol: SASL_SSL
                  sasl:
                    mechanism: SCRAM-SHA-512
                  ssl.truststore.location: /etc/kafka/truststore.jks
                  linger.ms: 5
                  enable.idempotence: true
                """);
        Map<String, String> env = Map.of(
                "MODEL_HEALTH_KAFKA_SASL_JAAS_CONFIG",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"mh\" password=\"s3cret\";",
                "MODEL_HEALTH_KAFKA_SSL_TRUSTSTORE_PASSWORD", "changeit",
                "MODEL_HEALTH_KAFKA_BOOTSTRAP_SERVERS", "kafka-2.prod:9096");

        AppConfig config = ConfigLoader.load(file, env, Map.of());

        assertThat(config.kafka())
                .containsEntry("bootstrap.servers", "kafka-2.prod:9096") // env beats file
                .containsEntry("application.id", "model-health") // default kept
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512") // nested mapping flattened
                .containsEntry("ssl.truststore.location", "/etc/kafka/truststore.jks")
                .containsEntry("linger.ms", "5") // numbers and booleans become strings
                .containsEntry("enable.idempotence", "true")
                .containsEntry("ssl.truststore.password", "changeit")
                .containsEntry("sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"mh\" password=\"s3cret\";");
    }

    @Test
    void blankBootstrapServersFailsNamingTheKeyAndTheVariable() {
        String message = errorOf(() -> ConfigLoader.load(null, Map.of("MODEL_HEALTH_KAFKA_BOOTSTRAP_SERVERS", " "), Map.of()));

        assertThat(message).startsWith("kafka.bootstrap.servers:").contains("required").contains("MODEL_HEALTH_KAFKA_BOOTSTRAP_SERVERS");
    }

    @Test
    void aKafkaPropertyWithoutValueFails() throws IOException {
        Path file = yaml("kafka:\n  security.protocol:\n");

        assertThat(errorOf(() -> load(file))).startsWith("kafka.security.protocol:").contains("no value");
    }

    // ---------------------------------------------------------------------------------------
    // Errors name the key

    @Test
    void unknownKeyInTheFileFailsNamingItAndListingTheAllowedKeys() throws IOException {
        Path file = yaml("""
                detection:
                  policy-block:
                    enter-ration: 0.5
                """);

        assertThat(errorOf(() -> load(file)))
                .startsWith("detection.policy-block.enter-ration: unknown key")
                .contains("window, min-calls, enter-ratio, consecutive, min-tenants, hold-down, probe-successes")
                .contains("did you mean enter-ratio?");
    }

    @Test
    void unknownSectionListsTheSections() throws IOException {
        Path file = yaml("detections:\n  min-hold: 10s\n");

        assertThat(errorOf(() -> load(file)))
                .startsWith("detections: unknown key")
                .contains("kafka, http, topics, telemetry, classes, windows, detection, anomaly, reroute, alerts, routes")
                .contains("did you mean detection?");
    }

    @Test
    void unknownKeyInsideAListEntryNamesItsIndex() throws IOException {
        Path file = yaml("""
                classes:
                  rules:
                    - outcome: client
                      status: ["400-499"]
                    - outcome: success
                      statuses: ["100-399"]
                """);

        assertThat(errorOf(() -> load(file)))
                .startsWith("classes.rules[1].statuses: unknown key")
                .contains("outcome, error-types, status");
    }

    @Test
    void typoedEnvVariableFailsNamingItAndSuggestingTheClosestKey() {
        String message = errorOf(() -> ConfigLoader.load(null, Map.of("MODEL_HEALTH_DETECTION_POLICY_BLOCK_ENTER_RATO", "0.4"), Map.of()));

        assertThat(message)
                .startsWith("MODEL_HEALTH_DETECTION_POLICY_BLOCK_ENTER_RATO:")
                .contains("maps to no config key")
                .contains("MODEL_HEALTH_DETECTION_POLICY_BLOCK_ENTER_RATIO (detection.policy-block.enter-ratio)");
    }

    @Test
    void unknownFlagFailsSuggestingTheClosestKey() {
        assertThat(errorOf(() -> ConfigLoader.load(null, Map.of(), Map.of("http.prot", "8081"))))
                .startsWith("http.prot:").contains("did you mean http.port?");
    }

    @Test
    void routesAndRuleTablesAreFileOnly() {
        assertThat(errorOf(() -> ConfigLoader.load(null, Map.of("MODEL_HEALTH_ROUTES_ANTHROPIC", "x"), Map.of())))
                .startsWith("MODEL_HEALTH_ROUTES_ANTHROPIC:").contains("config file");
        assertThat(errorOf(() -> ConfigLoader.load(null, Map.of("MODEL_HEALTH_CLASSES_RULES", "x"), Map.of())))
                .startsWith("classes.rules:").contains("config file");
        assertThat(errorOf(() -> ConfigLoader.load(null, Map.of(), Map.of("routes.a/b.fallbacks", "c/d"))))
                .startsWith("routes.a/b.fallbacks:").contains("config file");
    }

    @Test
    void ratioAboveOneFailsNamingTheKey() throws IOException {
        Path file = yaml("""
                detection:
                  policy-block:
                    enter-ratio: 1.5
                """);

        assertThat(errorOf(() -> load(file)))
                .isEqualTo("detection.policy-block.enter-ratio: must be a ratio between 0 and 1, got 1.5");
    }

    @Test
    void badDurationFailsNamingTheKeyAndTheForm() throws IOException {
        Path file = yaml("windows:\n  bucket: 10 parsecs\n");

        assertThat(errorOf(() -> load(file)))
                .startsWith("windows.bucket:").contains("'10 parsecs' is not a duration").contains("10s");
    }

    @Test
    void aBareNumberIsNotADuration() throws IOException {
        Path file = yaml("detection:\n  min-hold: 30\n");

        assertThat(errorOf(() -> load(file))).startsWith("detection.min-hold:").contains("needs a unit, e.g. 30s");
    }

    @Test
    void badDurationFromEnvNamesTheKeyAndTheVariable() {
        assertThat(errorOf(() -> ConfigLoader.load(null, Map.of("MODEL_HEALTH_WINDOWS_GRACE", "soon"), Map.of())))
                .startsWith("windows.grace:").contains("'soon' is not a duration").contains("MODEL_HEALTH_WINDOWS_GRACE");
    }

    @Test
    void badEnumFailsNamingTheKeyWithIndexAndTheAllowedValues() throws IOException {
        Path file = yaml("""
                classes:
                  rules:
                    - outcome: client
                      status: ["400-499"]
                    - outcome: success
                      status: ["100-399"]
                    - outcome: foo
                      status: ["500"]
                """);

        assertThat(errorOf(() -> load(file)))
                .startsWith("classes.rules[2].outcome:")
                .contains("'foo'")
                .contains("success, availability, rate_limit, policy_block, content_filter, client");
    }

    @Test
    void enumValuesAreTheLowercaseWireNamesOnly() throws IOException {
        Path file = yaml("classes:\n  unknown-error: AVAILABILITY\n");

        assertThat(errorOf(() -> load(file))).startsWith("classes.unknown-error:").contains("'AVAILABILITY'").contains("availability");
    }

    @Test
    void exitRatioNotBelowEnterRatioFails() throws IOException {
        Path file = yaml("""
                detection:
                  degraded:
                    enter-ratio: 0.05
                    exit-ratio: 0.05
                """);

        assertThat(errorOf(() -> load(file))).startsWith("detection.degraded.exit-ratio:").contains("below the enter ratio");
    }

    @Test
    void aRouteFallingBackToItselfFails() throws IOException {
        Path file = yaml("""
                routes:
                  anthropic/claude-fable-5:
                    fallbacks: [openai/gpt-5, anthropic/claude-fable-5]
                """);

        assertThat(errorOf(() -> load(file)))
                .startsWith("routes.anthropic/claude-fable-5.fallbacks[1]:").contains("cannot fall back to itself");
    }

    @Test
    void aRouteWithoutSettingsFails() throws IOException {
        Path file = yaml("routes:\n  anthropic/claude-fable-5:\n");

        assertThat(errorOf(() -> load(file))).startsWith("routes.anthropic/claude-fable-5:").contains("fallbacks");
    }

    @Test
    void aWindowThatIsNotAWholeNumberOfBucketsFails() throws IOException {
        Path file = yaml("""
                detection:
                  rate-limit:
                    window: 25s
                """);

        assertThat(errorOf(() -> load(file)))
                .startsWith("detection.rate-limit.window:").contains("whole number of buckets").contains("10s").contains("25s");
    }

    @Test
    void yamlSyntaxErrorNamesTheFileLineAndColumn() throws IOException {
        Path file = yaml("""
                http:
                  port: 8080
                 detection: {
                """);

        assertThat(errorOf(() -> load(file)))
                .startsWith("config file " + file + ":")
                .contains("not valid YAML")
                .containsPattern("line 3, column \\d+");
    }

    @Test
    void duplicateKeysAreAnError() throws IOException {
        Path file = yaml("http:\n  port: 1\nhttp:\n  port: 2\n");

        assertThat(errorOf(() -> load(file))).contains("Duplicate field 'http'").contains("line 3");
    }

    @Test
    void aMissingFileFailsNamingThePath() {
        Path missing = dir.resolve("nope/model-health.yaml");

        assertThat(errorOf(() -> load(missing))).isEqualTo("config file " + missing + ": does not exist");
    }

    @Test
    void aTopLevelListIsNotAConfig() throws IOException {
        Path file = yaml("- http\n- kafka\n");

        assertThat(errorOf(() -> load(file))).contains("top level must be a mapping");
    }

    @Test
    void scalarsAreNotCoerced() throws IOException {
        Path quotedPort = yaml("http:\n  port: \"8081\"\n");
        Path fractionalPort = yaml("http:\n  port: 80.5\n");
        Path textBoolean = yaml("anomaly:\n  enabled: \"false\"\n");
        Path tooLarge = yaml("topics:\n  partitions: 99999999999\n");

        assertThat(errorOf(() -> load(quotedPort))).isEqualTo("http.port: expected an integer, got '8081'");
        assertThat(errorOf(() -> load(fractionalPort))).isEqualTo("http.port: expected an integer, got 80.5");
        assertThat(errorOf(() -> load(textBoolean))).isEqualTo("anomaly.enabled: expected true or false, got 'false'");
        assertThat(errorOf(() -> load(tooLarge))).startsWith("topics.partitions: expected an integer");
    }

    @Test
    void envValuesAreTypedByTheirKey() {
        assertThat(errorOf(() -> ConfigLoader.load(null, Map.of("MODEL_HEALTH_HTTP_PORT", "abc"), Map.of())))
                .isEqualTo("http.port: 'abc' is not an integer (environment variable MODEL_HEALTH_HTTP_PORT)");
        assertThat(errorOf(() -> ConfigLoader.load(null, Map.of("MODEL_HEALTH_ANOMALY_ENABLED", "yes"), Map.of())))
                .startsWith("anomaly.enabled: 'yes' is not true or false");
        assertThat(errorOf(() -> ConfigLoader.load(null, Map.of("MODEL_HEALTH_ANOMALY_ALPHA", "NaN"), Map.of())))
                .startsWith("anomaly.alpha: 'NaN' is not a number");
        assertThat(errorOf(() -> ConfigLoader.load(null, Map.of(), Map.of("reroute.restore-steps", "0.5,half,0"))))
                .startsWith("reroute.restore-steps[1]: 'half' is not a number").contains("flag reroute.restore-steps");
    }

    @Test
    void validationErrorsSayWhichLayerSetTheValue() {
        assertThat(errorOf(() -> ConfigLoader.load(null, Map.of("MODEL_HEALTH_DETECTION_RATE_LIMIT_EXIT_RATIO", "0.6"), Map.of())))
                .startsWith("detection.rate-limit.exit-ratio:").endsWith("(set by environment variable MODEL_HEALTH_DETECTION_RATE_LIMIT_EXIT_RATIO)");
        assertThat(errorOf(() -> ConfigLoader.load(null, Map.of(), Map.of("alerts.alertmanager-url", "alertmanager:9093"))))
                .startsWith("alerts.alertmanager-url: must be an http(s) URL").endsWith("(set by flag alerts.alertmanager-url)");
    }

    @Test
    void anEmptyValueForAKeyWithADefaultFails() throws IOException {
        Path file = yaml("windows:\n  bucket:\n");

        assertThat(errorOf(() -> load(file))).startsWith("windows.bucket: has no value").contains("10s");
    }

    @Test
    void optionalKeysMayBeUnset() throws IOException {
        Path file = yaml("alerts:\n  alertmanager-url: http://am:9093\n");

        AppConfig set = load(file);
        AppConfig unsetByEnv = ConfigLoader.load(file, Map.of("MODEL_HEALTH_ALERTS_ALERTMANAGER_URL", ""), Map.of());

        assertThat(set.alerts().alertmanagerUrl()).isEqualTo("http://am:9093");
        assertThat(unsetByEnv.alerts().alertmanagerUrl()).isNull();
    }

    @Test
    void aSectionGivenAsAScalarSaysWhatItShouldBe() throws IOException {
        Path file = yaml("http: 8080\n");

        assertThat(errorOf(() -> load(file))).isEqualTo("http: expected a mapping with keys port, host, auth-token, metrics-auth, request-timeout, status-cache, got 8080");
    }

    @Test
    void emptyEntriesInListsFail() throws IOException {
        Path file = yaml("reroute:\n  restore-steps: [0.5, null, 0]\n");

        assertThat(errorOf(() -> load(file))).startsWith("reroute.restore-steps[1]: is empty");
    }

    // ---------------------------------------------------------------------------------------
    // Dump and version

    @Test
    void toYamlMasksSecretsButShowsTheRest() {
        AppConfig config = ConfigLoader.load(null, Map.of(
                "MODEL_HEALTH_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "MODEL_HEALTH_KAFKA_SASL_JAAS_CONFIG",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"mh\" password=\"hunter2\";",
                "MODEL_HEALTH_KAFKA_SSL_KEYSTORE_PASSWORD", "ks-pass-1",
                "MODEL_HEALTH_KAFKA_SASL_OAUTHBEARER_CLIENT_CREDENTIALS_CLIENT_SECRET", "oauth-sec-2",
                "MODEL_HEALTH_KAFKA_SASL_LOGIN_TOKEN", "tok-3"), Map.of());

        String dump = ConfigLoader.toYaml(config);

        assertThat(dump).doesNotContain("hunter2", "ks-pass-1", "oauth-sec-2", "tok-3", "ScramLoginModule");
        assertThat(dump).contains("security.protocol: SASL_SSL").contains("bootstrap.servers: localhost:9092");
        assertThat(dump).containsPattern("sasl.jaas.config: [\"']\\*{6}[\"']");
        assertThat(dump).contains("bucket: 10s").contains("hold-down: 1m").contains("ttl: 1h");
    }

    @Test
    void aMaskedDumpStillLoadsWithTheMaskInPlaceOfTheSecret() throws IOException {
        AppConfig config = ConfigLoader.load(null, Map.of("MODEL_HEALTH_KAFKA_SSL_KEY_PASSWORD", "pw"), Map.of());

        AppConfig reloaded = load(yaml(ConfigLoader.toYaml(config)));

        assertThat(reloaded.kafka()).containsEntry("ssl.key.password", ConfigLoader.MASK);
    }

    @Test
    void aFutureSkewBeyondTheGraceFailsNamingBothKeys() {
        assertThatThrownBy(() -> load(yaml("telemetry: {max-future-skew: 6m}\n")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("telemetry.max-future-skew").hasMessageContaining("windows.grace");
    }

    @Test
    void toYamlRoundTrips() throws IOException {
        AppConfig config = load(yaml("""
                kafka:
                  bootstrap.servers: a:9092,b:9092
                  security.protocol: SSL
                  num.standby.replicas: 1
                http: {port: 9090}
                telemetry:
                  route-includes-region: true
                  max-future-skew: 1s
                  dedup-window: 0s
                classes:
                  rules:
                    - {outcome: policy_block, error-types: [model_not_found], status: ["404"]}
                    - {outcome: availability, status: ["0", "500-599"]}
                    - {outcome: success, status: ["100-399"]}
                  unknown-error: client
                windows: {bucket: 5s, grace: 1500ms, punctuate-interval: 250ms}
                detection:
                  availability:
                    slo: 0.995
                    burn-rates:
                      - {long-window: 1h, short-window: 5m, factor: 14.4}
                  policy-block: {window: 20s, hold-down: 1d}
                reroute:
                  restore-steps: [0.75, 0.5, 0.25, 0]
                alerts:
                  alertmanager-url: http://alertmanager:9093
                  status-page-url: http://model-health:8080
                routes:
                  anthropic/claude-fable-5:
                    fallbacks: [openai/gpt-5, google/gemini-3-pro]
                  openai/gpt-5:
                    fallbacks: [anthropic/claude-fable-5]
                """));
        assertThat(config).isNotEqualTo(AppConfig.defaults());

        String dump = ConfigLoader.toYaml(config);
        AppConfig reloaded = load(yaml(dump));

        assertThat(reloaded).isEqualTo(config);
        assertThat(ConfigLoader.toYaml(reloaded)).isEqualTo(dump);
        assertThat(load(yaml(ConfigLoader.toYaml(AppConfig.defaults())))).isEqualTo(AppConfig.defaults());
    }

    @Test
    void configVersionIsStableForEqualConfigs() throws IOException {
        AppConfig a = load(yaml("detection:\n  min-hold: 1m\n"));
        AppConfig b = load(yaml("detection:\n  min-hold: 60s\n")); // same duration, spelled otherwise
        AppConfig c = ConfigLoader.load(null, Map.of("MODEL_HEALTH_DETECTION_MIN_HOLD", "PT1M"), Map.of());

        assertThat(ConfigLoader.configVersion(a)).matches("[0-9a-f]{12}");
        assertThat(ConfigLoader.configVersion(a)).isEqualTo(ConfigLoader.configVersion(a));
        assertThat(ConfigLoader.configVersion(b)).isEqualTo(ConfigLoader.configVersion(a));
        assertThat(ConfigLoader.configVersion(c)).isEqualTo(ConfigLoader.configVersion(a));
        assertThat(ConfigLoader.configVersion(a)).isNotEqualTo(ConfigLoader.configVersion(AppConfig.defaults()));
    }

    @Test
    void configVersionChangesWithAThresholdButNotWithTheBrokerOrPort() {
        String base = ConfigLoader.configVersion(AppConfig.defaults());

        AppConfig threshold = ConfigLoader.load(null, Map.of("MODEL_HEALTH_DETECTION_POLICY_BLOCK_ENTER_RATIO", "0.4"), Map.of());
        AppConfig broker = ConfigLoader.load(null, Map.of(), Map.of(
                "kafka.bootstrap.servers", "elsewhere:9092", "kafka.security.protocol", "SSL", "http.port", "9999"));

        assertThat(ConfigLoader.configVersion(threshold)).isNotEqualTo(base);
        assertThat(ConfigLoader.configVersion(broker)).isEqualTo(base);
    }

    @Test
    void configVersionDependsOnTheFallbackChains() throws IOException {
        AppConfig one = load(yaml("routes: {a/m: {fallbacks: [b/m, c/m]}}\n"));
        AppConfig other = load(yaml("routes: {a/m: {fallbacks: [c/m, b/m]}}\n"));

        assertThat(ConfigLoader.configVersion(one)).isNotEqualTo(ConfigLoader.configVersion(other));
    }

    @Test
    void mapperReadsTheFileSpelling() throws Exception {
        AppConfig.Windows windows = ConfigLoader.mapper()
                .readValue("{\"bucket\":\"5s\",\"grace\":\"0\",\"punctuate-interval\":\"PT0.5S\",\"out-of-order\":\"1s\","
                        + "\"idle-partition-after\":\"2s\",\"watermark-interval\":\"50ms\"}", AppConfig.Windows.class);

        assertThat(windows).isEqualTo(new AppConfig.Windows(Duration.ofSeconds(5), Duration.ZERO, Duration.ofMillis(500),
                Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofMillis(50)));
        assertThat(ConfigLoader.mapper().writeValueAsString(windows)).isEqualTo(
                "{\"bucket\":\"5s\",\"grace\":\"0s\",\"punctuate-interval\":\"500ms\",\"out-of-order\":\"1s\","
                        + "\"idle-partition-after\":\"2s\",\"watermark-interval\":\"50ms\"}");
    }

    @Test
    void scopedCommandsFollowARenamedCommandTopicUnlessSetThemselves() throws Exception {
        Path f1 = yaml("topics:\n  scoped-reroutes: model.reroute.commands\n");
        assertThat(load(yaml("topics:\n  reroutes: team-a.commands\n")).topics().scopedReroutes())
                .isEqualTo("team-a.commands.scoped");
        assertThat(load(yaml("topics:\n  reroutes: team-a.commands\n  scoped-reroutes: other\n")).topics().scopedReroutes())
                .isEqualTo("other");
        assertThat(AppConfig.defaults().topics().scopedReroutes()).isEqualTo("model.reroute.commands.scoped");
        assertThat(errorOf(() -> load(f1)))
                .startsWith("topics.scoped-reroutes: must differ from topics.reroutes");
    }

    @Test
    void familiesAndScopesAreValidatedNamingTheKey() throws Exception {
        Path f2 = yaml("scopes:\n  dimensions: [region, model]\n");
        Path f3 = yaml("families:\n  fable: [anthropic/claude-fable-5]\n");
        Path f4 = yaml("families:\n  a: [x/m, y/m]\n  b: [y/m, z/m]\n");
        assertThat(errorOf(() -> load(f2)))
                .startsWith("scopes.dimensions[1]: 'model' is not a scope field");
        assertThat(errorOf(() -> load(f3)))
                .startsWith("families.fable: a family lists at least two routes");
        assertThat(errorOf(() -> load(f4)))
                .startsWith("families.b[0]: 'y/m' is already in family a");
        AppConfig ok = load(yaml("scopes:\n  dimensions: [region, tenant]\nfamilies:\n  m: [x/m, y/m]\n"));
        assertThat(ok.scopes().dimensions()).containsExactly("region", "tenant");
        assertThat(ok.familyOf("y/m")).isEqualTo("m");
        assertThat(errorOf(() -> ConfigLoader.load(null, Map.of("MODEL_HEALTH_FAMILIES", "x"), Map.of())))
                .contains("families can only be set in the config file");
    }

    @Test
    void leafKeysAreDottedAndCoverNestedListsAndKafka() {
        List<String> keys = ConfigLoader.leafKeys();

        assertThat(keys).contains("http.port", "detection.policy-block.enter-ratio", "kafka.bootstrap.servers",
                "classes.rules", "classes.rules[].outcome", "detection.availability.burn-rates[].factor",
                "reroute.restore-steps", "alerts.alertmanager-url", "routes");
        assertThat(keys).doesNotHaveDuplicates();
    }

    @Test
    void durationsRejectAnOverflowWithTheKey() {
        assertThatThrownBy(() -> Durations.parse("windows.bucket", "99999999999999999999d"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("windows.bucket:");
    }
}
