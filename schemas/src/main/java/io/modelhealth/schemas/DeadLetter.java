package io.modelhealth.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code dead-letter.v1}: an input record that could not be used, with why and where it came from.
 * The original bytes are kept (base64) so nothing is lost: a fixed record can be re-produced.
 *
 * @param reason          machine-readable reason, one of {@link #REASONS}
 * @param error           human-readable detail (which field, what was wrong)
 * @param sourceTopic     topic the record was read from
 * @param sourcePartition its partition
 * @param sourceOffset    its offset
 * @param sourceTimestamp its Kafka timestamp (epoch millis)
 * @param originalKey     the original key bytes, base64; null when the key was null
 * @param originalValue   the original value bytes, base64; null when the value was null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeadLetter(
        String reason,
        String error,
        String sourceTopic,
        int sourcePartition,
        long sourceOffset,
        long sourceTimestamp,
        String originalKey,
        String originalValue) {

    public static final String NULL_VALUE = "null_value";
    public static final String NOT_UTF8 = "not_utf8";
    public static final String NOT_JSON = "not_json";
    public static final String SCHEMA_VIOLATION = "schema_violation";
    public static final String TOO_LARGE = "too_large";
    public static final String TIMESTAMP_OUT_OF_RANGE = "timestamp_out_of_range";
    /** A valid call that arrived further behind the low watermark than the lateness bound ({@code windows.grace}). */
    public static final String TOO_LATE = "too_late";
    /** A call of a new route while its instance already holds {@code limits.max-routes} (its share of them). */
    public static final String ROUTE_LIMIT = "route_limit";
    /** A valid override whose {@code until} is further ahead of the record's time than {@code overrides.max-lifetime}. */
    public static final String OVERRIDE_LIFETIME = "override_lifetime";

    /** Every reason the app uses; also the values of the {@code reason} tag of the dead-letter metric. */
    public static final java.util.List<String> REASONS =
            java.util.List.of(NULL_VALUE, NOT_UTF8, NOT_JSON, SCHEMA_VIOLATION, TOO_LARGE, TIMESTAMP_OUT_OF_RANGE,
                    TOO_LATE, ROUTE_LIMIT, OVERRIDE_LIFETIME);
}
