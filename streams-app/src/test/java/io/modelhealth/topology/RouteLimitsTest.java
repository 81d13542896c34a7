package io.modelhealth.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.modelhealth.backtest.Replay;
import io.modelhealth.config.AppConfig;
import io.modelhealth.health.RouteState;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.reroute.FleetRoute;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.testing.Calls;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code limits.max-routes} and {@code limits.idle-eviction} through the whole topology (TopologyTestDriver). */
class RouteLimitsTest {

    private static final long T0 = Instant.parse("2026-12-03T03:00:00Z").toEpochMilli();
    private static final String NAMED = "anthropic/claude-fable-5";
    private static final String FALLBACK = "openai/gpt-5";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<Replay.Output> out = new ArrayList<>();
    private Replay replay;
    private AppConfig config;

    private void start(int maxRoutes, Duration idleEviction) {
        config = AppConfig.defaults()
                .withRoutes(Map.of(NAMED, new AppConfig.Route(List.of(FALLBACK))))
                .withLimits(new AppConfig.Limits(maxRoutes, 500, idleEviction));
        replay = new Replay(config, "test", Instant.ofEpochMilli(T0), new HealthMetrics(registry));
    }

    @AfterEach
    void stop() {
        if (replay != null) {
            replay.close();
        }
    }

    private void call(String route, long ts) {
        out.addAll(replay.call(Calls.key(route), Calls.bytes(Calls.ok(route, ts)), ts));
    }

    private List<DeadLetter> deadLetters() {
        return out.stream().filter(o -> o.topic().equals(config.topics().deadLetters())).map(o -> (DeadLetter) o.value()).toList();
    }

    private Set<String> windowRoutes() {
        return out.stream().filter(o -> o.topic().equals(config.topics().windows()))
                .map(o -> ((HealthWindow) o.value()).route()).collect(Collectors.toCollection(TreeSet::new));
    }

    private Set<String> stored(String storeName) {
        Set<String> keys = new TreeSet<>();
        KeyValueStore<String, ?> store = replay.driver().getKeyValueStore(storeName);
        try (var it = store.all()) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        return keys;
    }

    private double counter(String name, String reason) {
        return registry.get(name).tag("reason", reason).counter().count();
    }

    @Test
    void callsOfANewRouteBeyondTheCapAreDeadLetteredAndNamedRoutesAreAlwaysAdmitted() {
        start(3, Duration.ofHours(6));
        for (int i = 1; i <= 3; i++) {
            call("junk/m" + i, T0 + i);
        }
        for (int rep = 0; rep < 2; rep++) {
            call("junk/m4", T0 + 10 + rep);
            call("junk/m5", T0 + 20 + rep);
        }
        call(NAMED, T0 + 30);
        call(FALLBACK, T0 + 31);
        call("junk/m1", T0 + 40);
        out.addAll(replay.advance(Duration.ofSeconds(25)));

        assertThat(windowRoutes()).containsExactlyInAnyOrder("junk/m1", "junk/m2", "junk/m3", NAMED, FALLBACK);
        assertThat(stored(RouteProcessor.STATE_STORE)).containsExactlyInAnyOrder("junk/m1", "junk/m2", "junk/m3", NAMED, FALLBACK);

        List<DeadLetter> refused = deadLetters();
        assertThat(refused).hasSize(4).allSatisfy(d -> {
            assertThat(d.reason()).isEqualTo(DeadLetter.ROUTE_LIMIT);
            assertThat(d.error()).contains("limits.max-routes");
        });
        // The call itself is kept, whole, under its route's key: it can be replayed once the cap is raised.
        List<String> refusedRoutes = refused.stream()
                .map(d -> new String(Base64.getDecoder().decode(d.originalKey()), java.nio.charset.StandardCharsets.UTF_8)).toList();
        assertThat(refusedRoutes).containsExactlyInAnyOrder("junk/m4", "junk/m4", "junk/m5", "junk/m5");
        LlmCall kept = ContractSerdes.LLM_CALL.deserialize("", Base64.getDecoder().decode(refused.get(0).originalValue()));
        assertThat(kept.model()).isEqualTo("m4");

        assertThat(counter(HealthMetrics.ROUTES_DROPPED, HealthMetrics.ROUTE_LIMIT)).as("routes refused, not calls").isEqualTo(2.0);
        assertThat(counter(HealthMetrics.DEAD_LETTERS, DeadLetter.ROUTE_LIMIT)).isEqualTo(4.0);
    }

    @Test
    void aRouteQuietForTheIdleEvictionIsForgottenEverywhereAndFreesItsPlace() {
        start(2, Duration.ofMinutes(30));
        call("junk/quiet", T0);
        // A busy route keeps calling; the quiet one goes IDLE, then past limits.idle-eviction.
        for (int minute = 0; minute < 45; minute++) {
            call("junk/busy", replay.wallClock());
            out.addAll(replay.advance(Duration.ofMinutes(1)));
        }
        assertThat(stored(RouteProcessor.STATE_STORE)).containsExactly("junk/busy");
        assertThat(stored(FleetProcessor.ROUTES_STORE)).doesNotContain("junk/quiet").contains("junk/busy");
        assertThat(counter(HealthMetrics.ROUTES_DROPPED, HealthMetrics.ROUTE_IDLE)).isEqualTo(1.0);

        // Its place is free: a new route is admitted although the cap is 2.
        out.clear();
        call("junk/new", replay.wallClock());
        out.addAll(replay.advance(Duration.ofSeconds(25)));
        assertThat(deadLetters()).isEmpty();
        assertThat(windowRoutes()).contains("junk/new");
        assertThat(stored(RouteProcessor.STATE_STORE)).containsExactlyInAnyOrder("junk/busy", "junk/new");
    }

    @Test
    void namedRoutesAreNeverEvicted() {
        start(2, Duration.ofMinutes(30));
        call(NAMED, T0);
        call("junk/a", T0 + 1);
        out.addAll(replay.advance(Duration.ofMinutes(45)));
        // Both quiet for 45 minutes: the junk route is forgotten, the configured one is kept.
        assertThat(stored(RouteProcessor.STATE_STORE)).containsExactly(NAMED);
        assertThat(stored(FleetProcessor.ROUTES_STORE)).contains(NAMED).doesNotContain("junk/a");
        assertThat(counter(HealthMetrics.ROUTES_DROPPED, HealthMetrics.ROUTE_IDLE)).isEqualTo(1.0);
        KeyValueStore<String, RouteState> store = replay.driver().getKeyValueStore(RouteProcessor.STATE_STORE);
        assertThat(store.get(NAMED)).isNotNull();
        KeyValueStore<String, FleetRoute> fleet = replay.driver().getKeyValueStore(FleetProcessor.ROUTES_STORE);
        assertThat(fleet.get(NAMED)).isNotNull();
    }
}
