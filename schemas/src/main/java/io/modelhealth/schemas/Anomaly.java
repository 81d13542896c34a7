package io.modelhealth.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * {@code model.health.anomaly.v1}: the opening or closing of an anomaly window on one metric of one
 * route, measured against a learned baseline that is frozen while the anomaly is open.
 *
 * @param anomalyId id shared by the open and the close record of one anomaly
 * @param route     route id
 * @param status    {@code open} or {@code close}
 * @param metric    {@code error_ratio}, {@code latency_p95_ms} or {@code content_filter_ratio}
 * @param baseline  the learned normal value
 * @param observed  the value in the bucket that opened or closed the window
 * @param score     how far from normal, in baseline deviations
 * @param threshold the score that opens an anomaly
 * @param openedAt  when the anomaly opened (event time)
 * @param closedAt  when it closed, null while open
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Anomaly(
        String anomalyId,
        String route,
        String status,
        String metric,
        double baseline,
        double observed,
        double score,
        double threshold,
        Instant openedAt,
        Instant closedAt) {

    public static final String OPEN = "open";
    public static final String CLOSE = "close";
}
