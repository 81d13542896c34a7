package io.modelhealth.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Map;

/**
 * {@code reroute.command.v1}: what routing services obey (compacted topic, keyed by route).
 *
 * <p>Traffic for {@code route} is split as follows: a share {@code weight × (1 − probe_share)} goes
 * to {@code target}, the rest stays on {@code route}. The probe share keeps a trickle of real calls
 * on a drained route so the monitor can see it heal. A RESTORE with weight 0 ends the reroute.
 *
 * @param commandId  unique id, {@code route#epoch}
 * @param route      the route whose traffic moves
 * @param action     REROUTE or RESTORE
 * @param target     the fallback route id (null only on a final RESTORE with weight 0 and no prior target)
 * @param weight     share of traffic to move, 0–1
 * @param probeShare share that keeps going to {@code route} as a probe, 0–1
 * @param reason     outcome class and rule, e.g. {@code policy_block.window}
 * @param state      the route's health state when the command was issued
 * @param evidence   the numbers behind it
 * @param issuedAt   event time of the evidence
 * @param expiresAt  after this, consumers ignore the command and use the original route
 * @param epoch      strictly increasing per (route, scope): drop any command whose epoch is not larger than the last one applied
 * @param scope      the part of the route's traffic the command is about, e.g. {@code {region: eu-west-1}}; null: all of it.
 *                   Scoped commands travel on their own topic, keyed {@link #key()}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RerouteCommand(
        String commandId,
        String route,
        RerouteAction action,
        String target,
        double weight,
        double probeShare,
        String reason,
        HealthState state,
        Evidence evidence,
        Instant issuedAt,
        Instant expiresAt,
        long epoch,
        Map<String, String> scope) {

    public RerouteCommand {
        scope = scope == null || scope.isEmpty() ? null : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(scope));
    }

    /** A route-wide command (no scope). */
    public RerouteCommand(String commandId, String route, RerouteAction action, String target, double weight, double probeShare,
                          String reason, HealthState state, Evidence evidence, Instant issuedAt, Instant expiresAt, long epoch) {
        this(commandId, route, action, target, weight, probeShare, reason, state, evidence, issuedAt, expiresAt, epoch, null);
    }

    /** The record key: the route id, or {@code route|field=value} for a scoped command (see {@link Scopes#key}). */
    public String key() {
        return Scopes.key(route, scope);
    }

    /** The share of traffic that should go to {@code target} right now. */
    public double targetShare() {
        return weight * (1.0 - probeShare);
    }
}
