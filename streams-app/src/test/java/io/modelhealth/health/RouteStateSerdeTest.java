package io.modelhealth.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RouteOverride;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link RouteStateSerde} writes the state by hand for speed; these tests hold it to the data
 * binding's output (the reference, and what the reader expects) over states the engine really
 * produces, and hold the compact ring to a lossless round trip.
 */
class RouteStateSerdeTest {

    private static final CBORMapper TREE = CBORMapper.builder().addModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule()).build();
    private static final String ROUTE = "anthropic/claude-fable-5";

    @Test
    void theHandWrittenFormIsTheDataBindingsForm() throws Exception {
        EngineHarness h = new EngineHarness(EngineHarness.config(Map.of(ROUTE, List.of("openai/gpt-5"))));
        SplittableRandom r = new SplittableRandom(3);
        java.util.Set<HealthState> seen = java.util.EnumSet.noneOf(HealthState.class);
        long t = 0;
        for (int i = 0; i < 6_000; i++) {
            t += 50 + r.nextInt(400);
            int roll = r.nextInt(100);
            if (i > 2_000 && i < 2_200) {
                h.call(ROUTE, t, 403, "model_not_available", "tenant-" + (i % 3));
            } else if (i == 3_000) {
                h.override(ROUTE, EngineHarness.override(ROUTE, HealthState.DEGRADED, RouteOverride.FORBID, null, true,
                        t + 60_000), t);
            } else if (i % 500 == 0) {
                h.tick(ROUTE, t + 200_000);
                t += 200_000;
            } else if (roll < 2) {
                h.call(ROUTE, t, 503, "overloaded_error", "tenant-" + (i % 4));
            } else if (roll < 3) {
                h.call(ROUTE, t, 429, "rate_limit_error", null);
            } else {
                h.call(ROUTE, t, 200, null, "tenant-" + (i % 4));
            }
            RouteState s = h.state(ROUTE);
            JsonNode byHand = TREE.readTree(RouteStateSerde.write(s));
            JsonNode reference = TREE.readTree(RouteStateSerde.writeByDataBinding(s));
            assertThat(byHand).as("step %d", i).isEqualTo(reference);
            seen.add(s.state());
        }
        assertThat(seen).contains(HealthState.BLOCKED, HealthState.HEALTHY, HealthState.IDLE);
    }

    @Test
    void aRoundTripKeepsEveryField() throws Exception {
        EngineHarness h = new EngineHarness(EngineHarness.config(Map.of(ROUTE, List.of("openai/gpt-5"))));
        for (int i = 0; i < 400; i++) {
            h.call(ROUTE, i * 500L, i % 7 == 0 ? 503 : 200, i % 7 == 0 ? "overloaded_error" : null, "t" + (i % 2));
        }
        RouteStateSerde serde = new RouteStateSerde();
        RouteState s = h.state(ROUTE);
        RouteState back = serde.deserializer().deserialize("t", serde.serializer().serialize("t", s));
        assertSameFields(s, back, "state");
    }

    @Test
    void scopesLeftOutCallsAndCallersSurviveTheStoreInBothForms() throws Exception {
        io.modelhealth.config.AppConfig config = EngineHarness.config(Map.of(ROUTE, List.of("openai/gpt-5")));
        RouteHealth engine = new RouteHealth(config, "cfg");
        ScopedHealth scoped = new ScopedHealth(config, engine);
        Map<String, RouteState> units = new java.util.TreeMap<>();
        ScopedHealth.Units store = new ScopedHealth.Units() {
            @Override
            public RouteState get(String key) {
                return units.get(key);
            }

            @Override
            public void put(RouteState state) {
                units.put(state.key(), state);
            }

            @Override
            public void remove(String key) {
                units.remove(key);
            }
        };
        RouteState route = engine.newState(ROUTE, "anthropic", "claude-fable-5");
        units.put(ROUTE, route);
        RecordedOutputs out = new RecordedOutputs((key, status) -> { });
        long t0 = 1_800_000_000_000L;
        for (int i = 0; i < 600; i++) {
            String region = i % 2 == 0 ? "eu-west-1" : "us-east-1";
            boolean refused = region.equals("eu-west-1") && i > 300;
            io.modelhealth.schemas.LlmCall call = new io.modelhealth.schemas.LlmCall("e" + i, java.time.Instant.ofEpochMilli(t0 + i * 100L),
                    "anthropic", "claude-fable-5", region, "tenant-" + (i % 3), refused ? 451 : 200,
                    refused ? "export_controlled" : null, 300, null, null, null);
            scoped.onCall(route, store, call, refused ? io.modelhealth.schemas.OutcomeClass.POLICY_BLOCK
                    : io.modelhealth.schemas.OutcomeClass.SUCCESS, t0 + i * 100L, out);
        }
        RouteState eu = units.get(ROUTE + "|region=eu-west-1");
        assertThat(eu.state()).isEqualTo(HealthState.BLOCKED);
        assertThat(route.state()).isEqualTo(HealthState.HEALTHY);
        RouteStateSerde serde = new RouteStateSerde();
        for (RouteState s : units.values()) {
            assertThat(TREE.readTree(RouteStateSerde.write(s))).as(s.key()).isEqualTo(TREE.readTree(RouteStateSerde.writeByDataBinding(s)));
            RouteState back = serde.deserializer().deserialize("t", serde.serializer().serialize("t", s));
            assertSameFields(s, back, s.key());
            assertThat(back.key()).isEqualTo(s.key());
        }
        // The route's windows still count the refused region's calls; its rules did not.
        assertThat(engine.recentWindows(route).stream().mapToLong(io.modelhealth.schemas.HealthWindow::calls).sum())
                .isGreaterThan(engine.recentWindows(units.get(ROUTE + "|region=us-east-1")).stream()
                        .mapToLong(io.modelhealth.schemas.HealthWindow::calls).sum());
        assertThat(route.scopes).containsOnlyKeys("region=eu-west-1", "region=us-east-1");
        assertThat(eu.callers).isNotEmpty();
    }

    @Test
    void aRingWrittenAsObjectsByEarlierVersionsIsStillRead() throws Exception {
        EngineHarness h = new EngineHarness(EngineHarness.config(Map.of()));
        for (int i = 0; i < 100; i++) {
            h.call(ROUTE, i * 1_000L, 200, null, null);
        }
        RouteState s = h.state(ROUTE);
        // The pre-codec form: the ring as an array of bucket objects.
        com.fasterxml.jackson.databind.node.ObjectNode old = (com.fasterxml.jackson.databind.node.ObjectNode)
                TREE.readTree(RouteStateSerde.write(s));
        com.fasterxml.jackson.databind.ObjectMapper plain = CBORMapper.builder().build()
                .setVisibility(com.fasterxml.jackson.annotation.PropertyAccessor.FIELD,
                        com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility.ANY);
        old.set("ring", plain.valueToTree(s.ring));
        RouteState back = new RouteStateSerde().deserializer().deserialize("t", TREE.writeValueAsBytes(old));
        assertSameFields(s, back, "state");
    }

    private static void assertSameFields(Object a, Object b, String path) throws Exception {
        if (a == null || b == null || a instanceof String || a instanceof Number || a instanceof Boolean || a instanceof Enum
                || a.getClass().isRecord() || a instanceof Map || a instanceof List) {
            if (a instanceof Map || a instanceof List || (a != null && a.getClass().isRecord())) {
                assertThat((JsonNode) TREE.valueToTree(b)).as(path).isEqualTo((JsonNode) TREE.valueToTree(a));
            } else {
                assertThat((Object) b).as(path).isEqualTo(a);
            }
            return;
        }
        if (a.getClass().isArray()) {
            if (a instanceof int[] ia) {
                assertThat((int[]) b).as(path).isEqualTo(ia);
                return;
            }
            Object[] x = (Object[]) a;
            Object[] y = (Object[]) b;
            assertThat(y).as(path).hasSameSizeAs(x);
            for (int i = 0; i < x.length; i++) {
                assertSameFields(x[i], y[i], path + "[" + i + "]");
            }
            return;
        }
        for (Field f : a.getClass().getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) || Modifier.isTransient(f.getModifiers())) {
                // transient: a cache the engine rebuilds from the stored fields (RouteState.ranked)
                continue;
            }
            f.setAccessible(true);
            assertSameFields(f.get(a), f.get(b), path + "." + f.getName());
        }
    }
}
