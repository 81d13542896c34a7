package io.modelhealth.telemetry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.LlmCall;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Parses and validates {@code llm.call.v1} bytes in one streaming pass (no intermediate tree):
 * bytes → {@link LlmCall}, or a dead-letter reason with a detail that names the field. Accepts exactly
 * what {@code llm.call.v1.schema.json} accepts ({@code CallParserSchemaAgreementTest} feeds it every
 * example and a set of edge cases, and the schema validator decides too): lengths in code points, as
 * JSON Schema counts them; whitespace as the validator's {@code \s} (the JDK's: space, tab, line feed,
 * vertical tab, form feed, carriage return); integers as JSON Schema has them, so {@code 200.0} is the
 * status 200. Unknown fields are skipped, explicit JSON nulls on optional fields mean "absent".
 *
 * <p>Beyond the schema it refuses only what a schema cannot see: a record over
 * {@code telemetry.max-record-bytes} ({@code too_large}), bytes that are not UTF-8 ({@code not_utf8}), JSON
 * nested deeper than 64 levels ({@code not_json}), and an event time before 2000 or from 2100 on
 * ({@code timestamp_out_of_range}). Never throws: any input, however broken, yields a result. Thread-safe.
 */
public final class CallParser {

    /** Earliest and latest believable event times; anything outside is a broken clock or a bug. */
    static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");
    static final Instant LATEST = Instant.parse("2100-01-01T00:00:00Z");
    /** Largest token count: 2^53 - 1, the largest integer every JSON reader holds exactly (RFC 7493, I-JSON). */
    private static final long MAX_TOKENS = 9_007_199_254_740_991L;
    private static final int MAX_EVENT_ID = 128;
    private static final int MAX_PROVIDER = 64;
    private static final int MAX_MODEL = 256;
    private static final int MAX_REGION = 64;
    private static final int MAX_TENANT = 128;
    private static final int MAX_ERROR_TYPE = 256;

    private final JsonFactory factory;
    private final int maxRecordBytes;

    public CallParser(int maxRecordBytes) {
        this.maxRecordBytes = maxRecordBytes;
        this.factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(64)
                        .maxStringLength(maxRecordBytes)
                        .maxNumberLength(64)
                        .build())
                .build();
    }

    public ParseResult parse(byte[] value) {
        if (value == null) {
            return ParseResult.bad(DeadLetter.NULL_VALUE, "record value is null");
        }
        if (value.length > maxRecordBytes) {
            return ParseResult.bad(DeadLetter.TOO_LARGE,
                    "record is " + value.length + " bytes; telemetry.max-record-bytes is " + maxRecordBytes);
        }
        // Jackson's UTF-8 decoding is lenient (overlong forms, encoded surrogates, bytes inside skipped
        // fields pass), so non-ASCII input is checked strictly first; ASCII-only input is UTF-8.
        if (!isAscii(value) && !isUtf8(value)) {
            return ParseResult.bad(DeadLetter.NOT_UTF8, "record value is not valid UTF-8");
        }
        if (looksLikeUtf16Or32(value)) {
            // Jackson would detect the encoding and read it; the contract is UTF-8 JSON only.
            return ParseResult.bad(DeadLetter.NOT_UTF8, "record value is not UTF-8 (it looks like UTF-16 or UTF-32)");
        }
        try (JsonParser p = factory.createParser(value)) {
            return readCall(p);
        } catch (IOException | RuntimeException e) {
            // (the bytes are valid UTF-8: checked above)
            return ParseResult.bad(DeadLetter.NOT_JSON, "not valid JSON: " + firstLine(e.getMessage()));
        }
    }

    private static ParseResult readCall(JsonParser p) throws IOException {
        JsonToken first = p.nextToken();
        if (first == null) {
            return ParseResult.bad(DeadLetter.NOT_JSON, "not valid JSON: the record value is empty");
        }
        if (first != JsonToken.START_OBJECT) {
            return ParseResult.bad(DeadLetter.SCHEMA_VIOLATION, "expected a JSON object");
        }
        String eventId = null;
        String timestamp = null;
        String provider = null;
        String model = null;
        String region = null;
        String tenant = null;
        Integer status = null;
        String errorType = null;
        Double latency = null;
        Double ttft = null;
        Long inputTokens = null;
        Long outputTokens = null;
        String problem = null;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            switch (field) {
                case "event_id" -> eventId = text(p, v);
                case "timestamp" -> timestamp = text(p, v);
                case "provider" -> provider = text(p, v);
                case "model" -> model = text(p, v);
                case "region" -> region = text(p, v);
                case "tenant" -> tenant = text(p, v);
                case "error_type" -> errorType = text(p, v);
                case "status_code" -> {
                    if (isBigInteger(p, v)) {
                        problem = orFirst(problem, "status_code " + abbreviate(p.getText()) + " is outside 0-599");
                    } else if (isInteger(p, v)) {
                        double s = p.getDoubleValue();
                        if (s < 0 || s > 599) {
                            problem = orFirst(problem, "status_code " + abbreviate(p.getText()) + " is outside 0-599");
                        } else {
                            status = (int) s;
                        }
                    } else if (v != JsonToken.VALUE_NULL) {
                        problem = orFirst(problem, "status_code must be an integer");
                        p.skipChildren();
                    }
                }
                case "latency_ms" -> latency = number(p, v);
                case "ttft_ms" -> ttft = number(p, v);
                case "input_tokens", "output_tokens" -> {
                    if (isBigInteger(p, v) || (isInteger(p, v) && p.getDoubleValue() > MAX_TOKENS)) {
                        problem = orFirst(problem, field + " " + abbreviate(p.getText()) + " is above " + MAX_TOKENS);
                    } else if (v.isNumeric() && !isInteger(p, v)) {
                        problem = orFirst(problem, field + " must be an integer");
                    } else if (field.equals("input_tokens")) {
                        inputTokens = integer(p, v);
                    } else {
                        outputTokens = integer(p, v);
                    }
                }
                default -> p.skipChildren();
            }
            if (v != JsonToken.VALUE_NULL && isTypeMismatch(field, v)) {
                problem = orFirst(problem, field + " has the wrong type (" + v.asString() + ")");
            }
        }
        if (t != JsonToken.END_OBJECT) {
            return ParseResult.bad(DeadLetter.NOT_JSON, "not valid JSON: unexpected " + t);
        }
        if (p.nextToken() != null) {
            return ParseResult.bad(DeadLetter.NOT_JSON, "not valid JSON: trailing content after the object");
        }
        if (problem != null) {
            return ParseResult.bad(DeadLetter.SCHEMA_VIOLATION, problem);
        }
        String missing = eventId == null ? "event_id" : timestamp == null ? "timestamp" : provider == null ? "provider"
                : model == null ? "model" : latency == null ? "latency_ms" : null;
        if (missing != null) {
            return ParseResult.bad(DeadLetter.SCHEMA_VIOLATION, "required field " + missing + " is missing");
        }
        String fieldProblem = fieldProblem(eventId, provider, model, region, tenant, errorType, latency, ttft, inputTokens,
                outputTokens);
        if (fieldProblem != null) {
            return ParseResult.bad(DeadLetter.SCHEMA_VIOLATION, fieldProblem);
        }
        Instant ts = rfc3339Instant(timestamp);
        if (ts == null) {
            return ParseResult.bad(DeadLetter.SCHEMA_VIOLATION,
                    "timestamp '" + abbreviate(timestamp) + "' is not an RFC 3339 date-time (e.g. 2026-11-27T14:03:07.123Z)");
        }
        if (ts.isBefore(EARLIEST) || !ts.isBefore(LATEST)) {
            return ParseResult.bad(DeadLetter.TIMESTAMP_OUT_OF_RANGE, "timestamp " + timestamp + " is not a believable event time");
        }
        return ParseResult.ok(new LlmCall(eventId, ts, provider, model, region, tenant, status, errorType,
                latency, ttft, inputTokens, outputTokens));
    }

    /**
     * The same rules for a call built from another input (OTLP spans), plus the status range JSON parsing
     * enforces on its own: the call, or why it is not a valid {@code llm.call.v1}.
     */
    public static ParseResult check(LlmCall call) {
        String missing = call.eventId() == null ? "event_id" : call.timestamp() == null ? "timestamp"
                : call.provider() == null ? "provider" : call.model() == null ? "model" : null;
        if (missing != null) {
            return ParseResult.bad(DeadLetter.SCHEMA_VIOLATION, "required field " + missing + " is missing");
        }
        String problem = fieldProblem(call.eventId(), call.provider(), call.model(), call.region(), call.tenant(),
                call.errorType(), call.latencyMs(), call.ttftMs(), call.inputTokens(), call.outputTokens());
        if (problem == null && call.statusCode() != null && (call.statusCode() < 0 || call.statusCode() > 599)) {
            problem = "status_code " + call.statusCode() + " is outside 0-599";
        }
        if (problem != null) {
            return ParseResult.bad(DeadLetter.SCHEMA_VIOLATION, problem);
        }
        if (call.timestamp().isBefore(EARLIEST) || !call.timestamp().isBefore(LATEST)) {
            return ParseResult.bad(DeadLetter.TIMESTAMP_OUT_OF_RANGE,
                    "timestamp " + call.timestamp() + " is not a believable event time");
        }
        return ParseResult.ok(call);
    }

    /** The first rule of llm.call.v1.schema.json a present field breaks (lengths, patterns, ranges), or null. */
    private static String fieldProblem(String eventId, String provider, String model, String region, String tenant,
                                       String errorType, double latency, Double ttft, Long inputTokens, Long outputTokens) {
        String lengthProblem = firstNonNull(
                length("event_id", eventId, 1, MAX_EVENT_ID),
                length("provider", provider, 1, MAX_PROVIDER),
                length("model", model, 1, MAX_MODEL),
                region == null ? null : length("region", region, 0, MAX_REGION),
                tenant == null ? null : length("tenant", tenant, 0, MAX_TENANT),
                errorType == null ? null : length("error_type", errorType, 0, MAX_ERROR_TYPE));
        if (lengthProblem != null) {
            return lengthProblem;
        }
        // Route ids are provider/model with no whitespace (every output schema says so): a provider with '/'
        // would make "a/b" + "c" the route a/b/c of provider a.
        if (provider.indexOf('/') >= 0 || hasWhitespace(provider)) {
            return "provider '" + abbreviate(provider) + "' contains '/' or whitespace (the route id is provider/model)";
        }
        if (hasWhitespace(model)) {
            return "model '" + abbreviate(model) + "' contains whitespace (the route id is provider/model)";
        }
        if (latency < 0 || Double.isInfinite(latency) || Double.isNaN(latency)) {
            return "latency_ms must be a number >= 0, got " + latency;
        }
        if (ttft != null && (ttft < 0 || ttft.isInfinite())) {
            return "ttft_ms must be a number >= 0, got " + ttft;
        }
        return firstNonNull(tokens("input_tokens", inputTokens), tokens("output_tokens", outputTokens));
    }

    private static String tokens(String field, Long count) {
        return count != null && (count < 0 || count > MAX_TOKENS)
                ? field + " must be an integer >= 0 and <= " + MAX_TOKENS + ", got " + count : null;
    }

    private static String firstNonNull(String... problems) {
        for (String p : problems) {
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    /** Whether {@code s} has a character the schema validator's {@code \s} matches (the JDK's, ASCII only). */
    private static boolean hasWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r') {
                return true;
            }
        }
        return false;
    }

    /**
     * The instant of an RFC 3339 timestamp exactly as {@code llm.call.v1} has it (its pattern and
     * {@code format: date-time}): {@code yyyy-MM-ddTHH:mm:ss}, an optional fraction of 1 to 9 digits, then
     * {@code Z} or {@code ±HH:mm} up to ±23:59; a real date, no leap second; or null. Read directly rather
     * than with {@code OffsetDateTime.parse}, which accepts more (a lower-case {@code t}, no seconds,
     * {@code +02:00:00}), refuses offsets beyond ±18:00 that RFC 3339 allows, and was the single most
     * expensive step of parsing a call (~1 µs and ~1 KB of garbage each).
     */
    static Instant rfc3339Instant(String t) {
        int n = t.length();
        // yyyy-MM-ddTHH:mm:ss then an optional fraction, then Z or ±HH:mm
        if (n < 20 || t.charAt(4) != '-' || t.charAt(7) != '-' || t.charAt(10) != 'T' || t.charAt(13) != ':'
                || t.charAt(16) != ':') {
            return null;
        }
        int year = digits(t, 0, 4);
        int month = digits(t, 5, 2);
        int day = digits(t, 8, 2);
        int hour = digits(t, 11, 2);
        int minute = digits(t, 14, 2);
        int second = digits(t, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59) {
            return null;
        }
        int i = 19;
        int nanos = 0;
        if (t.charAt(i) == '.') {
            int start = ++i;
            while (i < n && i - start < 10 && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
                nanos = nanos * 10 + (t.charAt(i) - '0');
                i++;
            }
            int width = i - start;
            if (width == 0 || width > 9) {
                return null;
            }
            for (int w = width; w < 9; w++) {
                nanos *= 10;
            }
        }
        int offsetSeconds;
        if (i == n - 1 && t.charAt(i) == 'Z') {
            offsetSeconds = 0;
        } else if (i == n - 6 && (t.charAt(i) == '+' || t.charAt(i) == '-') && t.charAt(i + 3) == ':') {
            int oh = digits(t, i + 1, 2);
            int om = digits(t, i + 4, 2);
            if (oh < 0 || om < 0 || om > 59 || oh > 23) {
                return null;
            }
            offsetSeconds = (t.charAt(i) == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        } else {
            return null;
        }
        if (day > 28 && day > java.time.YearMonth.of(year, month).lengthOfMonth()) {
            return null;
        }
        long epochDay = java.time.LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3_600L + minute * 60L + second - offsetSeconds, nanos);
    }

    /** The non-negative number written by {@code count} ASCII digits at {@code from}, or -1. */
    private static int digits(String s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static boolean isTypeMismatch(String field, JsonToken v) {
        return switch (field) {
            case "event_id", "timestamp", "provider", "model", "region", "tenant", "error_type" -> v != JsonToken.VALUE_STRING;
            case "latency_ms", "ttft_ms" -> !v.isNumeric();
            case "input_tokens", "output_tokens" -> !v.isNumeric();
            default -> false;
        };
    }

    /**
     * A number with no fractional part, as JSON Schema's {@code integer} has it: {@code 200}, {@code 200.0},
     * {@code 2e2}. (A non-integral number is a type problem, reported by the caller.)
     */
    private static boolean isInteger(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_NUMBER_INT) {
            return true;
        }
        if (v != JsonToken.VALUE_NUMBER_FLOAT) {
            return false;
        }
        double d = p.getDoubleValue();
        return !Double.isInfinite(d) && d == Math.rint(d);
    }

    /** An integer literal too large for a long: valid JSON, but out of range for every integer field. */
    private static boolean isBigInteger(JsonParser p, JsonToken v) throws IOException {
        return v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.BIG_INTEGER;
    }

    /**
     * UTF-8 JSON never holds a raw NUL byte and never starts with FE FF / FF FE, while UTF-16 and
     * UTF-32 JSON always does one of these in its first two bytes (what Jackson's encoding
     * detection looks at).
     */
    private static boolean looksLikeUtf16Or32(byte[] b) {
        if (b.length < 2) {
            return false;
        }
        return b[0] == 0 || b[1] == 0 || (b[0] == (byte) 0xFE && b[1] == (byte) 0xFF)
                || (b[0] == (byte) 0xFF && b[1] == (byte) 0xFE);
    }

    private static String text(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        p.skipChildren();
        return null;
    }

    private static Double number(JsonParser p, JsonToken v) throws IOException {
        if (v.isNumeric()) {
            return p.getDoubleValue();
        }
        p.skipChildren();
        return null;
    }

    /** The integer (possibly written {@code 3.0}); a non-integral number is recorded as a type problem by the caller. */
    private static Long integer(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_NUMBER_INT) {
            return p.getLongValue();
        }
        if (isInteger(p, v)) {
            return (long) p.getDoubleValue();
        }
        p.skipChildren();
        return null;
    }

    /** Why {@code value} is not {@code min}–{@code max} characters long, counted in code points as JSON Schema does; or null. */
    private static String length(String field, String value, int min, int max) {
        if (value.length() < min) {
            return field + " must not be empty";
        }
        // A string's code points never outnumber its UTF-16 units: count them only when it might be too long.
        int n = value.length() <= max ? value.length() : value.codePointCount(0, value.length());
        return n > max ? field + " is " + n + " characters; at most " + max : null;
    }

    private static String orFirst(String existing, String problem) {
        return existing != null ? existing : problem;
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** The first line of an exception message, abbreviated: for a dead letter's detail. */
    public static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return abbreviate(nl < 0 ? message : message.substring(0, nl));
    }

    /** At most 200 characters of {@code s}: input quoted in a dead letter's detail. */
    public static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
