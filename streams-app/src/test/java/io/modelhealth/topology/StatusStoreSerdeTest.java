package io.modelhealth.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelhealth.schemas.Caller;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.Evidence;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.OutcomeClass;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.schemas.ScopeStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The global store's values read back as the {@code model.health.state.v1} records written, whatever their form. */
class StatusStoreSerdeTest {

    private static final Instant T = Instant.parse("2026-11-27T03:00:00.250Z");

    private static RouteStatus healthy(String route) {
        return new RouteStatus(route, "benchai", route.substring(route.indexOf('/') + 1), HealthState.HEALTHY, null, T,
                "no errors", null, null, null, null, "778228a7e200", T);
    }

    @Test
    void aHealthyRouteIsHeldCompactAndReadsBackEqual() {
        RouteStatus s = healthy("benchai/mem-0001");
        byte[] compact = StatusStoreSerde.write(s);
        byte[] json = ContractSerdes.ROUTE_STATUS.serializer().serialize("", s);

        assertThat(compact[0]).isEqualTo(StatusStoreSerde.COMPACT);
        assertThat(StatusStoreSerde.read(compact)).isEqualTo(s);
        // The point of the form: a third of the JSON, for the record nearly every route has.
        assertThat(compact.length).isLessThan(json.length / 2);
    }

    @Test
    void aRecordWithEvidenceScopesOrBlastRadiusStaysJson() {
        Evidence evidence = new Evidence("policy_block_consecutive", 30, T.minusSeconds(30), T, 6, 6, 1.0, 0.5,
                Map.of(OutcomeClass.POLICY_BLOCK, 6L), "778228a7e200");
        Caller caller = new Caller("checkout", "eu-west-1", 12, 4.5, T.minusSeconds(60), T);
        RouteStatus s = new RouteStatus("anthropic/claude-fable-5", "anthropic", "claude-fable-5", HealthState.BLOCKED,
                HealthState.HEALTHY, T, "policy_block: 6 of 6 calls in 30s", evidence, "openai/gpt-5", 1.0, null,
                "778228a7e200", T, "fable", List.of(new ScopeStatus(Map.of("region", "eu-west-1"), HealthState.BLOCKED, T,
                "policy_block", null, null, List.of(caller))), List.of(caller), null);

        byte[] value = StatusStoreSerde.write(s);

        assertThat(value[0]).isEqualTo((byte) '{');
        assertThat(StatusStoreSerde.read(value)).isEqualTo(s);
    }

    @Test
    void jsonCopiedFromTheStateTopicAsItIsReadsBack() {
        RouteStatus s = healthy("benchai/mem-0002");
        assertThat(StatusStoreSerde.read(ContractSerdes.ROUTE_STATUS.serializer().serialize("", s))).isEqualTo(s);
    }

    @Test
    void aProviderOrModelThatIsNotTheRouteIdsOwnIsKept() {
        // With telemetry.route-includes-region the route id carries @region, the model does not.
        RouteStatus s = new RouteStatus("openai/gpt-5@eu-west-1", "openai", "gpt-5", HealthState.DEGRADED, null, T,
                "availability: 40 % errors", null, "openai/gpt-5@us-east-1", 0.5, "force reroute", "v1", T);
        assertThat(StatusStoreSerde.read(StatusStoreSerde.write(s))).isEqualTo(s);
    }

    @Test
    void anUnknownFormatIsAClearError() {
        assertThatThrownBy(() -> StatusStoreSerde.read(new byte[]{7, 0, 0})).isInstanceOf(SerializationException.class)
                .hasMessageContaining("unknown fleet-state value format 7");
        assertThatThrownBy(() -> StatusStoreSerde.read(new byte[]{StatusStoreSerde.COMPACT, 0})).isInstanceOf(SerializationException.class)
                .hasMessageContaining("corrupt");
    }

    @Property(tries = 300)
    void everyScalarRecordRoundTrips(@ForAll("statuses") RouteStatus s) {
        assertThat(StatusStoreSerde.read(StatusStoreSerde.write(s))).isEqualTo(s);
        assertThat(new StatusStoreSerde().deserializer().deserialize("t", new StatusStoreSerde().serializer().serialize("t", s)))
                .isEqualTo(s);
    }

    @Provide
    Arbitrary<RouteStatus> statuses() {
        Arbitrary<String> text = Arbitraries.strings().ofMinLength(1).ofMaxLength(40);
        Arbitrary<String> optional = text.injectNull(0.3);
        Arbitrary<HealthState> state = Arbitraries.of(HealthState.class);
        Arbitrary<Instant> time = Arbitraries.longs().between(0, 4_000_000_000L)
                .flatMap(sec -> Arbitraries.integers().between(0, 999_999_999).map(n -> Instant.ofEpochSecond(sec, n)));
        Arbitrary<String> route = Combinators.combine(text, text).as((p, m) -> p.replace("/", "") + "/" + m);
        return Combinators.combine(route, optional, state, state.injectNull(0.3), time.injectNull(0.2), optional,
                        Arbitraries.doubles().between(0, 1).injectNull(0.5), optional)
                .flatAs((r, family, st, prev, since, reason, weight, ov) -> Combinators.combine(optional, optional, time.injectNull(0.2),
                                Arbitraries.of(true, false))
                        .as((target, cv, updated, ownParts) -> new RouteStatus(r,
                                ownParts ? "other-" + r.substring(0, r.indexOf('/')) : r.substring(0, r.indexOf('/')),
                                r.substring(r.indexOf('/') + 1), st, prev, since, reason, null, target, weight, ov, cv, updated,
                                family, List.of(), List.of(), ov == null ? null : "oncall@example.com")));
    }
}
