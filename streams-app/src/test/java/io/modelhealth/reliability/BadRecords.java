package io.modelhealth.reliability;

import io.modelhealth.schemas.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;

/**
 * Broken {@code llm.calls} values of every kind producers, proxies and bugs send, each derived
 * from a real call so that it looks like the traffic around it. Every one must be dead-lettered.
 * {@link #nth} picks the {@code n}-th one: mostly small kinds, and every {@value #HUGE_EVERY}th a
 * big one (records at and over the size limit, deep nesting), so that tens of thousands stay cheap.
 */
final class BadRecords {

    static final int HUGE_EVERY = 240;

    /** One kind: a name (for messages), the reason the app must give, or null when it may vary (random bytes). */
    record Kind(String name, String reason, Maker maker) {
    }

    interface Maker {
        byte[] make(String goodJson, SplittableRandom random, int maxRecordBytes);
    }

    /** A broken record and the kind it is. {@code value} may be null (a tombstone). */
    record Bad(Kind kind, byte[] value) {
    }

    private static final List<Kind> SMALL = List.of(
            kind("random bytes", null, (g, r, max) -> {
                byte[] b = new byte[1 + r.nextInt(300)];
                r.nextBytes(b);
                return b;
            }),
            kind("empty value", DeadLetter.NOT_JSON, (g, r, max) -> new byte[0]),
            kind("tombstone", DeadLetter.NULL_VALUE, (g, r, max) -> null),
            kind("truncated JSON", DeadLetter.NOT_JSON, (g, r, max) -> utf8(g.substring(0, 1 + r.nextInt(g.length() - 2)))),
            kind("trailing garbage", DeadLetter.NOT_JSON, (g, r, max) -> utf8(g + "}")),
            kind("two objects", DeadLetter.NOT_JSON, (g, r, max) -> utf8(g + g)),
            kind("not UTF-8", DeadLetter.NOT_UTF8, (g, r, max) -> new byte[] {'{', '"', (byte) 0xC3, 0x28, (byte) 0xFF, '"', ':', '1', '}'}),
            kind("UTF-16 JSON", DeadLetter.NOT_UTF8, (g, r, max) -> g.getBytes(StandardCharsets.UTF_16BE)),
            kind("a JSON string", DeadLetter.SCHEMA_VIOLATION, (g, r, max) -> utf8("\"" + g.replace("\"", "'") + "\"")),
            kind("a JSON array", DeadLetter.SCHEMA_VIOLATION, (g, r, max) -> utf8("[" + g + "]")),
            kind("JSON null", DeadLetter.SCHEMA_VIOLATION, (g, r, max) -> utf8("null")),
            kind("missing model", DeadLetter.SCHEMA_VIOLATION, (g, r, max) -> utf8(g.replaceFirst(",\"model\":\"[^\"]*\"", ""))),
            kind("empty provider", DeadLetter.SCHEMA_VIOLATION, (g, r, max) -> utf8(g.replaceFirst("\"provider\":\"[^\"]*\"", "\"provider\":\"\""))),
            kind("latency as a word", DeadLetter.SCHEMA_VIOLATION, (g, r, max) -> field(g, "latency_ms", "\"fast\"")),
            kind("latency NaN as a string", DeadLetter.SCHEMA_VIOLATION, (g, r, max) -> field(g, "latency_ms", "\"NaN\"")),
            kind("latency negative as a string", DeadLetter.SCHEMA_VIOLATION, (g, r, max) -> field(g, "latency_ms", "\"-12.5\"")),
            kind("latency negative", DeadLetter.SCHEMA_VIOLATION, (g, r, max) -> field(g, "latency_ms", "-12.5")),
            kind("latency NaN literal", DeadLetter.NOT_JSON, (g, r, max) -> field(g, "latency_ms", "NaN")),
            kind("latency infinite", DeadLetter.SCHEMA_VIOLATION, (g, r, max) -> field(g, "latency_ms", "1e999")),
            kind("status 600", DeadLetter.SCHEMA_VIOLATION, (g, r, max) -> field(g, "status_code", "600")),
            kind("status as a string", DeadLetter.SCHEMA_VIOLATION, (g, r, max) -> field(g, "status_code", "\"200\"")),
            kind("status beyond a long", DeadLetter.SCHEMA_VIOLATION, (g, r, max) -> field(g, "status_code", "99999999999999999999999")),
            kind("negative tokens", DeadLetter.SCHEMA_VIOLATION, (g, r, max) -> field(g, "input_tokens", "-3")),
            kind("provider as a number", DeadLetter.SCHEMA_VIOLATION, (g, r, max) -> field(g, "provider", "42")),
            kind("tenant as an object", DeadLetter.SCHEMA_VIOLATION, (g, r, max) -> field(g, "tenant", "{\"id\":1}")),
            kind("timestamp as epoch millis", DeadLetter.SCHEMA_VIOLATION, (g, r, max) -> field(g, "timestamp", "1764000000000")),
            kind("timestamp February 30", DeadLetter.SCHEMA_VIOLATION, (g, r, max) -> field(g, "timestamp", "\"2026-02-30T10:00:00Z\"")),
            kind("timestamp month 13", DeadLetter.SCHEMA_VIOLATION, (g, r, max) -> field(g, "timestamp", "\"2026-13-01T10:00:00Z\"")),
            kind("timestamp without offset", DeadLetter.SCHEMA_VIOLATION, (g, r, max) -> field(g, "timestamp", "\"2026-11-20T03:00:00\"")),
            kind("timestamp 1970", DeadLetter.TIMESTAMP_OUT_OF_RANGE, (g, r, max) -> field(g, "timestamp", "\"1970-01-01T00:00:00Z\"")),
            kind("timestamp year 9999", DeadLetter.TIMESTAMP_OUT_OF_RANGE, (g, r, max) -> field(g, "timestamp", "\"9999-12-31T23:59:59Z\"")));

    private static final List<Kind> HUGE = List.of(
            kind("one byte over the size limit", DeadLetter.TOO_LARGE, (g, r, max) -> padTo(g, max + 1)),
            kind("far over the size limit", DeadLetter.TOO_LARGE, (g, r, max) -> padTo(g, max + 4096 + r.nextInt(4096))),
            kind("event id of 60,000 characters", DeadLetter.SCHEMA_VIOLATION,
                    (g, r, max) -> field(g, "event_id", "\"" + "e".repeat(Math.min(60_000, max - g.length() - 64)) + "\"")),
            kind("nested 5,000 deep", DeadLetter.NOT_JSON,
                    (g, r, max) -> utf8(g.substring(0, g.length() - 1) + ",\"x\":" + "{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000) + "}")),
            kind("arrays nested 5,000 deep", DeadLetter.NOT_JSON,
                    (g, r, max) -> utf8(g.substring(0, g.length() - 1) + ",\"x\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}")));

    private BadRecords() {
    }

    /** The {@code n}-th bad record, derived from a good call's JSON. */
    static Bad nth(long n, String goodJson, SplittableRandom random, int maxRecordBytes) {
        List<Kind> from = n % HUGE_EVERY == 0 ? HUGE : SMALL;
        Kind kind = from.get((int) ((n % HUGE_EVERY == 0 ? n / HUGE_EVERY : n) % from.size()));
        return new Bad(kind, kind.maker().make(goodJson, random, maxRecordBytes));
    }

    /**
     * A good call padded with an unknown field to exactly {@code size} bytes: valid when within the
     * limit (unknown fields are skipped), {@code too_large} beyond it.
     */
    static byte[] padTo(String goodJson, int size) {
        String head = goodJson.substring(0, goodJson.length() - 1) + ",\"note\":\"";
        String tail = "\"}";
        int fill = size - head.length() - tail.length();
        if (fill < 0) {
            throw new IllegalArgumentException("cannot pad a " + goodJson.length() + "-byte call to " + size + " bytes");
        }
        return utf8(head + "n".repeat(fill) + tail);
    }

    private static Kind kind(String name, String reason, Maker maker) {
        return new Kind(name, reason, maker);
    }

    /** The call with one field's value replaced (or added, when the call has no such field). */
    private static byte[] field(String json, String name, String rawValue) {
        String replaced = json.replaceFirst("\"" + name + "\":(\"[^\"]*\"|[-0-9.eE]+)",
                "\"" + name + "\":" + Matcher.quoteReplacement(rawValue));
        if (replaced.equals(json)) {
            replaced = json.substring(0, json.length() - 1) + ",\"" + name + "\":" + rawValue + "}";
        }
        return utf8(replaced);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
