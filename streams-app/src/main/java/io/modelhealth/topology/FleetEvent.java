package io.modelhealth.topology;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.modelhealth.health.RouteVerdict;

/**
 * A record of the internal single-partition {@code fleet-events} topic: a route's {@link RouteVerdict}
 * at event time {@code at}, or route task {@code task}'s watermark (it has sent every verdict up to
 * {@code at}). JSON; rare (a route's verdict changes a few times per incident).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FleetEvent(RouteVerdict verdict, long at, Integer task) {

    static final String WATERMARK_KEY_PREFIX = "#watermark/";

    static FleetEvent verdict(RouteVerdict v, long at) {
        return new FleetEvent(v, at, null);
    }

    static FleetEvent watermark(int task, long at) {
        return new FleetEvent(null, at, task);
    }

    boolean isWatermark() {
        return task != null;
    }
}
