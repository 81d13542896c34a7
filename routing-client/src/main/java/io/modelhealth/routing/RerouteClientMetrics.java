package io.modelhealth.routing;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters for a {@link RerouteClient}. The only class here that needs Micrometer (an
 * optional dependency): {@code new RerouteClientMetrics(client).bindTo(registry)}.
 *
 * <p>Every meter has the tag {@code topic}. Prometheus names:
 * <ul>
 *   <li>{@code model_health_routing_commands_total{outcome}}: records read, by outcome:
 *       {@code applied}, {@code stale} (epoch not newer), {@code invalid} (breaks the contract),
 *       {@code undeserializable} (not a command at all), {@code cleared} (tombstone);</li>
 *   <li>{@code model_health_routing_reroutes_expired_total}: reroutes that ran past {@code expires_at}
 *       without a RESTORE (alert on an increase: the monitor has stopped renewing its commands);</li>
 *   <li>{@code model_health_routing_reroutes_active}: routes with a command in force;</li>
 *   <li>{@code model_health_routing_caught_up}: 1 once the client has read the topic to its end, else 0;</li>
 *   <li>{@code model_health_routing_lag_records}: records not yet read (NaN while unknown).</li>
 * </ul>
 */
public final class RerouteClientMetrics implements MeterBinder {

    private final RerouteClient client;
    private final Tags tags;

    public RerouteClientMetrics(RerouteClient client) {
        this(client, Tags.empty());
    }

    /** With extra tags on every meter, e.g. to tell two clients of one service apart. */
    public RerouteClientMetrics(RerouteClient client, Iterable<Tag> tags) {
        this.client = Objects.requireNonNull(client, "client");
        this.tags = Tags.concat(tags, "topic", client.topic());
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        commands(registry, "applied", s -> s.applied());
        commands(registry, "stale", s -> s.stale());
        commands(registry, "invalid", s -> s.invalid());
        commands(registry, "undeserializable", s -> s.undeserializable());
        commands(registry, "cleared", s -> s.cleared());
        FunctionCounter.builder("model.health.routing.reroutes.expired", client, c -> c.stats().expired())
                .description("Reroutes that passed expires_at without a RESTORE ending them")
                .tags(tags)
                .register(registry);
        gauge(registry, "model.health.routing.reroutes.active", null,
                "Routes with a reroute command in force", s -> s.activeReroutes());
        gauge(registry, "model.health.routing.caught.up", null,
                "1 once the client has read the commands topic up to its end at start, else 0",
                s -> s.caughtUp() ? 1 : 0);
        gauge(registry, "model.health.routing.lag", "records",
                "Records of the commands topic not read yet", s -> s.lag() < 0 ? Double.NaN : s.lag());
    }

    private void commands(MeterRegistry registry, String outcome, ToDoubleFunction<RerouteStats> count) {
        FunctionCounter.builder("model.health.routing.commands", client, c -> count.applyAsDouble(c.stats()))
                .description("Records read from the reroute commands topic, by outcome")
                .tags(tags)
                .tag("outcome", outcome)
                .register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String baseUnit, String description,
                       ToDoubleFunction<RerouteStats> value) {
        Gauge.builder(name, client, c -> value.applyAsDouble(c.stats()))
                .description(description)
                .baseUnit(baseUnit)
                .tags(tags)
                .register(registry);
    }
}
