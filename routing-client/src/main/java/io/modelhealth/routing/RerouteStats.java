package io.modelhealth.routing;

/**
 * What a {@link RerouteClient} has done since it started: a snapshot, for logs, health checks and
 * {@link RerouteClientMetrics}. Counts are of records read from the topic.
 *
 * @param applied          commands applied (their epoch was new for their route)
 * @param stale            commands dropped because their epoch was not larger than the last applied
 * @param invalid          records that parsed but break the contract (e.g. a REROUTE without target), skipped
 * @param undeserializable records that are not a {@code reroute.command.v1} at all, skipped
 * @param cleared          tombstones that removed a route's command
 * @param expired          reroutes that passed {@code expires_at} without a RESTORE ending them while this
 *                         client followed the topic (not those found already expired while catching up)
 * @param activeReroutes   routes with a command in force now
 * @param caughtUp         whether the client has read the topic up to the end offsets it saw at start
 * @param lag              records not yet read, summed over partitions; -1 while unknown
 */
public record RerouteStats(
        long applied,
        long stale,
        long invalid,
        long undeserializable,
        long cleared,
        long expired,
        int activeReroutes,
        boolean caughtUp,
        long lag) {
}
