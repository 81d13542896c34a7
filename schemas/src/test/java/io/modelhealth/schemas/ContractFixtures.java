package io.modelhealth.schemas;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Realistic contract records built in Java, the way the app builds them: the night claude-fable-5 is
 * withdrawn (403 model_not_available everywhere), traffic moves to gpt-5, and later comes back.
 * Each record type has a full instance and one with every optional field null.
 */
final class ContractFixtures {

    static final Instant T0 = Instant.parse("2025-11-27T03:12:45.120Z");
    static final String BLOCKED_ROUTE = "anthropic/claude-fable-5";
    static final String FALLBACK = "openai/gpt-5";
    static final String CONFIG = "cfg-7f3a9c1";

    private ContractFixtures() {
    }

    /** A fixture with a name that says what it shows. */
    record Fixture(String name, Object record) {
        @Override
        public String toString() {
            return record.getClass().getSimpleName() + ": " + name;
        }
    }

    static List<Fixture> all() {
        return List.of(
                new Fixture("403 model_not_available", new LlmCall("01JDQ6Z9K3V7W2M8H4T5R6Y7X1", T0, "anthropic", "claude-fable-5",
                        "us-east-1", "support-bot", 403, "model_not_available", 182.4, null, null, null)),
                new Fixture("529 overloaded_error", new LlmCall("req_011CVxPq7mU2nY9sZk4bA8dE", T0.plusSeconds(77), "anthropic", "claude-fable-5",
                        "eu-west-1", "search-summaries", 529, "overloaded_error", 1243.0, null, null, null)),
                new Fixture("success with tokens, nanosecond timestamp", new LlmCall("9f1c2a7e", Instant.parse("2025-11-27T03:15:30.512000001Z"),
                        "openai", "gpt-5", "us-east-1", "support-bot", 200, null, 2310.7, 412.3, 1834L, 256L)),
                new Fixture("required fields only", new LlmCall("e", T0, "google", "gemini-3-pro", null, null, null, null, 0.0, null, null, null)),

                new Fixture("schema violation", new DeadLetter(DeadLetter.SCHEMA_VIOLATION, "/timestamp: does not match the date-time pattern",
                        "llm.calls", 3, 1_048_576L, T0.toEpochMilli(), base64("anthropic/claude-fable-5"), base64("{\"event_id\":\"abc\"}"))),
                new Fixture("null key and value, no timestamp", new DeadLetter(DeadLetter.NULL_VALUE, "record value is null",
                        "llm.calls", 0, 0L, -1L, null, null)),

                new Fixture("all policy blocks", new HealthWindow(BLOCKED_ROUTE, "anthropic", "claude-fable-5", T0.minusSeconds(5), T0.plusSeconds(5),
                        96, byClass(0, 0, 0, 96, 0, 0), 171.0, 240.0, 298.5)),
                new Fixture("no calls, no latency", new HealthWindow("google/gemini-3-pro", "google", "gemini-3-pro",
                        Instant.parse("2025-11-27T03:20:00Z"), Instant.parse("2025-11-27T03:20:10Z"), 0, byClass(0, 0, 0, 0, 0, 0), null, null, null)),

                new Fixture("open", new Anomaly("a-1", BLOCKED_ROUTE, Anomaly.OPEN, "error_ratio", 0.004, 1.0, 41.7, 6.0, T0, null)),
                new Fixture("close", new Anomaly("a-2", FALLBACK, Anomaly.CLOSE, "latency_p95_ms", 3900.0, 4150.0, -0.8, 4.0,
                        T0.minusSeconds(600), T0)),

                new Fixture("blocked and rerouted", new RouteStatus(BLOCKED_ROUTE, "anthropic", "claude-fable-5", HealthState.BLOCKED,
                        HealthState.HEALTHY, T0, "policy_block: 6 of 6 calls in 30s from 3 tenants", blockEvidence(), FALLBACK, 1.0, null, CONFIG, T0)),
                new Fixture("region blocked alone, with its blast radius", new RouteStatus(BLOCKED_ROUTE, "anthropic", "claude-fable-5",
                        HealthState.HEALTHY, null, T0.minusSeconds(3600), "first calls seen", null, null, null, null, CONFIG, T0,
                        "claude-fable-5", List.of(new ScopeStatus(Map.of("region", "eu-west-1"), HealthState.BLOCKED, T0,
                        "3 consecutive policy refusals from 2 tenants (451 export_controlled)", FALLBACK, 1.0,
                        List.of(new Caller("search", "eu-west-1", 412, 96.5, T0, T0.plusSeconds(240))))),
                        List.of())),
                new Fixture("first record, no evidence", new RouteStatus(FALLBACK, "openai", "gpt-5", HealthState.HEALTHY,
                        null, T0, "first calls seen", null, null, null, null, CONFIG, T0)),
                new Fixture("pinned by an override", new RouteStatus(BLOCKED_ROUTE, "anthropic", "claude-fable-5", HealthState.BLOCKED,
                        HealthState.RECOVERING, T0.plusSeconds(3600), "override: pinned BLOCKED", null, FALLBACK, 1.0,
                        "pin_state BLOCKED until 2025-12-01T00:00:00Z by carol", CONFIG, T0.plusSeconds(3600), null, List.of(),
                        List.of(), "carol")),

                new Fixture("route alert firing", new Alert(
                        Map.of("alertname", "ModelBlocked", "route", BLOCKED_ROUTE, "provider", "anthropic", "model", "claude-fable-5", "severity", "critical"),
                        Map.of("summary", BLOCKED_ROUTE + " is refused by policy", "description", "6 of 6 calls failed with policy_block",
                                "runbook_url", "https://runbooks.example.com/model-health/model-blocked"),
                        T0, null, "http://model-health.monitoring:8080/api/routes/anthropic/claude-fable-5", Alert.FIRING, "3f9a1c7be2d04a58")),
                new Fixture("provider-wide alert resolved, no annotations", new Alert(
                        Map.of("alertname", "ProviderUnavailable", "provider", "anthropic", "severity", "critical"),
                        null, T0, T0.plusSeconds(1800), null, Alert.RESOLVED, "provider:anthropic:1764213250000")),

                new Fixture("reroute a blocked model", new RerouteCommand(BLOCKED_ROUTE + "#1", BLOCKED_ROUTE, RerouteAction.REROUTE, FALLBACK,
                        1.0, 0.01, "policy_block.window", HealthState.BLOCKED, blockEvidence(), T0, T0.plusSeconds(86_400), 1)),
                new Fixture("reroute one region", new RerouteCommand(BLOCKED_ROUTE + "|region=eu-west-1#1", BLOCKED_ROUTE,
                        RerouteAction.REROUTE, FALLBACK, 1.0, 0.01, "policy_block.consecutive", HealthState.BLOCKED, blockEvidence(),
                        T0, T0.plusSeconds(3600), 1, Map.of("region", "eu-west-1"))),
                new Fixture("restore step", new RerouteCommand(BLOCKED_ROUTE + "#4", BLOCKED_ROUTE, RerouteAction.RESTORE, FALLBACK,
                        0.5, 0.01, "recovery.probe_success", HealthState.RECOVERING, blockEvidence(), T0.plusSeconds(23_000), T0.plusSeconds(109_400), 4)),
                new Fixture("final restore, no target, no evidence", new RerouteCommand("google/gemini-3-pro#9", "google/gemini-3-pro",
                        RerouteAction.RESTORE, null, 0.0, 0.0, "override.forbid", HealthState.HEALTHY, null, T0, T0.plusSeconds(3600), 9)),

                new Fixture("force to a target", new RouteOverride(BLOCKED_ROUTE, null, RouteOverride.FORCE, FALLBACK, false,
                        T0.plusSeconds(3 * 86_400), "vendor announced the withdrawal", "bob", T0.minusSeconds(600))),
                new Fixture("pin and silence", new RouteOverride(BLOCKED_ROUTE, HealthState.BLOCKED, null, null, true,
                        Instant.parse("2025-12-01T00:00:00Z"), "legal hold", "carol", T0)),
                new Fixture("forbid, optional fields null", new RouteOverride(FALLBACK, null, RouteOverride.FORBID, null, false,
                        T0.plusSeconds(3600), null, null, null)));
    }

    static Evidence blockEvidence() {
        Map<OutcomeClass, Long> byClass = new EnumMap<>(OutcomeClass.class);
        byClass.put(OutcomeClass.POLICY_BLOCK, 6L);
        return new Evidence("policy_block.window", 30, T0.minusSeconds(30), T0, 6, 6, 1.0, 0.5, byClass, CONFIG);
    }

    /** Counts in the order of {@link OutcomeClass}: success, availability, rate_limit, policy_block, content_filter, client. */
    static Map<OutcomeClass, Long> byClass(long... counts) {
        Map<OutcomeClass, Long> m = new EnumMap<>(OutcomeClass.class);
        OutcomeClass[] classes = OutcomeClass.values();
        for (int i = 0; i < classes.length; i++) {
            m.put(classes[i], counts[i]);
        }
        return m;
    }

    static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
