package io.modelhealth.bench.jmh;

import io.modelhealth.bench.Calls;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.health.HealthOutputs;
import io.modelhealth.health.RouteHealth;
import io.modelhealth.health.RouteState;
import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.Anomaly;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.schemas.OutcomeClass;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.telemetry.CallParser;
import io.modelhealth.telemetry.OutcomeClassifier;
import java.util.Map;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * 4,096 pre-made {@code llm.call.v1} records over 200 routes, the app's default config, and every
 * route's state warmed up over 6 minutes of event time (its ring of buckets full), so each operation
 * sees the steady state: buckets close every 10 s of event time, windows are evaluated once a second
 * per route and on every error.
 */
@State(Scope.Thread)
public class HotPathState {

    static final int RECORDS = 4096;
    static final int ROUTES = 200;
    /** Event time advances 0.1 ms per call: 10,000 calls/s over all routes, 50 calls/s per route. */
    static final double MS_PER_CALL = 0.1;

    AppConfig config;
    CallParser parser;
    OutcomeClassifier classifier;
    RouteHealth engine;
    RouteState[] states;
    byte[][] records;
    int[] routeOf;
    LlmCall[] parsed;
    int next;
    long calls;
    long startMs;

    /** Outputs go nowhere, but are consumed so they are not optimised away. */
    static final class Sink implements HealthOutputs {
        long n;

        @Override
        public void window(HealthWindow window, long timestamp) {
            n++;
        }

        @Override
        public void anomaly(Anomaly anomaly, long timestamp) {
            n++;
        }

        @Override
        public void state(RouteStatus status, long timestamp) {
            n++;
        }

        @Override
        public void command(RerouteCommand command, long timestamp) {
            n++;
        }

        @Override
        public void alert(Alert alert, long timestamp) {
            n++;
        }
    }

    final Sink sink = new Sink();

    @Setup
    public void setup() {
        config = ConfigLoader.load(null, Map.of(), Map.of());
        parser = new CallParser(config.telemetry().maxRecordBytes());
        classifier = new OutcomeClassifier(config.classes());
        engine = new RouteHealth(config, "bench");
        Calls gen = new Calls("jmh", ROUTES, 1);
        java.util.SplittableRandom r = new java.util.SplittableRandom(2);
        startMs = 1_800_000_000_000L;
        records = new byte[RECORDS][];
        routeOf = new int[RECORDS];
        parsed = new LlmCall[RECORDS];
        for (int i = 0; i < RECORDS; i++) {
            routeOf[i] = r.nextInt(ROUTES);
            records[i] = gen.normal(routeOf[i], startMs + i);
            parsed[i] = parser.parse(records[i]).call();
        }
        states = new RouteState[ROUTES];
        for (int i = 0; i < ROUTES; i++) {
            states[i] = engine.newState(gen.route(i), Calls.PROVIDER, "jmh-" + i);
        }
        // 6 minutes of event time: every bucket of the 5-minute ring in use.
        long warm = (long) (6 * 60_000 / MS_PER_CALL);
        for (long i = 0; i < warm; i++) {
            update((int) (i % RECORDS));
        }
    }

    long now() {
        return startMs + (long) (calls * MS_PER_CALL);
    }

    /** classify + engine update of pre-parsed record i at the current event time. */
    boolean update(int i) {
        long ts = now();
        calls++;
        LlmCall c = parsed[i];
        OutcomeClass cls = classifier.classify(c);
        return engine.onCall(states[routeOf[i]], c, cls, ts, sink);
    }

    int nextIndex() {
        int i = next;
        next = (next + 1) & (RECORDS - 1);
        return i;
    }
}
