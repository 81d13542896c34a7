package io.modelhealth.topology;

import io.modelhealth.schemas.LlmCall;
import io.modelhealth.schemas.RouteOverride;

/**
 * What the route processor consumes: a call, an operator override (null override with
 * {@code isOverride} = a tombstone that clears it), or a {@link Watermark} from one ingest task.
 * Calls and watermarks travel the {@code calls-by-route} repartition topic together
 * ({@link RouteEventSerde}); overrides are repartitioned in their own form first, then wrapped.
 *
 * @param direct a call whose producer keyed it by route onto the partition the repartition topic would
 *               use: it skips the repartition hop and reaches its route task directly
 */
public record RouteEvent(LlmCall call, RouteOverride override, boolean isOverride, Watermark mark, boolean direct) {

    /**
     * Ingest task {@code partition} has read every call of its input partition up to event time
     * {@code time} (less {@code windows.out-of-order}); {@code idle}: it has had no records for
     * {@code windows.idle-partition-after}, so it must not hold the low watermark back.
     */
    public record Watermark(int partition, long time, boolean idle) {
    }

    public static RouteEvent of(LlmCall call) {
        return new RouteEvent(call, null, false, null, false);
    }

    public static RouteEvent direct(LlmCall call) {
        return new RouteEvent(call, null, false, null, true);
    }

    public static RouteEvent of(RouteOverride override) {
        return new RouteEvent(null, override, true, null, false);
    }

    public static RouteEvent of(Watermark mark) {
        return new RouteEvent(null, null, false, mark, false);
    }

    public boolean isMark() {
        return mark != null;
    }
}
