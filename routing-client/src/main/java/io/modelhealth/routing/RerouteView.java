package io.modelhealth.routing;

import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The reroute commands in force, and the routing decision they imply. Plain Java, no Kafka: the
 * {@link RerouteClient} feeds it from the topic; tests and other transports may feed it directly.
 *
 * <p>{@code command key → last applied RerouteCommand + last applied epoch}, where the key is the route
 * id for a route-wide command and {@code route|field=value} for a scoped one ({@link RerouteCommand#key()}).
 * Thread-safe: one
 * writer (the client's thread) and any number of request threads; {@link #resolve} takes no lock.
 *
 * <p>Rules, from {@code reroute.command.v1}:
 * <ul>
 *   <li>a call resolves to the most specific command in force that matches it: its tenant's scope,
 *       then its region's, then the route-wide command ({@link #resolve(String, CallScope, String, Instant)});
 *       a scoped command with weight 0 is not in force, so the call falls through to the next;</li>
 *   <li>a command is applied only if its epoch is larger than the last one applied for its key
 *       (stale, replayed and duplicate commands are dropped, whatever order they arrive in);</li>
 *   <li>a tombstone ({@link #clear}) removes the route's command but keeps its epoch, so a replayed
 *       older command cannot bring a cleared reroute back;</li>
 *   <li>a command is in force from when it is applied until {@code expires_at} (exclusive), and only
 *       while its {@code weight} is above 0 (a RESTORE with weight 0 ends the reroute);</li>
 *   <li>of the requests for a route, those whose {@linkplain StableHash stable position} {@code u} is
 *       below {@code weight × (1 − probe_share)} go to the target, the others stay; those in
 *       {@code [weight × (1 − probe_share), weight)} stay only because of the probe share.</li>
 * </ul>
 */
public final class RerouteView {

    private final ConcurrentMap<String, Entry> entries = new ConcurrentHashMap<>();

    /**
     * Applies a command unless it is stale.
     *
     * @return true if applied; false if its epoch is not larger than the last applied for its route
     * @throws IllegalArgumentException if the command breaks the contract (no route, weight outside
     *         0–1, a REROUTE without target, target equal to route, …); the view is then unchanged
     */
    public boolean apply(RerouteCommand command) {
        validate(command);
        boolean[] applied = {false};
        // compute() makes "compare with the last epoch, then replace" one atomic step per key (route, or route|scope).
        entries.compute(command.key(), (key, previous) -> {
            if (previous != null && command.epoch() <= previous.lastEpoch()) {
                return previous;
            }
            applied[0] = true;
            return new Entry(command, command.epoch(), false);
        });
        return applied[0];
    }

    /**
     * A tombstone for {@code route}: its command stops being in force. The last epoch is kept.
     *
     * @return true if a command was removed
     */
    public boolean clear(String route) {
        boolean[] cleared = {false};
        entries.computeIfPresent(route, (key, previous) -> {
            if (previous.command() == null) {
                return previous;
            }
            cleared[0] = true;
            return new Entry(null, previous.lastEpoch(), false);
        });
        return cleared[0];
    }

    /**
     * Where a request for {@code route} goes at {@code now}.
     *
     * @param requestKey what keeps a caller on one side while a command is in force: a user, session
     *                   or conversation id (a user should not bounce between models). With null, each
     *                   request is placed at random: the shares still hold, stickiness does not.
     */
    public Route resolve(String route, String requestKey, Instant now) {
        return resolve(route, CallScope.NONE, requestKey, now);
    }

    /**
     * Where a call for {@code route} from {@code scope} (its region and tenant) goes at {@code now}: the most
     * specific command in force that matches it decides — {@code route|tenant=T}, then {@code route|region=R},
     * then the route-wide command. The stable position is salted with the route, not the command, so a caller
     * keeps its side when a scoped and a route-wide command of the same weight take over from each other.
     */
    public Route resolve(String route, CallScope scope, String requestKey, Instant now) {
        Objects.requireNonNull(route, "route");
        RerouteCommand command = null;
        if (scope != null && scope.tenant() != null) {
            command = inForce(route + "|tenant=" + scope.tenant(), now);
        }
        if (command == null && scope != null && scope.region() != null) {
            command = inForce(route + "|region=" + scope.region(), now);
        }
        if (command == null) {
            command = inForce(route, now);
        }
        if (command == null) {
            return Route.original(route);
        }
        double u = requestKey == null
                ? ThreadLocalRandom.current().nextDouble()
                : StableHash.unitInterval(route, requestKey);
        if (u < command.targetShare()) {
            return new Route(command.target(), route, true, false, command.epoch(), command.reason(), command.key());
        }
        return new Route(route, route, false, u < command.weight(), command.epoch(), command.reason(), command.key());
    }

    private RerouteCommand inForce(String key, Instant now) {
        Entry entry = entries.get(key);
        RerouteCommand command = entry == null ? null : entry.command();
        return command != null && inForce(command, now) ? command : null;
    }

    /**
     * The last command applied for {@code key} (a route id, or {@code route|field=value} for a scope), in force or
     * not (expired, weight 0); empty after a tombstone.
     */
    public Optional<RerouteCommand> current(String route) {
        Entry entry = entries.get(route);
        return entry == null ? Optional.empty() : Optional.ofNullable(entry.command());
    }

    /** The last epoch applied for {@code route}, still known after a tombstone. */
    public OptionalLong lastEpoch(String route) {
        Entry entry = entries.get(route);
        return entry == null ? OptionalLong.empty() : OptionalLong.of(entry.lastEpoch());
    }

    /** The commands in force at {@code now}, by route (sorted), e.g. for a status page. */
    public Map<String, RerouteCommand> inForce(Instant now) {
        Map<String, RerouteCommand> result = new TreeMap<>();
        entries.forEach((route, entry) -> {
            if (entry.command() != null && inForce(entry.command(), now)) {
                result.put(route, entry.command());
            }
        });
        return result;
    }

    /** How many routes have a command in force at {@code now}. */
    public int activeCount(Instant now) {
        int count = 0;
        for (Entry entry : entries.values()) {
            if (entry.command() != null && inForce(entry.command(), now)) {
                count++;
            }
        }
        return count;
    }

    /**
     * The reroutes (weight above 0) that have passed their {@code expires_at} by {@code now} and were
     * not reported by an earlier call: each is reported once. A reroute that expires instead of being
     * ended by a RESTORE means the monitor stopped renewing it, which is worth a warning.
     * {@link #resolve} never depends on this being called.
     */
    public List<RerouteCommand> sweepExpired(Instant now) {
        List<RerouteCommand> expired = new ArrayList<>();
        for (String route : entries.keySet()) {
            entries.computeIfPresent(route, (key, entry) -> {
                RerouteCommand command = entry.command();
                if (command == null || entry.expiryReported() || command.weight() <= 0.0
                        || now.isBefore(command.expiresAt())) {
                    return entry;
                }
                expired.add(command);
                return new Entry(command, entry.lastEpoch(), true);
            });
        }
        return expired;
    }

    private static boolean inForce(RerouteCommand command, Instant now) {
        return command.weight() > 0.0 && now.isBefore(command.expiresAt());
    }

    private static void validate(RerouteCommand command) {
        Objects.requireNonNull(command, "command");
        String route = command.route();
        if (route == null || route.isBlank()) {
            throw invalid(command, "route is missing");
        }
        if (command.action() == null) {
            throw invalid(command, "action is missing");
        }
        if (!(command.weight() >= 0.0 && command.weight() <= 1.0)) {
            throw invalid(command, "weight " + command.weight() + " is outside 0-1");
        }
        if (!(command.probeShare() >= 0.0 && command.probeShare() <= 1.0)) {
            throw invalid(command, "probe_share " + command.probeShare() + " is outside 0-1");
        }
        if (command.epoch() < 0) {
            throw invalid(command, "epoch " + command.epoch() + " is negative");
        }
        if (command.expiresAt() == null) {
            throw invalid(command, "expires_at is missing");
        }
        // A RESTORE with weight 0 moves nothing, so it needs no target; anything else sends traffic there.
        boolean movesTraffic = command.action() == RerouteAction.REROUTE || command.weight() > 0.0;
        if (movesTraffic && (command.target() == null || command.target().isBlank())) {
            throw invalid(command, command.action() + " with weight " + command.weight() + " has no target");
        }
        if (route.equals(command.target())) {
            throw invalid(command, "target is the route itself");
        }
    }

    private static IllegalArgumentException invalid(RerouteCommand command, String problem) {
        return new IllegalArgumentException("invalid reroute command " + command.commandId() + ": " + problem);
    }

    /** A route's last applied command (null after a tombstone) and epoch. */
    private record Entry(RerouteCommand command, long lastEpoch, boolean expiryReported) {
    }
}
