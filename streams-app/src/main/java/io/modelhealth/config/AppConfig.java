package io.modelhealth.config;

import io.modelhealth.schemas.OutcomeClass;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole configuration, immutable, parsed once at start-up by {@link ConfigLoader}: defaults in
 * code ({@link #defaults()}), then the YAML file, then {@code MODEL_HEALTH_*} environment variables,
 * then command-line flags. YAML keys are the kebab-case form of the component names.
 * {@link #validate()} fails with a {@link ConfigException} naming the key.
 */
public record AppConfig(
        Map<String, String> kafka,
        Http http,
        Topics topics,
        Telemetry telemetry,
        Classes classes,
        Windows windows,
        Detection detection,
        Anomaly anomaly,
        Reroute reroute,
        Alerts alerts,
        Map<String, Route> routes,
        Otlp otlp,
        Scopes scopes,
        Map<String, List<String>> families,
        Limits limits,
        Overrides overrides,
        Operations operations,
        RocksDb rocksdb) {

    public AppConfig {
        limits = limits == null ? Limits.DEFAULT : limits;
        overrides = overrides == null ? Overrides.DEFAULT : overrides;
        operations = operations == null ? Operations.DEFAULT : operations;
        rocksdb = rocksdb == null ? RocksDb.DEFAULT : rocksdb;
        kafka = Map.copyOf(kafka);
        routes = routes == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(routes));
        otlp = otlp == null ? Otlp.DEFAULT : otlp;
        scopes = scopes == null ? Scopes.DEFAULT : scopes;
        Map<String, List<String>> f = new LinkedHashMap<>();
        if (families != null) {
            families.forEach((name, members) -> f.put(name, members == null ? null : List.copyOf(members)));
        }
        families = java.util.Collections.unmodifiableMap(f);
    }

    /** A configuration with the default limits, overrides, operations and RocksDB settings. */
    public AppConfig(Map<String, String> kafka, Http http, Topics topics, Telemetry telemetry, Classes classes, Windows windows,
                     Detection detection, Anomaly anomaly, Reroute reroute, Alerts alerts, Map<String, Route> routes, Otlp otlp,
                     Scopes scopes, Map<String, List<String>> families) {
        this(kafka, http, topics, telemetry, classes, windows, detection, anomaly, reroute, alerts, routes, otlp, scopes,
                families, null, null, null, null);
    }

    /** A configuration with OTLP input off, the default scopes and no model families. */
    public AppConfig(Map<String, String> kafka, Http http, Topics topics, Telemetry telemetry, Classes classes, Windows windows,
                     Detection detection, Anomaly anomaly, Reroute reroute, Alerts alerts, Map<String, Route> routes) {
        this(kafka, http, topics, telemetry, classes, windows, detection, anomaly, reroute, alerts, routes, null,
                Scopes.DEFAULT, Map.of());
    }

    /** A configuration with the default scopes and no model families. */
    public AppConfig(Map<String, String> kafka, Http http, Topics topics, Telemetry telemetry, Classes classes, Windows windows,
                     Detection detection, Anomaly anomaly, Reroute reroute, Alerts alerts, Map<String, Route> routes, Otlp otlp) {
        this(kafka, http, topics, telemetry, classes, windows, detection, anomaly, reroute, alerts, routes, otlp,
                Scopes.DEFAULT, Map.of());
    }

    /**
     * Parts of a route judged on their own (README "Scoped health").
     *
     * @param dimensions     llm.call.v1 fields that name a scope, in precedence order ({@code region}, {@code tenant});
     *                       empty: the route is the only unit
     * @param maxPerRoute    scopes kept per route and dimension; calls of further values are judged with the route only
     * @param routeWideShare when more than this share of a route's active scopes (of one dimension) is failing, the
     *                       route is judged, and rerouted, as a whole
     */
    public record Scopes(List<String> dimensions, int maxPerRoute, double routeWideShare) {
        public static final List<String> FIELDS = List.of("region", "tenant");
        public static final Scopes DEFAULT = new Scopes(List.of("region"), 16, 0.5);

        public Scopes {
            dimensions = dimensions == null ? List.of() : List.copyOf(dimensions);
        }
    }

    /** The family a route belongs to (config {@code families}), or null. */
    public String familyOf(String route) {
        for (Map.Entry<String, List<String>> e : families.entrySet()) {
            if (e.getValue().contains(route)) {
                return e.getKey();
            }
        }
        return null;
    }

    /**
     * Every route the config names: {@code routes} keys, their fallbacks and {@code families} members. These are
     * always admitted and always metered ({@code limits}): they are the routes dashboards and fallbacks rely on.
     */
    public java.util.Set<String> namedRoutes() {
        java.util.Set<String> named = new java.util.TreeSet<>(routes.keySet());
        routes.values().forEach(r -> named.addAll(r.fallbacks()));
        families.values().forEach(named::addAll);
        return java.util.Collections.unmodifiableSet(named);
    }

    /**
     * HTTP server for /metrics, the API and the status page (README "HTTP API").
     *
     * @param port           listening port (0: any free port)
     * @param host           bind address ({@code 0.0.0.0}: every interface; {@code 127.0.0.1}: this host only)
     * @param authToken      when set, {@code /}, {@code /api/*} and {@code /internal/*} need
     *                       {@code Authorization: Bearer <token>}; {@code /healthz} and {@code /readyz} never do
     * @param metricsAuth    {@code /metrics} needs the token too (when one is set)
     * @param requestTimeout a request whose headers and body do not arrive within this is dropped; an answer that
     *                       takes longer (a slow peer) is cut with 503
     * @param statusCache    the status page and {@code /api/routes} are served from a snapshot at most this old
     */
    public record Http(int port, String host, String authToken, boolean metricsAuth, Duration requestTimeout,
                       Duration statusCache) {
        public static final Http DEFAULT = new Http(8080, "0.0.0.0", null, false, Duration.ofSeconds(10),
                Duration.ofSeconds(2));

        public Http {
            host = host == null || host.isBlank() ? "0.0.0.0" : host;
            authToken = authToken == null || authToken.isEmpty() ? null : authToken;
            requestTimeout = requestTimeout == null ? DEFAULT_REQUEST_TIMEOUT : requestTimeout;
            statusCache = statusCache == null ? DEFAULT_STATUS_CACHE : statusCache;
        }

        private static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
        private static final Duration DEFAULT_STATUS_CACHE = Duration.ofSeconds(2);


        /** This section on another port. */
        public Http withPort(int p) {
            return new Http(p, host, authToken, metricsAuth, requestTimeout, statusCache);
        }
    }

    /**
     * Bounds on what hostile or simply wrong input can make the app hold (README "Limits").
     *
     * @param maxRoutes     routes (state entries) one instance keeps; calls of further new routes are counted in
     *                      {@code model_health_routes_dropped_total{reason="max_routes"}} and dead-lettered
     * @param meteredRoutes routes with their own per-route series in /metrics besides the configured ones: the
     *                      busiest and the unhealthiest; the rest are summed in the fleet series only
     * @param idleEviction  a route without calls for this long (event time) whose state is HEALTHY or IDLE is
     *                      removed: state tombstoned, series gone
     */
    public record Limits(int maxRoutes, int meteredRoutes, Duration idleEviction) {
        public static final Limits DEFAULT = new Limits(10_000, 500, Duration.ofHours(6));
    }

    /**
     * Operator overrides ({@code model.health.overrides}).
     *
     * @param maxLifetime an override whose {@code until} lies further ahead than this is dead-lettered
     */
    public record Overrides(Duration maxLifetime) {
        public static final Overrides DEFAULT = new Overrides(Duration.ofDays(7));
    }

    /**
     * How the app judges its own processing.
     *
     * @param maxThreadReplacements    more stream-thread replacements than this within {@code threadReplacementWindow}
     *                                 turn {@code /healthz} 503 (the pod restarts) and fire ModelHealthStreamThreadsReplaced
     * @param threadReplacementWindow  the window those replacements are counted in
     */
    public record Operations(int maxThreadReplacements, Duration threadReplacementWindow) {
        public static final Operations DEFAULT = new Operations(3, Duration.ofMinutes(10));
    }

    /**
     * RocksDB memory of the state stores, shared by every store of the instance (docs/operations.md "Memory").
     *
     * @param blockCacheMb     block cache (reads), MiB, shared
     * @param writeBufferMb    memtable memory, MiB, shared and counted against the block cache
     * @param maxWriteBuffers  memtables per store
     */
    public record RocksDb(int blockCacheMb, int writeBufferMb, int maxWriteBuffers) {
        public static final RocksDb DEFAULT = new RocksDb(64, 32, 2);
    }

    /** Topic names, and the partitions / replication {@code topics} creates them with (-1: broker default). */
    public record Topics(
            String calls,
            String deadLetters,
            String windows,
            String anomalies,
            String state,
            String alerts,
            String reroutes,
            String overrides,
            int partitions,
            int replicationFactor,
            String scopedReroutes) {

        /** Topics with the scoped reroute commands on {@code <reroutes>.scoped}. */
        public Topics(String calls, String deadLetters, String windows, String anomalies, String state, String alerts,
                      String reroutes, String overrides, int partitions, int replicationFactor) {
            this(calls, deadLetters, windows, anomalies, state, alerts, reroutes, overrides, partitions, replicationFactor,
                    reroutes + ".scoped");
        }
    }

    /**
     * Input handling.
     *
     * @param routeIncludesRegion route id is {@code provider/model@region} instead of {@code provider/model}
     * @param maxRecordBytes      larger input records are dead-lettered as too_large
     * @param maxFutureSkew       event times further than this ahead of the record's Kafka timestamp are capped (and counted)
     * @param dedupWindow         how long an event_id is remembered to drop duplicates (0 disables)
     */
    public record Telemetry(boolean routeIncludesRegion, int maxRecordBytes, Duration maxFutureSkew, Duration dedupWindow) {
    }

    /**
     * The outcome-class rule table: the first rule whose conditions all hold decides. A rule with
     * {@code error-types} matches the call's {@code error_type} (case-insensitive); with {@code status}
     * it matches the status code (single codes or ranges such as {@code 500-599}).
     *
     * @param rules        ordered rules
     * @param unknownError class of a call with an error type that no rule matches
     */
    public record Classes(List<ClassRule> rules, OutcomeClass unknownError) {
    }

    /** A rule may give only one of its conditions; the missing one is empty, not null. */
    public record ClassRule(OutcomeClass outcome, List<String> errorTypes, List<String> status) {
        public ClassRule {
            errorTypes = errorTypes == null ? List.of() : List.copyOf(errorTypes);
            status = status == null ? List.of() : List.copyOf(status);
        }
    }

    /**
     * Time buckets.
     *
     * @param bucket             bucket length; every rule window is a whole number of buckets
     * @param grace              the lateness bound: how far (event time) behind the low watermark a call may
     *                           arrive and still count — it amends its bucket, whose window is re-emitted
     * @param punctuateInterval  how often (wall clock) silent routes and expiries are evaluated
     * @param outOfOrder         how far out of order calls may arrive within one input partition and still be
     *                           decided on exactly as if in order; the low watermark trails by this much
     * @param idlePartitionAfter an input partition without records for this long (wall clock) whose consumer
     *                           has caught up with it is left out of the low watermark until it has records again
     * @param watermarkInterval  how often (wall clock) each ingest task forwards its progress downstream
     */
    public record Windows(Duration bucket, Duration grace, Duration punctuateInterval, Duration outOfOrder,
                          Duration idlePartitionAfter, Duration watermarkInterval) {

        public Windows(Duration bucket, Duration grace, Duration punctuateInterval) {
            this(bucket, grace, punctuateInterval, Duration.ZERO, Duration.ofSeconds(2), Duration.ofMillis(100));
        }
    }

    /**
     * Detection rules. {@code min-errors}: no ratio rule fires on fewer errors than this in its
     * window, so thin traffic never trips. {@code min-hold}: minimum time in a state before it may
     * get better (getting worse is immediate); it grows with each repeated incident (flap damping).
     */
    public record Detection(
            Availability availability,
            RateLimit rateLimit,
            PolicyBlock policyBlock,
            Degraded degraded,
            Recovery recovery,
            int minErrors,
            Duration minHold,
            Duration idleAfter) {
    }

    /**
     * Availability errors against an SLO, with the SRE workbook's multiwindow burn-rate rule: a pair
     * fires when the error ratio is above {@code factor × (1 − slo)} in both its long and short window.
     *
     * @param confidence one-sided confidence that the long window's true error ratio clears the threshold:
     *                   a pair fires only when the ratio's Wilson lower bound at this level does (0: off, the
     *                   observed ratio is enough). 3 errors in 37 calls (8 %, over a 6 % threshold) has a 95 % lower
     *                   bound of 3.3 % and waits; an outage of 80 % over 37 calls has 69 % and fires
     */
    public record Availability(double slo, List<BurnRate> burnRates, int minCalls, double confidence) {
    }

    public record BurnRate(Duration longWindow, Duration shortWindow, double factor) {
    }

    public record RateLimit(Duration window, double enterRatio, double exitRatio, int minCalls) {
    }

    /**
     * Policy refusals are not transient: a short run of them from more than one tenant, or a large
     * share in a short window, blocks the route at once.
     */
    public record PolicyBlock(
            Duration window,
            int minCalls,
            double enterRatio,
            int consecutive,
            int minTenants,
            Duration holdDown,
            int probeSuccesses,
            int probeTenants,
            Duration probeWindow) {

        public PolicyBlock(Duration window, int minCalls, double enterRatio, int consecutive, int minTenants,
                           Duration holdDown, int probeSuccesses) {
            this(window, minCalls, enterRatio, consecutive, minTenants, holdDown, probeSuccesses, 2, Duration.ofMinutes(1));
        }
    }

    public record Degraded(Duration window, double enterRatio, double exitRatio, int minCalls) {
    }

    /**
     * Leaving UNAVAILABLE: after {@code detection.min-hold}, the errors in {@code window} (mostly
     * probe traffic) must be under {@code exit-ratio} with at least {@code min-calls} calls.
     */
    public record Recovery(Duration window, double exitRatio, int minCalls) {
    }

    /** Anomaly windows against an EWMA baseline, scored in baseline deviations. */
    public record Anomaly(
            boolean enabled,
            double alpha,
            double openScore,
            double closeScore,
            int warmupBuckets,
            int minCalls) {
    }

    /**
     * Reroute commands.
     *
     * @param enabled        false: states and alerts only, never a command
     * @param probeShare     share of a drained route's traffic kept on it as a probe
     * @param ttl            commands expire after this unless refreshed (refreshed at half of it)
     * @param restoreSteps   weights of the gradual restore, ending with 0
     * @param stepInterval   healthy time at each step before the next
     * @param panicThreshold no automated availability reroute while more than this share of active routes is unhealthy
     * @param panicMinRoutes the panic guard needs at least this many active routes to engage
     * @param settle         a new reroute target is chosen this long (event time) after the verdict that needs it,
     *                       so routes failing in the same instant are seen together
     * @param suspectHold    a route with fresh errors (a policy refusal, an error burst) is "suspect" this long:
     *                       not chosen as a new target, and counted by the panic guard
     */
    public record Reroute(
            boolean enabled,
            double probeShare,
            Duration ttl,
            List<Double> restoreSteps,
            Duration stepInterval,
            double panicThreshold,
            int panicMinRoutes,
            Duration settle,
            Duration suspectHold) {

        public Reroute(boolean enabled, double probeShare, Duration ttl, List<Double> restoreSteps, Duration stepInterval,
                       double panicThreshold, int panicMinRoutes) {
            this(enabled, probeShare, ttl, restoreSteps, stepInterval, panicThreshold, panicMinRoutes,
                    Duration.ofMillis(250), Duration.ofSeconds(5));
        }
    }

    /**
     * Alerts.
     *
     * @param runbookBaseUrl   runbook_url annotation = this + '#' + alert name (lowercase)
     * @param statusPageUrl    generatorURL base, e.g. http://model-health:8080 (optional)
     * @param providerShare    a provider-wide alert fires when more than this share of a provider's active routes is unhealthy
     * @param providerMinRoutes and at least this many of its routes are unhealthy
     * @param alertmanagerUrl  optional Alertmanager base URL; alerts are posted to /api/v2/alerts
     * @param resendInterval   firing alerts are re-posted to Alertmanager this often
     */
    public record Alerts(
            String runbookBaseUrl,
            String statusPageUrl,
            double providerShare,
            int providerMinRoutes,
            String alertmanagerUrl,
            Duration resendInterval) {
    }

    /**
     * OpenTelemetry input: {@code ExportTraceServiceRequest}s as the Collector's {@code kafka} exporter writes
     * them. GenAI spans become calls (README "Already emitting OpenTelemetry?"). The attributes are looked up
     * on the span first, then on its resource: the span's own value wins.
     *
     * @param enabled         also read {@code topic}
     * @param topic           the exporter's topic (its default: {@code otlp_spans})
     * @param encoding        the exporter's encoding of that topic
     * @param tenantAttribute attribute whose value is the call's tenant
     * @param regionAttribute attribute whose value is the call's region
     */
    public record Otlp(boolean enabled, String topic, OtlpEncoding encoding, String tenantAttribute,
                       String regionAttribute) {
        public static final Otlp DEFAULT = new Otlp(false, "otlp_spans", OtlpEncoding.OTLP_PROTO, "service.name", "cloud.region");
    }

    /** The Collector kafka exporter's trace encodings that carry OTLP: protobuf bytes or OTLP/JSON. */
    public enum OtlpEncoding {
        OTLP_PROTO, OTLP_JSON;

        @com.fasterxml.jackson.annotation.JsonValue
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Per-route settings. */
    public record Route(List<String> fallbacks) {
        public Route {
            fallbacks = fallbacks == null ? List.of() : List.copyOf(fallbacks);
        }
    }

    /** This configuration with another {@code otlp} section. */
    public AppConfig withOtlp(Otlp o) {
        return new AppConfig(kafka, http, topics, telemetry, classes, windows, detection, anomaly, reroute, alerts, routes, o,
                scopes, families, limits, overrides, operations, rocksdb);
    }

    /** This configuration with another {@code http} section. */
    public AppConfig withHttp(Http h) {
        return new AppConfig(kafka, h, topics, telemetry, classes, windows, detection, anomaly, reroute, alerts, routes, otlp,
                scopes, families, limits, overrides, operations, rocksdb);
    }

    /** This configuration with other Kafka properties. */
    public AppConfig withKafka(Map<String, String> k) {
        return new AppConfig(k, http, topics, telemetry, classes, windows, detection, anomaly, reroute, alerts, routes, otlp,
                scopes, families, limits, overrides, operations, rocksdb);
    }

    /** This configuration with other {@code limits}. */
    public AppConfig withLimits(Limits l) {
        return new AppConfig(kafka, http, topics, telemetry, classes, windows, detection, anomaly, reroute, alerts, routes, otlp,
                scopes, families, l, overrides, operations, rocksdb);
    }

    /** This configuration with other {@code overrides} settings. */
    public AppConfig withOverrides(Overrides o) {
        return new AppConfig(kafka, http, topics, telemetry, classes, windows, detection, anomaly, reroute, alerts, routes, otlp,
                scopes, families, limits, o, operations, rocksdb);
    }

    /** This configuration with other {@code routes}. */
    public AppConfig withRoutes(Map<String, Route> r) {
        return new AppConfig(kafka, http, topics, telemetry, classes, windows, detection, anomaly, reroute, alerts, r, otlp,
                scopes, families, limits, overrides, operations, rocksdb);
    }

    /** The fallback chain of a route (empty when none is configured). */
    public List<String> fallbacksOf(String route) {
        Route r = routes.get(route);
        return r == null ? List.of() : r.fallbacks();
    }

    public static AppConfig defaults() {
        Map<String, String> kafka = new LinkedHashMap<>();
        kafka.put("bootstrap.servers", "localhost:9092");
        kafka.put("application.id", "model-health");
        return new AppConfig(
                kafka,
                Http.DEFAULT,
                new Topics("llm.calls", "llm.calls.dlq", "model.health.windows", "model.health.anomalies",
                        "model.health.state", "model.health.alerts", "model.reroute.commands",
                        "model.health.overrides", 6, -1),
                // Future skew at most the grace period: one call from a fast clock then cannot push its route's
                // event time past the point where honest calls would arrive late.
                new Telemetry(false, 64 * 1024, Duration.ofSeconds(10), Duration.ofMinutes(10)),
                new Classes(defaultClassRules(), OutcomeClass.AVAILABILITY),
                // A lateness bound as long as the longest rule window: a backlog read from many partitions at
                // different speeds loses nothing a rule could look at.
                new Windows(Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ZERO,
                        Duration.ofSeconds(2), Duration.ofMillis(100)),
                new Detection(
                        new Availability(0.99, List.of(
                                new BurnRate(Duration.ofMinutes(1), Duration.ofSeconds(10), 14.4),
                                new BurnRate(Duration.ofMinutes(5), Duration.ofMinutes(1), 6.0)), 30, 0.95),
                        new RateLimit(Duration.ofSeconds(30), 0.5, 0.1, 20),
                        // Restored on evidence: 20 consecutive successes from 2 tenants spread over a minute, after a 1 min floor.
                        new PolicyBlock(Duration.ofSeconds(30), 5, 0.5, 3, 2, Duration.ofMinutes(1), 20, 2, Duration.ofMinutes(1)),
                        new Degraded(Duration.ofMinutes(1), 0.05, 0.02, 20),
                        new Recovery(Duration.ofSeconds(30), 0.02, 5),
                        3,
                        Duration.ofSeconds(30),
                        Duration.ofMinutes(2)),
                new Anomaly(true, 0.1, 4.0, 2.0, 12, 10),
                new Reroute(true, 0.01, Duration.ofHours(1), List.of(0.5, 0.2, 0.0), Duration.ofSeconds(30), 0.5, 3,
                        Duration.ofMillis(250), Duration.ofSeconds(5)),
                new Alerts("https://github.com/model-health/model-health/blob/main/docs/runbook.md", null,
                        0.5, 2, null, Duration.ofMinutes(1)),
                Map.of(),
                Otlp.DEFAULT,
                Scopes.DEFAULT,
                Map.of(),
                Limits.DEFAULT,
                Overrides.DEFAULT,
                Operations.DEFAULT,
                RocksDb.DEFAULT);
    }

    static List<ClassRule> defaultClassRules() {
        List<ClassRule> r = new ArrayList<>();
        // Error types first: they say more than the status (a 200 stream can end in overloaded_error,
        // a 404 is a policy block only with model_not_found). Each rule lists the providers' own codes, then
        // the exception class names that instrumentations put in error.type (OpenAI and Anthropic SDKs:
        // RateLimitError, …; Java SDKs: …Exception; AWS Bedrock; Google API core). A qualified name such as
        // openai.RateLimitError matches by its last segment (OutcomeClassifier).
        r.add(new ClassRule(OutcomeClass.POLICY_BLOCK, List.of("model_not_found", "model_not_available",
                "access_revoked", "export_controlled", "deprecated_model", "permission_error", "forbidden",
                // 403 and 404 as exceptions. The SDK builds the URL, so the one thing a caller names that can be
                // "not found" is the model: an SDK's NotFoundError is the model_not_found of the exception world.
                "PermissionDeniedError", "PermissionDeniedException", "AccessDeniedException", "PermissionDenied",
                "NotFoundError", "NotFoundException", "ResourceNotFoundException"), List.of()));
        r.add(new ClassRule(OutcomeClass.CONTENT_FILTER, List.of("content_filter", "content_policy_violation",
                "refusal", "safety", "ContentFilterFinishReasonError"), List.of()));
        r.add(new ClassRule(OutcomeClass.RATE_LIMIT, List.of("rate_limit_error", "rate_limited",
                "too_many_requests", "throttling_exception",
                "RateLimitError", "RateLimitException", "ThrottlingException", "TooManyRequestsException",
                "ResourceExhausted"), List.of()));
        r.add(new ClassRule(OutcomeClass.AVAILABILITY, List.of("timeout", "connection_error", "overloaded_error",
                "api_error", "server_error", "service_unavailable", "internal_server_error",
                "APITimeoutError", "TimeoutError", "TimeoutException", "SocketTimeoutException", "ReadTimeout",
                "APIConnectionError", "ConnectError", "ConnectException", "InternalServerError",
                "InternalServerException", "ServiceUnavailableError", "ServiceUnavailableException", "OverloadedError",
                "ModelTimeoutException", "ModelNotReadyException", "ServiceUnavailable", "DeadlineExceeded"), List.of()));
        r.add(new ClassRule(OutcomeClass.CLIENT, List.of("invalid_request_error", "authentication_error",
                "bad_request", "request_too_large", "unprocessable_entity", "not_found_error",
                "BadRequestError", "BadRequestException", "AuthenticationError", "UnauthorizedException",
                "UnprocessableEntityError", "UnprocessableEntityException", "ValidationException",
                "InvalidArgument"), List.of()));
        r.add(new ClassRule(OutcomeClass.POLICY_BLOCK, List.of(), List.of("403", "451")));
        r.add(new ClassRule(OutcomeClass.RATE_LIMIT, List.of(), List.of("429")));
        r.add(new ClassRule(OutcomeClass.AVAILABILITY, List.of(), List.of("0", "500-599")));
        r.add(new ClassRule(OutcomeClass.CLIENT, List.of(), List.of("400-499")));
        r.add(new ClassRule(OutcomeClass.SUCCESS, List.of(), List.of("100-399")));
        return List.copyOf(r);
    }

    /** Checks every value; throws {@link ConfigException} naming the first bad key. */
    public AppConfig validate() {
        if (http.port() < 0 || http.port() > 65535) {
            throw new ConfigException("http.port", "must be 0–65535, got " + http.port());
        }
        positive("http.request-timeout", http.requestTimeout());
        nonNegative("http.status-cache", http.statusCache());
        if (http.metricsAuth() && http.authToken() == null) {
            throw new ConfigException("http.metrics-auth", "needs http.auth-token");
        }
        if (limits.maxRoutes() < 1) {
            throw new ConfigException("limits.max-routes", "must be at least 1, got " + limits.maxRoutes());
        }
        if (limits.meteredRoutes() < 0) {
            throw new ConfigException("limits.metered-routes", "must not be negative, got " + limits.meteredRoutes());
        }
        positive("limits.idle-eviction", limits.idleEviction());
        positive("overrides.max-lifetime", overrides.maxLifetime());
        if (operations.maxThreadReplacements() < 0) {
            throw new ConfigException("operations.max-thread-replacements",
                    "must not be negative, got " + operations.maxThreadReplacements());
        }
        positive("operations.thread-replacement-window", operations.threadReplacementWindow());
        if (rocksdb.blockCacheMb() < 1) {
            throw new ConfigException("rocksdb.block-cache-mb", "must be at least 1, got " + rocksdb.blockCacheMb());
        }
        if (rocksdb.writeBufferMb() < 1 || rocksdb.writeBufferMb() > rocksdb.blockCacheMb()) {
            throw new ConfigException("rocksdb.write-buffer-mb",
                    "must be 1 … rocksdb.block-cache-mb (" + rocksdb.blockCacheMb() + "), got " + rocksdb.writeBufferMb());
        }
        if (rocksdb.maxWriteBuffers() < 1) {
            throw new ConfigException("rocksdb.max-write-buffers", "must be at least 1, got " + rocksdb.maxWriteBuffers());
        }
        requireNonBlank("kafka.bootstrap.servers", kafka.get("bootstrap.servers"));
        requireNonBlank("kafka.application.id", kafka.get("application.id"));
        requireNonBlank("topics.calls", topics.calls());
        requireNonBlank("topics.dead-letters", topics.deadLetters());
        requireNonBlank("topics.windows", topics.windows());
        requireNonBlank("topics.anomalies", topics.anomalies());
        requireNonBlank("topics.state", topics.state());
        requireNonBlank("topics.alerts", topics.alerts());
        requireNonBlank("topics.reroutes", topics.reroutes());
        requireNonBlank("topics.overrides", topics.overrides());
        requireNonBlank("topics.scoped-reroutes", topics.scopedReroutes());
        if (topics.scopedReroutes().equals(topics.reroutes())) {
            throw new ConfigException("topics.scoped-reroutes", "must differ from topics.reroutes: a consumer that knows only "
                    + "route-wide commands would apply a scoped one to all of the route's traffic");
        }
        if (topics.partitions() < 1) {
            throw new ConfigException("topics.partitions", "must be at least 1, got " + topics.partitions());
        }
        if (topics.replicationFactor() == 0 || topics.replicationFactor() < -1) {
            throw new ConfigException("topics.replication-factor", "must be -1 (broker default) or at least 1");
        }
        if (telemetry.maxRecordBytes() < 256) {
            throw new ConfigException("telemetry.max-record-bytes", "must be at least 256");
        }
        nonNegative("telemetry.max-future-skew", telemetry.maxFutureSkew());
        if (telemetry.maxFutureSkew().compareTo(windows.grace()) > 0) {
            throw new ConfigException("telemetry.max-future-skew", "must not exceed windows.grace ("
                    + Durations.format(windows.grace()) + "): a call from a fast clock would make honest calls late");
        }
        nonNegative("telemetry.dedup-window", telemetry.dedupWindow());
        for (int i = 0; i < classes.rules().size(); i++) {
            ClassRule rule = classes.rules().get(i);
            String key = "classes.rules[" + i + "]";
            if (rule.outcome() == null) {
                throw new ConfigException(key + ".outcome", "is required; one of " + outcomeNames());
            }
            if (rule.errorTypes().isEmpty() && rule.status().isEmpty()) {
                throw new ConfigException(key, "needs error-types or status (a rule without conditions would match every call)");
            }
            for (String s : rule.status()) {
                StatusRange.parse(key + ".status", s);
            }
        }
        if (classes.unknownError() == null) {
            throw new ConfigException("classes.unknown-error", "is required; one of " + outcomeNames());
        }
        positive("windows.bucket", windows.bucket());
        nonNegative("windows.grace", windows.grace());
        positive("windows.punctuate-interval", windows.punctuateInterval());
        nonNegative("windows.out-of-order", windows.outOfOrder());
        positive("windows.idle-partition-after", windows.idlePartitionAfter());
        positive("windows.watermark-interval", windows.watermarkInterval());
        for (int i = 0; i < detection.availability().burnRates().size(); i++) {
            BurnRate b = detection.availability().burnRates().get(i);
            String key = "detection.availability.burn-rates[" + i + "]";
            wholeBuckets(key + ".long-window", b.longWindow());
            wholeBuckets(key + ".short-window", b.shortWindow());
            if (b.shortWindow().compareTo(b.longWindow()) > 0) {
                throw new ConfigException(key + ".short-window", "must not be longer than long-window");
            }
            if (b.factor() <= 0) {
                throw new ConfigException(key + ".factor", "must be > 0");
            }
        }
        double slo = detection.availability().slo();
        if (!(slo > 0 && slo < 1)) {
            throw new ConfigException("detection.availability.slo", "must be between 0 and 1 (exclusive), e.g. 0.99");
        }
        minCalls("detection.availability.min-calls", detection.availability().minCalls());
        double confidence = detection.availability().confidence();
        if (!(confidence == 0 || confidence >= 0.5 && confidence < 1)) {
            throw new ConfigException("detection.availability.confidence", "must be 0 (off), or at least 0.5 and below 1, e.g. 0.95");
        }
        wholeBuckets("detection.rate-limit.window", detection.rateLimit().window());
        ratio("detection.rate-limit.enter-ratio", detection.rateLimit().enterRatio());
        ratio("detection.rate-limit.exit-ratio", detection.rateLimit().exitRatio());
        below("detection.rate-limit.exit-ratio", detection.rateLimit().exitRatio(), detection.rateLimit().enterRatio());
        minCalls("detection.rate-limit.min-calls", detection.rateLimit().minCalls());
        PolicyBlock p = detection.policyBlock();
        wholeBuckets("detection.policy-block.window", p.window());
        minCalls("detection.policy-block.min-calls", p.minCalls());
        ratio("detection.policy-block.enter-ratio", p.enterRatio());
        if (p.consecutive() < 0) {
            throw new ConfigException("detection.policy-block.consecutive", "must be >= 0 (0 disables the run rule)");
        }
        if (p.minTenants() < 1) {
            throw new ConfigException("detection.policy-block.min-tenants", "must be at least 1");
        }
        nonNegative("detection.policy-block.hold-down", p.holdDown());
        minCalls("detection.policy-block.probe-successes", p.probeSuccesses());
        if (p.probeTenants() < 1) {
            throw new ConfigException("detection.policy-block.probe-tenants", "must be at least 1");
        }
        nonNegative("detection.policy-block.probe-window", p.probeWindow());
        wholeBuckets("detection.degraded.window", detection.degraded().window());
        ratio("detection.degraded.enter-ratio", detection.degraded().enterRatio());
        ratio("detection.degraded.exit-ratio", detection.degraded().exitRatio());
        below("detection.degraded.exit-ratio", detection.degraded().exitRatio(), detection.degraded().enterRatio());
        minCalls("detection.degraded.min-calls", detection.degraded().minCalls());
        wholeBuckets("detection.recovery.window", detection.recovery().window());
        ratio("detection.recovery.exit-ratio", detection.recovery().exitRatio());
        minCalls("detection.recovery.min-calls", detection.recovery().minCalls());
        minCalls("detection.min-errors", detection.minErrors());
        nonNegative("detection.min-hold", detection.minHold());
        positive("detection.idle-after", detection.idleAfter());
        ratio("anomaly.alpha", anomaly.alpha());
        if (anomaly.alpha() == 0) {
            throw new ConfigException("anomaly.alpha", "must be > 0");
        }
        if (anomaly.closeScore() <= 0 || anomaly.openScore() <= anomaly.closeScore()) {
            throw new ConfigException("anomaly.open-score", "must be greater than anomaly.close-score, and both > 0");
        }
        if (anomaly.warmupBuckets() < 1) {
            throw new ConfigException("anomaly.warmup-buckets", "must be at least 1");
        }
        minCalls("anomaly.min-calls", anomaly.minCalls());
        ratio("reroute.probe-share", reroute.probeShare());
        positive("reroute.ttl", reroute.ttl());
        List<Double> steps = reroute.restoreSteps();
        if (steps.isEmpty() || steps.get(steps.size() - 1) != 0.0) {
            throw new ConfigException("reroute.restore-steps", "must be a non-empty list of weights ending with 0, e.g. [0.5, 0.2, 0]");
        }
        double previous = 1.0;
        for (int i = 0; i < steps.size(); i++) {
            double w = steps.get(i);
            if (!(w >= 0 && w < previous)) {
                throw new ConfigException("reroute.restore-steps[" + i + "]", "weights must decrease strictly from 1 towards 0, got " + steps);
            }
            previous = w;
        }
        nonNegative("reroute.step-interval", reroute.stepInterval());
        ratio("reroute.panic-threshold", reroute.panicThreshold());
        nonNegative("reroute.settle", reroute.settle());
        nonNegative("reroute.suspect-hold", reroute.suspectHold());
        if (reroute.panicMinRoutes() < 1) {
            throw new ConfigException("reroute.panic-min-routes", "must be at least 1");
        }
        ratio("alerts.provider-share", alerts.providerShare());
        if (alerts.providerMinRoutes() < 1) {
            throw new ConfigException("alerts.provider-min-routes", "must be at least 1");
        }
        positive("alerts.resend-interval", alerts.resendInterval());
        requireNonBlank("otlp.topic", otlp.topic());
        if (otlp.enabled()) {
            for (String other : List.of(topics.calls(), topics.deadLetters(), topics.overrides(), topics.state())) {
                if (otlp.topic().equals(other)) {
                    throw new ConfigException("otlp.topic", "'" + otlp.topic() + "' is also one of the topics.* topics; "
                            + "the Collector's spans need a topic of their own (its default: otlp_spans)");
                }
            }
        }
        if (otlp.encoding() == null) {
            throw new ConfigException("otlp.encoding", "is required; one of otlp_proto, otlp_json");
        }
        requireNonBlank("otlp.tenant-attribute", otlp.tenantAttribute());
        requireNonBlank("otlp.region-attribute", otlp.regionAttribute());
        if (alerts.alertmanagerUrl() != null && !alerts.alertmanagerUrl().matches("https?://.+")) {
            throw new ConfigException("alerts.alertmanager-url", "must be an http(s) URL, got '"
                    + Secrets.maskValue(alerts.alertmanagerUrl()) + "'");
        }
        for (Map.Entry<String, Route> e : routes.entrySet()) {
            String route = e.getKey();
            String key = "routes." + route;
            if (!route.matches("[^/\\s]+/[^\\s]+")) {
                throw new ConfigException(key, "a route id is provider/model, e.g. anthropic/claude-fable-5");
            }
            List<String> chain = e.getValue().fallbacks();
            for (int i = 0; i < chain.size(); i++) {
                String f = chain.get(i);
                if (f == null || !f.matches("[^/\\s]+/[^\\s]+")) {
                    throw new ConfigException(key + ".fallbacks[" + i + "]", "'" + f + "' is not a route id (provider/model)");
                }
                if (f.equals(route)) {
                    throw new ConfigException(key + ".fallbacks[" + i + "]", "a route cannot fall back to itself");
                }
                if (chain.indexOf(f) != i) {
                    throw new ConfigException(key + ".fallbacks[" + i + "]", "'" + f + "' is listed twice");
                }
            }
        }
        for (int i = 0; i < scopes.dimensions().size(); i++) {
            String d = scopes.dimensions().get(i);
            if (!Scopes.FIELDS.contains(d)) {
                throw new ConfigException("scopes.dimensions[" + i + "]", "'" + d + "' is not a scope field; use one of " + Scopes.FIELDS);
            }
            if (scopes.dimensions().indexOf(d) != i) {
                throw new ConfigException("scopes.dimensions[" + i + "]", "'" + d + "' is listed twice");
            }
        }
        if (scopes.maxPerRoute() < 1 || scopes.maxPerRoute() > 256) {
            throw new ConfigException("scopes.max-per-route", "must be 1–256, got " + scopes.maxPerRoute());
        }
        if (!(scopes.routeWideShare() >= 0 && scopes.routeWideShare() < 1)) {
            throw new ConfigException("scopes.route-wide-share", "must be at least 0 and below 1, got " + scopes.routeWideShare());
        }
        Map<String, String> familyOfRoute = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : families.entrySet()) {
            String key = "families." + e.getKey();
            if (e.getValue() == null || e.getValue().size() < 2) {
                throw new ConfigException(key, "a family lists at least two routes serving the same model, e.g. "
                        + "[anthropic/claude-fable-5, aws.bedrock/anthropic.claude-fable-5]");
            }
            for (int i = 0; i < e.getValue().size(); i++) {
                String r = e.getValue().get(i);
                if (r == null || !r.matches("[^/\\s]+/[^\\s]+")) {
                    throw new ConfigException(key + "[" + i + "]", "'" + r + "' is not a route id (provider/model)");
                }
                String other = familyOfRoute.putIfAbsent(r, e.getKey());
                if (other != null) {
                    throw new ConfigException(key + "[" + i + "]", "'" + r + "' is already in family " + other);
                }
            }
        }
        return this;
    }

    /** The longest window any rule looks at: how much bucket history each route keeps. */
    public Duration longestWindow() {
        Duration max = windows.bucket();
        for (BurnRate b : detection.availability().burnRates()) {
            max = maxOf(max, b.longWindow());
        }
        max = maxOf(max, detection.rateLimit().window());
        max = maxOf(max, detection.policyBlock().window());
        max = maxOf(max, detection.degraded().window());
        max = maxOf(max, detection.recovery().window());
        return max;
    }

    private static Duration maxOf(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private void wholeBuckets(String key, Duration d) {
        positive(key, d);
        if (d.toMillis() % windows.bucket().toMillis() != 0) {
            throw new ConfigException(key, "must be a whole number of buckets (windows.bucket = "
                    + Durations.format(windows.bucket()) + "), got " + Durations.format(d));
        }
        if (d.toMillis() / windows.bucket().toMillis() > 720) {
            throw new ConfigException(key, "is more than 720 buckets; raise windows.bucket");
        }
    }

    private static String outcomeNames() {
        List<String> names = new ArrayList<>();
        for (OutcomeClass c : OutcomeClass.values()) {
            names.add(c.wireName());
        }
        return String.join(", ", names);
    }

    private static void requireNonBlank(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new ConfigException(key, "is required");
        }
    }

    private static void positive(String key, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new ConfigException(key, "must be a positive duration (e.g. 10s)");
        }
    }

    private static void nonNegative(String key, Duration d) {
        if (d == null || d.isNegative()) {
            throw new ConfigException(key, "must be a duration >= 0 (e.g. 0s, 10s)");
        }
    }

    private static void ratio(String key, double v) {
        if (!(v >= 0 && v <= 1)) {
            throw new ConfigException(key, "must be a ratio between 0 and 1, got " + v);
        }
    }

    private static void below(String key, double exit, double enter) {
        if (exit >= enter) {
            throw new ConfigException(key, "must be below the enter ratio (" + enter + ") so that the state does not flap");
        }
    }

    private static void minCalls(String key, int v) {
        if (v < 1) {
            throw new ConfigException(key, "must be at least 1, got " + v);
        }
    }
}
