package io.modelhealth.scopes;

import io.modelhealth.backtest.Replay;
import io.modelhealth.config.AppConfig;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.Json;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Calls of several routes, each spread over regions and tenants by fixed shares, driven through the
 * real topology ({@link Replay}, TopologyTestDriver), unkeyed: the way scoped tests feed it. Outcomes
 * come from a function of (route, region, tenant, time since start).
 */
final class ScopedTraffic implements AutoCloseable {

    static final Instant T0 = Instant.parse("2026-11-27T03:00:00Z");

    /** Decides one call's outcome. */
    interface Outcomes {
        /** null: success; else {status, error_type}. */
        Object[] of(String route, String region, String tenant, long t);
    }

    static final Object[] OK = null;

    record Lane(String route, String region, String tenant, double perSecond) {
    }

    /** One call as it was fed: its {@code llm.call.v1} bytes and event time (ms), for replaying it elsewhere. */
    record Sent(long eventTime, byte[] value) {
    }

    private final Replay replay;
    final List<RerouteCommand> commands = new ArrayList<>();
    final Map<String, RouteStatus> states = new LinkedHashMap<>();
    final List<RouteStatus> stateHistory = new ArrayList<>();
    final List<Alert> alerts = new ArrayList<>();
    /** Every call fed, in the order fed (event time). */
    final List<Sent> sent = new ArrayList<>();
    private long seq;

    ScopedTraffic(AppConfig config) {
        this.replay = new Replay(config, "cfg-test", T0, HealthMetrics.noop());
    }

    /** Sends every lane's calls over [from, to) ms after T0, interleaved in time order. */
    void run(long from, long to, List<Lane> lanes, Outcomes outcomes) {
        double[] next = new double[lanes.size()];
        for (int i = 0; i < lanes.size(); i++) {
            next[i] = from + 1000.0 / lanes.get(i).perSecond() * (i + 1) / (lanes.size() + 1);
        }
        while (true) {
            int k = -1;
            for (int i = 0; i < lanes.size(); i++) {
                if (next[i] < to && (k < 0 || next[i] < next[k])) {
                    k = i;
                }
            }
            if (k < 0) {
                break;
            }
            Lane lane = lanes.get(k);
            long t = (long) next[k];
            next[k] += 1000.0 / lane.perSecond();
            Object[] o = outcomes.of(lane.route(), lane.region(), lane.tenant(), t);
            String[] pm = lane.route().split("/", 2);
            LlmCall call = new LlmCall("e" + (seq++), T0.plusMillis(t), pm[0], pm[1], lane.region(), lane.tenant(),
                    o == null ? 200 : (Integer) o[0], o == null ? null : (String) o[1], 800, null, null, null);
            byte[] value = json(call);
            sent.add(new Sent(T0.toEpochMilli() + t, value));
            collect(replay.call(null, value, T0.toEpochMilli() + t));
        }
        collect(replay.advance(java.time.Duration.ofMillis(Math.max(0, T0.toEpochMilli() + to - replay.wallClock()))));
    }

    private static byte[] json(LlmCall call) {
        try {
            return Json.mapper().writeValueAsBytes(call);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Lets time pass with no calls (watermarks go idle, then follow the clock). */
    void idle(long ms) {
        collect(replay.advance(java.time.Duration.ofMillis(ms)));
    }

    private void collect(List<Replay.Output> outputs) {
        for (Replay.Output o : outputs) {
            if (o.value() instanceof RerouteCommand c) {
                commands.add(c);
            } else if (o.value() instanceof RouteStatus s) {
                states.put(s.route(), s);
                stateHistory.add(s);
            } else if (o.value() instanceof Alert a) {
                alerts.add(a);
            }
        }
    }

    List<RerouteCommand> routeWide(String route) {
        return commands.stream().filter(c -> c.route().equals(route) && c.scope() == null).toList();
    }

    List<RerouteCommand> scoped(String route, String field, String value) {
        return commands.stream().filter(c -> c.route().equals(route) && c.scope() != null
                && value.equals(c.scope().get(field))).toList();
    }

    /** The command keys with a reroute in force at the end (last command per key moves traffic). */
    Map<String, String> inForce() {
        Map<String, RerouteCommand> last = new LinkedHashMap<>();
        commands.forEach(c -> last.put(c.key(), c));
        Map<String, String> out = new LinkedHashMap<>();
        last.forEach((k, c) -> {
            if (c.action() == RerouteAction.REROUTE || c.weight() > 0) {
                out.put(k, c.target());
            }
        });
        return out;
    }

    /** Distinct paging incidents (one fingerprint each; updates of a firing alert re-send it). */
    List<Alert> pagesFired() {
        Map<String, Alert> first = new LinkedHashMap<>();
        alerts.stream().filter(a -> a.isFiring() && "critical".equals(a.labels().get("severity")))
                .forEach(a -> first.putIfAbsent(a.fingerprint(), a));
        return List.copyOf(first.values());
    }

    @Override
    public void close() {
        replay.close();
    }
}
