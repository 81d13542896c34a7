package io.modelhealth.health;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.modelhealth.schemas.Evidence;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.OutcomeClass;
import io.modelhealth.schemas.RouteOverride;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the monitor remembers about one route, kept in one changelogged state-store entry so
 * that a record costs one store read and one write: the time-bucket ring, the health state machine,
 * the active reroute, open alerts, anomaly baselines and any operator override. Mutable; owned by
 * one stream task at a time. Times are event-time epoch millis.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
        getterVisibility = JsonAutoDetect.Visibility.NONE, isGetterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class RouteState {

    /** One time bucket. {@code latency} is kept while the bucket is open and dropped when it closes. */
    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static final class Bucket {
        long start = Long.MIN_VALUE;
        int[] counts = new int[OutcomeClass.values().length];
        int[] latency;
        /** Emitted as a window record: the low watermark passed its end. Late calls may still amend it. */
        boolean closed;
        /** Calls counted after the bucket was first emitted. */
        int late;
        /**
         * Of {@link #counts}, the calls the route's rules leave out, by class: calls of a scope that fails
         * alone ({@link ScopedHealth}). Windows count them; the rules do not. Null while there are none.
         */
        int[] leftOut;
        /** Latency quantiles at first emission (the histogram is dropped then); NaN while open or without calls. */
        double p50 = Double.NaN;
        double p95 = Double.NaN;
        double p99 = Double.NaN;

        public long start() {
            return start;
        }

        public int count(OutcomeClass c) {
            return counts[c.ordinal()];
        }

        public long calls() {
            long t = 0;
            for (int c : counts) {
                t += c;
            }
            return t;
        }
    }

    /** EWMA baseline of one metric, frozen while an anomaly on it is open. */
    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static final class Baseline {
        double mean;
        double variance;
        int samples;
        String openId;
        long openedAt;
        double openBaseline;
    }

    String route;
    String provider;
    String model;

    /**
     * Written as one compact binary blob ({@link RouteStateSerde.RingCodec}), not as an array of
     * objects: the ring is most of a route's state, and the store reads and writes it on every call.
     */
    @JsonSerialize(using = RouteStateSerde.RingSerializer.class)
    @JsonDeserialize(using = RouteStateSerde.RingDeserializer.class)
    Bucket[] ring;
    /** Highest event time seen (or reached by punctuation) for this route. */
    long routeTime = Long.MIN_VALUE;
    /** Event time of the last call. */
    long lastCallAt = Long.MIN_VALUE;
    long lastEvaluatedAt = Long.MIN_VALUE;

    HealthState state = HealthState.HEALTHY;
    HealthState previousState;
    long since = Long.MIN_VALUE;
    String reason = "no errors";
    Evidence evidence;
    /** Windows do not look behind this time: set when the route starts to heal, so old errors do not re-trigger. */
    long windowFloor = Long.MIN_VALUE;
    /** When the route last became HEALTHY after an incident; with {@link #flaps} it damps flapping. */
    long lastHealthyAt = Long.MIN_VALUE;
    int flaps;
    /** State to go back to when traffic returns after IDLE. */
    HealthState resumeState;
    /** When {@link #resumeState} began, so that a resumed incident keeps its hold. */
    long resumeSince = Long.MIN_VALUE;
    /** Which class opened the current incident (availability, rate_limit, policy_block). */
    String incidentClass;

    int policyRun;
    long policyRunStart;
    List<String> policyRunTenants = new ArrayList<>();
    int consecutiveGood;
    long badSince = Long.MIN_VALUE;
    /** Event time of the last policy refusal, and of the last evaluation that saw an error burst: the suspect signals. */
    long lastPolicyAt = Long.MIN_VALUE;
    long lastBurstAt = Long.MIN_VALUE;
    /** While BLOCKED: when the current run of successful probe calls began, and the tenants it came from. */
    long probeRunStart = Long.MIN_VALUE;
    List<String> probeTenants = new ArrayList<>();
    /** Last error seen per class, e.g. "403 model_not_available", for alert text. */
    Map<String, String> lastErrors = new LinkedHashMap<>();

    int restoreStep = -1;
    long stepSince = Long.MIN_VALUE;

    /** Open anomaly alerts (incident alerts belong to the fleet stage). */
    Map<String, OpenAlert> openAlerts = new LinkedHashMap<>();
    Map<String, Baseline> baselines = new LinkedHashMap<>();
    RouteOverride override;

    /** For a scope's state: the call field and value that select its calls (null for a route's own state). */
    String scopeDim;
    String scopeValue;
    /**
     * For a route's own state: its scopes, by key ({@code region=eu-west-1}), with what the route needs to
     * know of each on every call (see {@link ScopedHealth}). Null while the route has none.
     */
    Map<String, ScopeMark> scopes;
    /** While unhealthy: who still sends calls (tenant + NUL + region → counts). Null outside an incident. */
    Map<String, CallerCount> callers;

    /** What a route remembers of one of its scopes. */
    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
    public static final class ScopeMark {
        /** Event time of the scope's last call. */
        long lastCallAt = Long.MIN_VALUE;
        /** The scope counts as failing until this event time: Long.MAX_VALUE while unhealthy, a suspect's hold otherwise. */
        long failingUntil = Long.MIN_VALUE;
    }

    /** Calls from one tenant and region to an unhealthy route: totals and a per-minute rate (sliding over two minutes). */
    @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static final class CallerCount {
        /** Not stored: its place in {@link #callers}' order (the last tie-break of the ranking), and its last rank's rate. */
        transient int seq;
        transient double rate;
        String tenant;
        String region;
        long calls;
        long first;
        long last;
        long minute;
        int current;
        int previous;
    }

    /**
     * Not stored: the callers in blast-radius order as last ranked ({@link RouteHealth#blastRadius}), the
     * {@link #callers} map they came from, and their names as a verdict's signature lists them. Caller order
     * rarely changes between two calls, so the next ranking starts from this one (an insertion sort of a
     * sorted array is one pass). A state read back from the store starts without it.
     */
    transient CallerCount[] ranked;
    transient Map<String, CallerCount> rankedFrom;
    transient String rankedNames;

    /** Signature of the last verdict sent to the fleet stage, and how many were sent. */
    String verdictSignature;
    long verdictSeq;
    /** The suspect bits (1 availability, 2 policy) of the last verdict. */
    int publishedSuspect;

    public RouteState() {
    }

    public RouteState(String route, String provider, String model, int ringSize) {
        this.route = route;
        this.provider = provider;
        this.model = model;
        this.ring = new Bucket[ringSize];
    }

    public String route() {
        return route;
    }

    /** The key this state is stored under: the route id, or {@code route|field=value} for a scope. */
    public String key() {
        return scopeDim == null ? route : route + io.modelhealth.schemas.Scopes.SEPARATOR + scopeDim + "=" + scopeValue;
    }

    public String scopeDim() {
        return scopeDim;
    }

    public String scopeValue() {
        return scopeValue;
    }

    public HealthState state() {
        return state;
    }

    public long since() {
        return since;
    }

    public String reason() {
        return reason;
    }
    public RouteOverride override() {
        return override;
    }

    /** The state to go back to when calls return after IDLE; unhealthy while an incident is paused by silence. */
    public HealthState resumeState() {
        return resumeState;
    }

    public long lastCallAt() {
        return lastCallAt;
    }


    public long routeTime() {
        return routeTime;
    }

    public Map<String, OpenAlert> openAlerts() {
        return openAlerts;
    }
}
