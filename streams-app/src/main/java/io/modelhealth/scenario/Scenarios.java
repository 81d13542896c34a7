package io.modelhealth.scenario;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The named scenarios of {@code simulate --scenario NAME} and {@code demo}. All share the same six
 * routes (anthropic, openai, google, mistral), the same {@link Noise#DEFAULT} background and the
 * same suggested fallbacks; they differ in their incidents. Incidents start at t = 20 s so that the
 * monitor first sees a healthy baseline; the {@code demo} scenario's first one starts at
 * {@link #DEMO_FIRST_INCIDENT}, so that a new user sees a decision within seconds of starting it.
 */
public final class Scenarios {

    public static final String CLAUDE_FABLE = "anthropic/claude-fable-5";
    public static final String CLAUDE_HAIKU = "anthropic/claude-haiku-5";
    public static final String GPT = "openai/gpt-5";
    public static final String GPT_MINI = "openai/gpt-5-mini";
    public static final String GEMINI_PRO = "google/gemini-3-pro";
    public static final String MISTRAL_LARGE = "mistral/mistral-large-3";

    /** Busier routes first; medians differ by model size. */
    public static final List<RouteProfile> ROUTES = List.of(
            new RouteProfile(CLAUDE_FABLE, 25, 520, List.of("us-east-1", "us-west-2", "eu-west-1")),
            new RouteProfile(CLAUDE_HAIKU, 20, 300, List.of("us-east-1", "us-west-2", "eu-west-1")),
            new RouteProfile(GPT, 20, 450, List.of("eastus2", "swedencentral")),
            new RouteProfile(GPT_MINI, 15, 280, List.of("eastus2", "swedencentral")),
            new RouteProfile(GEMINI_PRO, 12, 480, List.of("us-central1", "europe-west4")),
            new RouteProfile(MISTRAL_LARGE, 8, 380, List.of("eu-west-1")));

    /**
     * Suggested fallback chains. The two anthropic models fall back to each other first, so when
     * both are withdrawn the monitor must skip the blocked one and pick an openai model.
     */
    public static final Map<String, List<String>> FALLBACKS = fallbackChains();

    /** 529 / 503 / 500 / timeouts, as an overloaded provider returns them. */
    public static final OutcomeMix OUTAGE_ERRORS = OutcomeMix.of(Outcome.OVERLOADED, 0.5)
            .and(Outcome.SERVICE_UNAVAILABLE, 0.25)
            .and(Outcome.API_ERROR, 0.1)
            .and(Outcome.TIMEOUT, 0.15);
    /** A withdrawn model: mostly 403 model_not_available, some 451 where it is export-controlled. */
    public static final OutcomeMix WITHDRAWAL_ERRORS = OutcomeMix.of(Outcome.MODEL_NOT_AVAILABLE, 0.88)
            .and(Outcome.EXPORT_CONTROLLED, 0.12);
    /** Callers' mistakes: a bad deploy sending malformed requests, a rotated key. */
    public static final OutcomeMix CLIENT_ERRORS = OutcomeMix.of(Outcome.INVALID_REQUEST, 0.7)
            .and(Outcome.AUTHENTICATION, 0.3);

    private static final Duration INCIDENT_START = seconds(20);
    /**
     * When the {@code demo} story's withdrawal starts: 3 s of healthy traffic (about 900 calls at the
     * demo's 300 calls/s, 70 or more on every route, over the availability rule's 30 minimum calls, so
     * each route and both fallbacks have a HEALTHY state) is baseline enough for a policy block, which
     * needs no rate baseline (three consecutive refusals from three tenants). {@code demo}
     * (cli/DemoCommand) starts the scenario once the monitor runs, about 6 s after the command on an
     * idle 2-core machine, so that its first decision comes within 10 s of the command (bench
     * {@code startup}). The demo's later incidents keep their times: the content-filter anomaly at
     * t = 90 s needs a minute of baseline.
     */
    public static final Duration DEMO_FIRST_INCIDENT = seconds(3);
    private static final Duration INCIDENT_END = seconds(80);

    private static final Map<String, Scenario> BY_NAME = catalog();

    private Scenarios() {
    }

    /** Scenario names, in a fixed order (for help texts). */
    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }

    public static List<Scenario> all() {
        return List.copyOf(BY_NAME.values());
    }

    /**
     * The scenario of that name (case-insensitive).
     *
     * @throws IllegalArgumentException naming the known scenarios, if there is none
     */
    public static Scenario byName(String name) {
        Scenario s = name == null ? null : BY_NAME.get(name.strip().toLowerCase(Locale.ROOT));
        if (s == null) {
            throw new IllegalArgumentException("unknown scenario '" + name + "'; known: " + String.join(", ", names()));
        }
        return s;
    }

    private static Map<String, Scenario> catalog() {
        Map<String, Scenario> m = new LinkedHashMap<>();
        for (Scenario s : List.of(steady(), outage(), policyWithdrawal(), rateLimit(), latency(), flapping(),
                clientStorm(), contentFilter(), demo())) {
            m.put(s.name(), s);
        }
        return Collections.unmodifiableMap(m);
    }

    private static Scenario.Builder base(String name, String description) {
        return Scenario.builder(name)
                .description(description)
                .routes(ROUTES)
                .noise(Noise.DEFAULT)
                .fallbacks(FALLBACKS)
                .phase(Duration.ZERO, "steady traffic on " + ROUTES.size() + " routes, background noise only",
                        "every route HEALTHY (after its first calls)");
    }

    static Scenario steady() {
        return base("steady", "six routes with background noise only (0.5% availability, 0.3% client errors): nothing should happen")
                .defaultDuration(seconds(120))
                .build();
    }

    static Scenario outage() {
        return base("outage", GEMINI_PRO + " returns 75% 529/503/500/timeouts from t=20s to t=80s, then heals")
                .incident(Incident.errors("gemini-3-pro outage", Set.of(GEMINI_PRO), 0.75, OUTAGE_ERRORS)
                        .between(INCIDENT_START, INCIDENT_END))
                .phase(INCIDENT_START, GEMINI_PRO + " outage: 75% 529 overloaded / 503 / 500 / timeouts",
                        GEMINI_PRO + " UNAVAILABLE within seconds, REROUTE to " + GPT + ", alert firing")
                .phase(INCIDENT_END, GEMINI_PRO + " heals",
                        "RECOVERING after the hold time, RESTORE in steps, HEALTHY, alert resolved")
                .defaultDuration(seconds(240))
                .build();
    }

    static Scenario policyWithdrawal() {
        return base("policy-withdrawal", CLAUDE_FABLE + " and " + CLAUDE_HAIKU
                + " withdrawn worldwide at t=20s: 403 model_not_available / 451 export_controlled from every tenant, for good")
                .incident(withdrawal(INCIDENT_START))
                .phase(INCIDENT_START, CLAUDE_FABLE + " and " + CLAUDE_HAIKU
                                + " withdrawn worldwide: 403 model_not_available / 451 export_controlled from every tenant",
                        "both BLOCKED in well under a second of their traffic; REROUTE " + CLAUDE_FABLE + " → " + GPT
                                + " and " + CLAUDE_HAIKU + " → " + GPT_MINI
                                + " (their first fallbacks are each other, both blocked); one anthropic provider-wide page")
                .defaultDuration(seconds(120))
                .build();
    }

    static Scenario rateLimit() {
        return base("rate-limit", GPT + " gets 70% 429 rate_limit_error from t=20s to t=80s")
                .incident(Incident.errors("gpt-5 throttled", Set.of(GPT), 0.7, OutcomeMix.only(Outcome.RATE_LIMITED))
                        .between(INCIDENT_START, INCIDENT_END))
                .phase(INCIDENT_START, GPT + " throttled: 70% 429 rate_limit_error",
                        GPT + " UNAVAILABLE (rate-limit rule), REROUTE to " + GEMINI_PRO)
                .phase(INCIDENT_END, GPT + " throttling ends", "RECOVERING, RESTORE in steps, HEALTHY")
                .defaultDuration(seconds(240))
                .build();
    }

    static Scenario latency() {
        return base("latency", CLAUDE_FABLE + " answers 5x slower from t=20s to t=80s, with no errors")
                .incident(Incident.slowdown("claude-fable-5 5x slower", Set.of(CLAUDE_FABLE), 5.0)
                        .between(INCIDENT_START, INCIDENT_END))
                .phase(INCIDENT_START, CLAUDE_FABLE + " latency ×5, no errors",
                        "latency p50/p95/p99 ×5 in its windows and metrics; no error-driven state change, no reroute")
                .phase(INCIDENT_END, CLAUDE_FABLE + " latency back to normal", "")
                .defaultDuration(seconds(120))
                .build();
    }

    static Scenario flapping() {
        return base("flapping", GPT_MINI + " alternates 30s bad (90% availability errors) / 30s good from t=20s")
                .incident(Incident.errors("gpt-5-mini flapping (bad half)", Set.of(GPT_MINI), 0.9, OUTAGE_ERRORS)
                        .from(INCIDENT_START)
                        .flapping(seconds(30), seconds(30)))
                .phase(INCIDENT_START, GPT_MINI + " flaps: 30s with 90% availability errors, 30s good, repeating",
                        "UNAVAILABLE on the first bad half; hysteresis and a growing hold time keep it from "
                                + "following every flap (few state changes, no reroute thrash)")
                .defaultDuration(seconds(300))
                .build();
    }

    static Scenario clientStorm() {
        return base("client-storm", GPT + " gets 60% 400/401 (callers' fault) from t=20s to t=80s: must not reroute")
                .incident(Incident.errors("gpt-5 client-error storm", Set.of(GPT), 0.6, CLIENT_ERRORS)
                        .between(INCIDENT_START, INCIDENT_END))
                .phase(INCIDENT_START, GPT + " client-error storm: 60% 400 invalid_request_error / 401 authentication_error",
                        "class client: counted, but " + GPT + " stays HEALTHY, no reroute")
                .phase(INCIDENT_END, GPT + " client-error storm ends", "")
                .defaultDuration(seconds(120))
                .build();
    }

    static Scenario contentFilter() {
        return base("content-filter", MISTRAL_LARGE + " gets 30% content_filter from t=20s to t=80s: must not reroute")
                .incident(Incident.errors("mistral-large-3 content-filter spike", Set.of(MISTRAL_LARGE), 0.3,
                                OutcomeMix.only(Outcome.CONTENT_FILTERED))
                        .between(INCIDENT_START, INCIDENT_END))
                .phase(INCIDENT_START, MISTRAL_LARGE + " content-filter spike: 30% content_filter",
                        "a content_filter_ratio anomaly opens; no state change to UNAVAILABLE, no reroute")
                .phase(INCIDENT_END, MISTRAL_LARGE + " content-filter spike ends", "the anomaly closes")
                .defaultDuration(seconds(120))
                .build();
    }

    /**
     * The seed's story in three minutes: an overnight withdrawal of two models among the everyday
     * troubles that must not be mistaken for it.
     */
    static Scenario demo() {
        return base("demo", "the overnight withdrawal of two anthropic models, plus an outage, a client-error storm "
                + "and a content-filter spike that must not reroute (about 3 minutes)")
                .incident(withdrawal(DEMO_FIRST_INCIDENT))
                .incident(Incident.errors("gemini-3-pro outage", Set.of(GEMINI_PRO), 0.8, OUTAGE_ERRORS)
                        .between(seconds(40), seconds(100)))
                .incident(Incident.errors("gpt-5 client-error storm", Set.of(GPT), 0.6, CLIENT_ERRORS)
                        .between(seconds(60), seconds(90)))
                .incident(Incident.errors("mistral-large-3 content-filter spike", Set.of(MISTRAL_LARGE), 0.3,
                                OutcomeMix.only(Outcome.CONTENT_FILTERED))
                        .between(seconds(90), seconds(120)))
                .phase(DEMO_FIRST_INCIDENT, "two anthropic models withdrawn worldwide: " + CLAUDE_FABLE + " and " + CLAUDE_HAIKU
                                + " return 403 model_not_available / 451 export_controlled to every tenant, for good",
                        "both BLOCKED within a second; REROUTE " + CLAUDE_FABLE + " → " + GPT + ", " + CLAUDE_HAIKU
                                + " → " + GPT_MINI + " (not to each other: both blocked); one anthropic provider-wide page")
                .phase(seconds(40), GEMINI_PRO + " outage: 80% 529 overloaded / 503 / 500 / timeouts",
                        GEMINI_PRO + " UNAVAILABLE, REROUTE → " + GPT + "; the panic guard does not engage (3 of 6 unhealthy is not more than half)")
                .phase(seconds(60), GPT + " client-error storm: 60% 400 / 401 for 30s (the callers' fault)",
                        GPT + " stays HEALTHY, no reroute; it remains the fallback of " + CLAUDE_FABLE + " and " + GEMINI_PRO)
                .phase(seconds(90), "client storm over; " + MISTRAL_LARGE + " content-filter spike: 30% content_filter for 30s",
                        "a content_filter_ratio anomaly on " + MISTRAL_LARGE + ", no reroute")
                .phase(seconds(100), GEMINI_PRO + " heals",
                        GEMINI_PRO + " RECOVERING after its hold time, then RESTORE in steps (probe traffic shows it healthy)")
                .phase(seconds(120), "content-filter spike over; the anthropic models stay withdrawn",
                        "anthropic routes stay BLOCKED (long hold-down, no probe successes); anomaly closed")
                .defaultDuration(seconds(180))
                .build();
    }

    private static Incident withdrawal(Duration from) {
        return Incident.errors("two anthropic models withdrawn", Set.of(CLAUDE_FABLE, CLAUDE_HAIKU), 1.0,
                        WITHDRAWAL_ERRORS)
                .from(from);
    }

    private static Duration seconds(long s) {
        return Duration.ofSeconds(s);
    }

    private static Map<String, List<String>> fallbackChains() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put(CLAUDE_FABLE, List.of(CLAUDE_HAIKU, GPT, GEMINI_PRO));
        m.put(CLAUDE_HAIKU, List.of(CLAUDE_FABLE, GPT_MINI));
        m.put(GEMINI_PRO, List.of(GPT));
        m.put(GPT, List.of(GEMINI_PRO));
        m.put(GPT_MINI, List.of(CLAUDE_HAIKU));
        m.put(MISTRAL_LARGE, List.of(GPT_MINI));
        return Collections.unmodifiableMap(m);
    }
}
