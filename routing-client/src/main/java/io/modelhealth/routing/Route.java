package io.modelhealth.routing;

import java.util.Objects;

/**
 * Where one request should go: the answer of {@link RerouteClient#resolve} and {@link RerouteView#resolve}.
 *
 * @param route     the route id to call, {@code provider/model}: the requested route or the command's target
 * @param requested the route id the caller asked about
 * @param rerouted  true when {@code route} is the command's target rather than {@code requested}
 * @param probe     true when the request stays on {@code requested} only because of the command's
 *                  {@code probe_share}: without the probe it would have moved to the target. Worth a
 *                  tag in the caller's telemetry: these calls are how the monitor sees the route heal.
 * @param epoch     epoch of the command that decided, or {@link #NO_COMMAND} when no command is in force
 *                  (none received, expired, ended by RESTORE with weight 0, or not caught up yet)
 * @param reason    the deciding command's {@code reason} (e.g. {@code policy_block.window}); null without one
 * @param command   the key of the deciding command: the route id, or {@code route|region=eu-west-1} for a scoped
 *                  command; null without one
 */
public record Route(String route, String requested, boolean rerouted, boolean probe, long epoch, String reason, String command) {

    /** {@link #epoch()} when no command is in force for the requested route. */
    public static final long NO_COMMAND = -1L;

    public Route {
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(requested, "requested");
    }

    /** A decision of a route-wide command (or of none). */
    public Route(String route, String requested, boolean rerouted, boolean probe, long epoch, String reason) {
        this(route, requested, rerouted, probe, epoch, reason, epoch == NO_COMMAND ? null : requested);
    }

    /** The requested route itself, with no command in force. */
    public static Route original(String requested) {
        return new Route(requested, requested, false, false, NO_COMMAND, null, null);
    }

    /** True when a command in force decided this answer (whichever side the request landed on). */
    public boolean governed() {
        return epoch != NO_COMMAND;
    }
}
