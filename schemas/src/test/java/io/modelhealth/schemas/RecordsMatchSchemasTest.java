package io.modelhealth.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelhealth.schemas.ContractFixtures.Fixture;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Records built in Java, serialized with {@link Json#mapper()}, match their schemas: this is how
 * "whatever the app writes validates" is proven for the record shapes. And the check has teeth:
 * records that break the contract are caught.
 */
class RecordsMatchSchemasTest {

    static Stream<Fixture> fixtures() {
        return ContractFixtures.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void recordSerializesToJsonThatMatchesItsSchema(Fixture fixture) {
        SchemaCatalog.assertValid(fixture.record());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void recordReadsBackEqual(Fixture fixture) {
        @SuppressWarnings("unchecked")
        JsonSerde<Object> serde = (JsonSerde<Object>) SchemaCatalog.serde(SchemaCatalog.schemaNameFor(fixture.record().getClass()));
        assertThat(serde.deserialize("t", serde.serialize("t", fixture.record()))).isEqualTo(fixture.record());
    }

    @Test
    void everyRecordTypeHasAFixture() {
        Set<String> covered = ContractFixtures.all().stream()
                .map(f -> SchemaCatalog.schemaNameFor(f.record().getClass()))
                .collect(Collectors.toSet());
        assertThat(covered).containsExactlyInAnyOrderElementsOf(SchemaCatalog.schemaNames());
    }

    @Test
    void optionalNullsAreLeftOutNotWrittenAsNull() {
        String json = SchemaCatalog.toJson(new LlmCall("e", ContractFixtures.T0, "google", "gemini-3-pro",
                null, null, null, null, 12.0, null, null, null));
        assertThat(json).isEqualTo("{\"event_id\":\"e\",\"latency_ms\":12.0,\"model\":\"gemini-3-pro\","
                + "\"provider\":\"google\",\"timestamp\":\"2025-11-27T03:12:45.120Z\"}");
    }

    @Test
    void outcomeClassesAreWrittenLowercaseAsMapKeys() {
        String json = SchemaCatalog.toJson(ContractFixtures.blockEvidence());
        assertThat(json).contains("\"by_class\":{\"policy_block\":6}");
    }

    @Test
    void alertUsesAlertmanagerFieldNames() {
        String json = SchemaCatalog.toJson(new Alert(Map.of("alertname", "ModelBlocked", "severity", "critical"), Map.of(),
                ContractFixtures.T0, ContractFixtures.T0.plusSeconds(60), "http://x/y", Alert.RESOLVED, "f"));
        assertThat(json).contains("\"startsAt\":", "\"endsAt\":", "\"generatorURL\":").doesNotContain("starts_at", "generator_url");
    }

    @Test
    void aCommandWithWeightAboveOneIsCaught() {
        RerouteCommand tooMuch = new RerouteCommand("anthropic/claude-fable-5#2", "anthropic/claude-fable-5", RerouteAction.REROUTE,
                "openai/gpt-5", 1.5, 0.01, "policy_block.window", HealthState.BLOCKED, ContractFixtures.blockEvidence(),
                ContractFixtures.T0, ContractFixtures.T0.plusSeconds(60), 2);
        assertThatThrownBy(() -> SchemaCatalog.assertValid(tooMuch))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("reroute.command.v1")
                .hasMessageContaining("/weight")
                .hasMessageContaining("[maximum]");
    }

    @Test
    void aRerouteWithoutTargetIsCaught() {
        RerouteCommand nowhere = new RerouteCommand("openai/gpt-5#3", "openai/gpt-5", RerouteAction.REROUTE, null, 1.0, 0.01,
                "availability.burn_rate", HealthState.UNAVAILABLE, ContractFixtures.blockEvidence(),
                ContractFixtures.T0, ContractFixtures.T0.plusSeconds(60), 3);
        assertThat(SchemaCatalog.validate("reroute.command.v1", SchemaCatalog.toJson(nowhere)))
                .anySatisfy(p -> assertThat(p).contains("target").contains("[required]"));
    }

    @Test
    void aNaNRatioIsCaught() {
        // Jackson writes NaN as the string "NaN": a ratio of 0 calls must be written as 0, never as NaN.
        Evidence nan = new Evidence("availability.burn_rate", 60, ContractFixtures.T0.minusSeconds(60), ContractFixtures.T0,
                0, 0, Double.NaN, 0.1, ContractFixtures.byClass(0, 0, 0, 0, 0, 0), ContractFixtures.CONFIG);
        RouteStatus status = new RouteStatus("openai/gpt-5", "openai", "gpt-5", HealthState.HEALTHY, null, ContractFixtures.T0,
                "no calls", nan, null, null, null, ContractFixtures.CONFIG, ContractFixtures.T0);
        assertThat(SchemaCatalog.validate("model.health.state.v1", SchemaCatalog.toJson(status)))
                .anySatisfy(p -> assertThat(p).startsWith("/evidence/ratio").contains("[type]"));
    }

    @Test
    void aWindowMissingAnOutcomeClassIsCaught() {
        HealthWindow sparse = new HealthWindow("openai/gpt-5", "openai", "gpt-5", ContractFixtures.T0, ContractFixtures.T0.plusSeconds(10),
                3, Map.of(OutcomeClass.SUCCESS, 3L), 100.0, 120.0, 130.0);
        assertThat(SchemaCatalog.validate("model.health.window.v1", SchemaCatalog.toJson(sparse)))
                .anySatisfy(p -> assertThat(p).startsWith("/by_class").contains("availability").contains("[required]"));
    }

    @Test
    void anAlertWithoutSeverityIsCaught() {
        Alert noSeverity = new Alert(Map.of("alertname", "ModelBlocked"), Map.of(), Instant.parse("2025-11-27T03:12:45Z"),
                null, null, Alert.FIRING, "f");
        assertThatThrownBy(() -> SchemaCatalog.assertValid("alert.v1", noSeverity))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("severity");
    }

    @Test
    void evidenceHasNoSchemaOfItsOwn() {
        assertThatThrownBy(() -> SchemaCatalog.schemaNameFor(Evidence.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a top-level contract record");
    }
}
