package io.modelhealth.scenario;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Kinds of broken {@code llm.calls} values, to show the dead-letter path: every one must land in
 * {@code llm.calls.dlq} with its reason while processing goes on. {@link #nth} cycles through the
 * kinds so that a handful of records covers them all.
 */
public enum GarbageRecord {
    /** Plain text. */
    NOT_JSON,
    /** A JSON object cut off half-way, as a crashed writer leaves it. */
    TRUNCATED_JSON,
    /** Valid JSON without the required provider, model and latency_ms. */
    MISSING_FIELDS,
    /** latency_ms as a string. */
    WRONG_TYPE,
    /** status_code 999. */
    OUT_OF_RANGE,
    /** Bytes that are not UTF-8. */
    NOT_UTF8;

    private static final GarbageRecord[] KINDS = values();

    /** The {@code n}-th garbage record (0-based): kind {@code n mod 6}. */
    public static GarbageRecord nth(long n) {
        return KINDS[(int) Math.floorMod(n, (long) KINDS.length)];
    }

    /**
     * The record's value. {@code id} makes each one distinct (so none is dropped as a duplicate
     * before it is dead-lettered); {@code route} and {@code timestamp} make the near-valid kinds
     * look like the real traffic.
     */
    public byte[] value(String id, String route, Instant timestamp) {
        String provider = route.substring(0, route.indexOf('/'));
        String model = route.substring(route.indexOf('/') + 1);
        String json = switch (this) {
            case NOT_JSON -> "this is not JSON: garbage record " + id;
            case TRUNCATED_JSON -> "{\"event_id\":\"" + id + "\",\"timestamp\":\"" + timestamp
                    + "\",\"provider\":\"" + provider + "\",\"model\":\"" + escape(model);
            case MISSING_FIELDS -> "{\"event_id\":\"" + id + "\",\"timestamp\":\"" + timestamp + "\",\"status_code\":200}";
            case WRONG_TYPE -> "{\"event_id\":\"" + id + "\",\"timestamp\":\"" + timestamp + "\",\"provider\":\""
                    + provider + "\",\"model\":\"" + escape(model) + "\",\"latency_ms\":\"fast\"}";
            case OUT_OF_RANGE -> "{\"event_id\":\"" + id + "\",\"timestamp\":\"" + timestamp + "\",\"provider\":\""
                    + provider + "\",\"model\":\"" + escape(model) + "\",\"status_code\":999,\"latency_ms\":12.5}";
            case NOT_UTF8 -> null;
        };
        if (json == null) {
            // 0xC3 must be followed by a continuation byte; 0x28 is '('. 0xFF never occurs in UTF-8.
            return new byte[] {'{', '"', (byte) 0xC3, 0x28, (byte) 0xFF, '"', ':', '1', '}'};
        }
        return json.getBytes(StandardCharsets.UTF_8);
    }

    /** Model ids are plain here, but quote them safely anyway. */
    private static String escape(String model) {
        return model.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
