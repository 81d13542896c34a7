package io.modelhealth.routing;

import io.modelhealth.schemas.Evidence;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.OutcomeClass;
import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.SchemaCatalog;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Reroute commands as the monitor writes them: the night claude-fable-5 is withdrawn, its traffic
 * moves to gpt-5, and later steps back. Every command built here is checked against
 * {@code reroute.command.v1}, so the client is only ever tested on what the monitor may publish.
 */
final class Commands {

    static final Instant T0 = Instant.parse("2025-11-27T03:12:45.120Z");
    static final Duration TTL = Duration.ofHours(24);
    static final String BLOCKED = "anthropic/claude-fable-5";
    static final String FALLBACK = "openai/gpt-5";

    private Commands() {
    }

    /** REROUTE issued at {@link #T0}, valid for {@link #TTL}. */
    static RerouteCommand reroute(String route, String target, double weight, double probeShare, long epoch) {
        return command(route, RerouteAction.REROUTE, target, weight, probeShare, epoch, T0, T0.plus(TTL));
    }

    /** RESTORE step issued at {@link #T0}, valid for {@link #TTL}; weight 0 ends the reroute. */
    static RerouteCommand restore(String route, String target, double weight, long epoch) {
        return command(route, RerouteAction.RESTORE, target, weight, 0.01, epoch, T0, T0.plus(TTL));
    }

    /** A command for one scope of the route ({@code {region: eu-west-1}}), as on model.reroute.commands.scoped. */
    static RerouteCommand scoped(RerouteCommand c, Map<String, String> scope) {
        RerouteCommand s = new RerouteCommand(io.modelhealth.schemas.Scopes.key(c.route(), scope) + "#" + c.epoch(), c.route(),
                c.action(), c.target(), c.weight(), c.probeShare(), c.reason(), c.state(), c.evidence(), c.issuedAt(),
                c.expiresAt(), c.epoch(), scope);
        SchemaCatalog.assertValid(s);
        return s;
    }

    static RerouteCommand command(String route, RerouteAction action, String target, double weight, double probeShare,
                                  long epoch, Instant issuedAt, Instant expiresAt) {
        HealthState state = action == RerouteAction.REROUTE ? HealthState.BLOCKED
                : weight > 0 ? HealthState.RECOVERING : HealthState.HEALTHY;
        String reason = action == RerouteAction.REROUTE ? "policy_block.window" : "recovery.probe_success";
        Evidence evidence = new Evidence(reason, 30, issuedAt.minusSeconds(30), issuedAt, 6, 6, 1.0, 0.5,
                Map.of(OutcomeClass.POLICY_BLOCK, 6L), "cfg-7f3a9c1");
        RerouteCommand command = new RerouteCommand(route + "#" + epoch, route, action, target, weight, probeShare,
                reason, state, evidence, issuedAt, expiresAt, epoch);
        SchemaCatalog.assertValid(command);
        return command;
    }
}
