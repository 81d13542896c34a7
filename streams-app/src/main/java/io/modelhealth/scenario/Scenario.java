package io.modelhealth.scenario;

import io.modelhealth.schemas.LlmCall;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A named story of LLM traffic: a set of routes with their normal behaviour, background
 * {@link Noise}, and a timeline of {@link Incident}s. Pure and immutable: given the elapsed time
 * since the scenario's start and a seeded {@link SplittableRandom}, {@link #call} makes the next
 * {@code llm.call.v1} of a route. The same random state and inputs always give the same call.
 *
 * <p>Calls look like real ones: latency is log-normal around the route's median (σ = 0.87, so
 * p99 ≈ 7.6 × median: about 3 s for a 400 ms median); the time to first token is a share of it;
 * failed calls return fast and carry no usage; a timeout takes the client's 30 s. Tenants are
 * search, chat, support and agents, with different prompt sizes.
 *
 * <p>Also carries what a demo needs around the traffic: a suggested fallback chain per route
 * ({@link #fallbacks()}), the milestones people should see ({@link #timeline()}) and how long the
 * story takes ({@link #defaultDuration()}). Obtain the named ones from {@link Scenarios}.
 */
public final class Scenario {

    /** Calling teams, their share of traffic and median prompt size (input tokens). */
    public static final List<String> TENANTS = List.of("search", "chat", "support", "agents");
    private static final double[] TENANT_CUMULATIVE = {0.35, 0.65, 0.85, 1.0};
    private static final double[] TENANT_INPUT_TOKENS = {1800, 700, 1200, 6000};

    /** σ of ln(latency): p99 / median = e^(2.326 σ) ≈ 7.5. */
    private static final double LATENCY_SIGMA = 0.87;
    private static final double MAX_LATENCY_MS = 120_000;
    private static final double CLIENT_TIMEOUT_MS = 30_000;
    private static final double REJECT_MEDIAN_MS = 120;
    private static final double OUTPUT_TOKENS_MEDIAN = 280;
    private static final double FILTERED_OUTPUT_TOKENS_MEDIAN = 25;

    private final String name;
    private final String description;
    private final List<RouteProfile> routes;
    private final Noise noise;
    private final List<Incident> incidents;
    private final List<Phase> timeline;
    private final Map<String, List<String>> fallbacks;
    private final Duration defaultDuration;

    // Precomputed for the per-call path.
    private final Map<String, Integer> routeIndex;
    private final double[] routeCumulative;
    private final Incident[][] incidentsByRoute;

    private Scenario(Builder b) {
        this.name = b.name;
        this.description = b.description;
        this.routes = List.copyOf(b.routes);
        this.noise = b.noise;
        this.incidents = List.copyOf(b.incidents);
        this.timeline = List.copyOf(b.timeline);
        this.defaultDuration = b.defaultDuration;
        Map<String, List<String>> fb = new LinkedHashMap<>();
        b.fallbacks.forEach((route, chain) -> fb.put(route, List.copyOf(chain)));
        this.fallbacks = Collections.unmodifiableMap(fb);

        Map<String, Integer> index = new HashMap<>();
        double[] cumulative = new double[routes.size()];
        double total = 0;
        for (int i = 0; i < routes.size(); i++) {
            index.put(routes.get(i).route(), i);
            total += routes.get(i).weight();
            cumulative[i] = total;
        }
        for (int i = 0; i < cumulative.length; i++) {
            cumulative[i] /= total;
        }
        this.routeIndex = Map.copyOf(index);
        this.routeCumulative = cumulative;
        this.incidentsByRoute = new Incident[routes.size()][];
        for (int i = 0; i < routes.size(); i++) {
            String route = routes.get(i).route();
            incidentsByRoute[i] = incidents.stream().filter(inc -> inc.affects(route)).toArray(Incident[]::new);
        }
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    /** One line for {@code --help} and logs. */
    public String description() {
        return description;
    }

    /** Route ids in a fixed order. */
    public List<String> routes() {
        return routes.stream().map(RouteProfile::route).toList();
    }

    public List<RouteProfile> routeProfiles() {
        return routes;
    }

    /** Each route's share of the traffic (adds up to 1). */
    public Map<String, Double> trafficShares() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < routes.size(); i++) {
            m.put(routes.get(i).route(), routeCumulative[i] - (i == 0 ? 0 : routeCumulative[i - 1]));
        }
        return m;
    }

    public Noise noise() {
        return noise;
    }

    public List<Incident> incidents() {
        return incidents;
    }

    /** Milestones in time order; the first is at 0. */
    public List<Phase> timeline() {
        return timeline;
    }

    /**
     * A suggested fallback chain per route (route id → fallback route ids, best first), for the
     * {@code routes:} section of the monitor's config. No route lists itself; every id is a route
     * of this scenario.
     */
    public Map<String, List<String>> fallbacks() {
        return fallbacks;
    }

    /** Long enough to see every incident start, end and the monitor recover. */
    public Duration defaultDuration() {
        return defaultDuration;
    }

    /** The milestone in force at {@code elapsed}: the last one that has started. */
    public Phase phaseAt(Duration elapsed) {
        Phase current = timeline.get(0);
        for (Phase p : timeline) {
            if (p.at().compareTo(elapsed) <= 0) {
                current = p;
            }
        }
        return current;
    }

    /** What is going on at {@code elapsed}, for a progress line: the active incidents' labels, or "steady". */
    public String conditionsAt(Duration elapsed) {
        long ms = elapsed.toMillis();
        Set<String> labels = new LinkedHashSet<>();
        for (Incident inc : incidents) {
            if (inc.activeAt(ms)) {
                labels.add(inc.label());
            }
        }
        return labels.isEmpty() ? "steady" : String.join("; ", labels);
    }

    /** Picks a route by traffic weight. */
    public String pickRoute(SplittableRandom random) {
        return routes.get(pickRouteIndex(random)).route();
    }

    int pickRouteIndex(SplittableRandom random) {
        double u = random.nextDouble();
        for (int i = 0; i < routeCumulative.length - 1; i++) {
            if (u < routeCumulative[i]) {
                return i;
            }
        }
        return routeCumulative.length - 1;
    }

    /**
     * The next call of {@code route}.
     *
     * @param elapsed   time since the scenario's start; decides which incidents are on
     * @param timestamp the call's event time (when it finished)
     * @param eventId   its unique id
     * @throws IllegalArgumentException if the route is not one of {@link #routes()}
     */
    public LlmCall call(String route, Duration elapsed, Instant timestamp, String eventId, SplittableRandom random) {
        Integer i = routeIndex.get(route);
        if (i == null) {
            throw new IllegalArgumentException("route '" + route + "' is not in scenario " + name + "; routes: " + routes());
        }
        return call(i, elapsed.toMillis(), timestamp, eventId, random);
    }

    LlmCall call(int route, long elapsedMs, Instant timestamp, String eventId, SplittableRandom random) {
        RouteProfile profile = routes.get(route);
        double latencyFactor = 1.0;
        Outcome outcome = null;
        // One uniform draw decides which incident (if any) claims this call; each claims its share.
        double u = random.nextDouble();
        double claimed = 0;
        // A regional incident needs the call's region first; it is drawn from the event id, so that scenarios
        // without one keep their random sequence (and their outputs) unchanged.
        String regional = null;
        for (Incident inc : incidentsByRoute[route]) {
            if (!inc.regions().isEmpty()) {
                regional = profile.regions().get(new SplittableRandom(eventId.hashCode()).nextInt(profile.regions().size()));
                break;
            }
        }
        for (Incident inc : incidentsByRoute[route]) {
            if (!inc.activeAt(elapsedMs) || (regional != null && !inc.coversRegion(regional))) {
                continue;
            }
            latencyFactor *= inc.latencyFactor();
            if (outcome == null && inc.share() > 0) {
                claimed += inc.share();
                if (u < claimed) {
                    outcome = inc.errors().pick(random);
                }
            }
        }
        if (outcome == null) {
            outcome = noise.pick(random);
        }

        int tenant = pickTenant(random);
        String region = profile.regions().get(random.nextInt(profile.regions().size()));
        if (regional != null) {
            region = regional;
        }
        double latency;
        Double ttft = null;
        Long inputTokens = null;
        Long outputTokens = null;
        switch (outcome.shape()) {
            case GENERATED -> {
                latency = Math.min(MAX_LATENCY_MS,
                        logNormal(random, profile.medianLatencyMs() * latencyFactor, LATENCY_SIGMA));
                ttft = round(latency * (0.1 + 0.3 * random.nextDouble()));
                inputTokens = Math.round(logNormal(random, TENANT_INPUT_TOKENS[tenant], 0.6));
                boolean filtered = outcome.errorType() != null;
                outputTokens = Math.round(logNormal(random,
                        filtered ? FILTERED_OUTPUT_TOKENS_MEDIAN : OUTPUT_TOKENS_MEDIAN, 0.8));
            }
            case REJECTED -> latency = logNormal(random, REJECT_MEDIAN_MS, 0.5);
            case TIMED_OUT -> latency = CLIENT_TIMEOUT_MS + random.nextDouble() * 50;
            default -> throw new IllegalStateException(outcome.shape().toString());
        }
        return new LlmCall(eventId, timestamp, profile.provider(), profile.model(), region, TENANTS.get(tenant),
                outcome.statusCode(), outcome.errorType(), round(latency), ttft, inputTokens, outputTokens);
    }

    private static int pickTenant(SplittableRandom random) {
        double u = random.nextDouble();
        for (int i = 0; i < TENANT_CUMULATIVE.length - 1; i++) {
            if (u < TENANT_CUMULATIVE[i]) {
                return i;
            }
        }
        return TENANT_CUMULATIVE.length - 1;
    }

    private static double logNormal(SplittableRandom random, double median, double sigma) {
        return median * Math.exp(sigma * random.nextGaussian());
    }

    /** Tenths of a millisecond are plenty, and keep the JSON short. */
    private static double round(double ms) {
        return Math.round(ms * 10) / 10.0;
    }

    @Override
    public String toString() {
        return name;
    }

    /** Assembles a scenario and checks it hangs together (routes known, no self-fallback, timeline sorted). */
    public static final class Builder {
        private final String name;
        private String description = "";
        private final List<RouteProfile> routes = new ArrayList<>();
        private Noise noise = Noise.DEFAULT;
        private final List<Incident> incidents = new ArrayList<>();
        private final List<Phase> timeline = new ArrayList<>();
        private final Map<String, List<String>> fallbacks = new LinkedHashMap<>();
        private Duration defaultDuration = Duration.ofMinutes(2);

        private Builder(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a scenario needs a name");
            }
            this.name = name;
        }

        public Builder description(String description) {
            this.description = Objects.requireNonNull(description);
            return this;
        }

        public Builder route(RouteProfile route) {
            routes.add(route);
            return this;
        }

        public Builder routes(List<RouteProfile> routes) {
            this.routes.addAll(routes);
            return this;
        }

        public Builder noise(Noise noise) {
            this.noise = Objects.requireNonNull(noise);
            return this;
        }

        public Builder incident(Incident incident) {
            incidents.add(Objects.requireNonNull(incident));
            return this;
        }

        public Builder phase(Duration at, String description, String expected) {
            timeline.add(new Phase(at, description, expected));
            return this;
        }

        public Builder fallbacks(Map<String, List<String>> fallbacks) {
            this.fallbacks.putAll(fallbacks);
            return this;
        }

        public Builder defaultDuration(Duration duration) {
            this.defaultDuration = Objects.requireNonNull(duration);
            return this;
        }

        public Scenario build() {
            String where = "scenario " + name + ": ";
            if (routes.isEmpty()) {
                throw new IllegalArgumentException(where + "needs at least one route");
            }
            Set<String> ids = new LinkedHashSet<>();
            for (RouteProfile r : routes) {
                if (!ids.add(r.route())) {
                    throw new IllegalArgumentException(where + "route " + r.route() + " is listed twice");
                }
            }
            for (Incident inc : incidents) {
                for (String r : inc.routes()) {
                    if (!ids.contains(r)) {
                        throw new IllegalArgumentException(where + "incident '" + inc.label() + "' names unknown route " + r);
                    }
                }
            }
            fallbacks.forEach((route, chain) -> {
                if (!ids.contains(route)) {
                    throw new IllegalArgumentException(where + "fallbacks name unknown route " + route);
                }
                for (String f : chain) {
                    if (f.equals(route)) {
                        throw new IllegalArgumentException(where + route + " cannot fall back to itself");
                    }
                    if (!ids.contains(f)) {
                        throw new IllegalArgumentException(where + "fallback " + f + " of " + route + " is not a route");
                    }
                }
                if (Set.copyOf(chain).size() != chain.size()) {
                    throw new IllegalArgumentException(where + "fallbacks of " + route + " list a route twice");
                }
            });
            if (timeline.isEmpty() || !timeline.get(0).at().isZero()) {
                throw new IllegalArgumentException(where + "the timeline must start with a phase at 0s");
            }
            for (int i = 1; i < timeline.size(); i++) {
                if (timeline.get(i).at().compareTo(timeline.get(i - 1).at()) < 0) {
                    throw new IllegalArgumentException(where + "timeline phases must be in time order");
                }
            }
            if (defaultDuration.isNegative() || defaultDuration.isZero()) {
                throw new IllegalArgumentException(where + "default duration must be positive");
            }
            return new Scenario(this);
        }
    }
}
