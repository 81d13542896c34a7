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
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Parses and validates {@code llm.call.v1} bytes in one streaming pass (no intermediate tree):
 * bytes → {@link LlmCall}, or a dead-letter reason with a detail that names the field. Enforces the
 * same rules as {@code llm.call.v1.schema.json}; unknown fields are skipped, explicit JSON nulls on
 * optional fields mean "absent". Never throws: any input, however broken, yields a result.
 * Thread-safe.
 */
public final class CallParser {

    /** Earliest and latest believable event times; anything outside is a broken clock or a bug. */
    static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");
    static final Instant LATEST = Instant.parse("2100-01-01T00:00:00Z");

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
                    } else if (v == JsonToken.VALUE_NUMBER_INT) {
                        long s = p.getLongValue();
                        if (s < 0 || s > 599) {
                            problem = orFirst(problem, "status_code " + s + " is outside 0-599");
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
                    if (isBigInteger(p, v)) {
                        problem = orFirst(problem, field + " " + abbreviate(p.getText()) + " is out of range");
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
        String fieldProblem = fieldProblem(eventId, provider, model, latency, ttft, inputTokens, outputTokens);
        if (fieldProblem != null) {
            return ParseResult.bad(DeadLetter.SCHEMA_VIOLATION, fieldProblem);
        }
        Instant ts = fastTimestamp(timestamp);
        try {
            if (ts == null) {
                ts = OffsetDateTime.parse(timestamp, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
            }
        } catch (DateTimeParseException e) {
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
     * The same rules for a call built from another input (OTLP spans), plus those JSON parsing enforces
     * on its own (status range, a provider without '/'): the call, or why it is not a valid
     * {@code llm.call.v1}.
     */
    public static ParseResult check(LlmCall call) {
        String missing = call.eventId() == null ? "event_id" : call.timestamp() == null ? "timestamp"
                : call.provider() == null ? "provider" : call.model() == null ? "model" : null;
        if (missing != null) {
            return ParseResult.bad(DeadLetter.SCHEMA_VIOLATION, "required field " + missing + " is missing");
        }
        String problem = fieldProblem(call.eventId(), call.provider(), call.model(), call.latencyMs(), call.ttftMs(),
                call.inputTokens(), call.outputTokens());
        if (problem == null && call.provider().indexOf('/') >= 0) {
            problem = "provider '" + abbreviate(call.provider()) + "' contains '/' (the route id is provider/model)";
        }
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

    /** The first rule of llm.call.v1.schema.json a present field breaks (lengths, ranges), or null. */
    private static String fieldProblem(String eventId, String provider, String model, double latency, Double ttft,
                                       Long inputTokens, Long outputTokens) {
        String lengthProblem = length("event_id", eventId, 128) != null ? length("event_id", eventId, 128)
                : length("provider", provider, 64) != null ? length("provider", provider, 64)
                : length("model", model, 256);
        if (lengthProblem != null) {
            return lengthProblem;
        }
        if (latency < 0 || Double.isInfinite(latency) || Double.isNaN(latency)) {
            return "latency_ms must be a number >= 0, got " + latency;
        }
        if (ttft != null && (ttft < 0 || ttft.isInfinite())) {
            return "ttft_ms must be a number >= 0, got " + ttft;
        }
        if ((inputTokens != null && inputTokens < 0) || (outputTokens != null && outputTokens < 0)) {
            return "token counts must be integers >= 0";
        }
        return null;
    }

    /**
     * The instant of a timestamp in the shape producers send ({@code 2026-11-27T14:03:07.123Z},
     * {@code ...07+02:00}), or null for any other shape or any out-of-range field, which then goes
     * through {@link OffsetDateTime#parse} (and its error message). {@code OffsetDateTime.parse} was
     * the single most expensive step of parsing a call (~1 µs and ~1 KB of garbage each); this reads
     * the same instant directly. It accepts a strict subset of what ISO_OFFSET_DATE_TIME accepts.
     */
    static Instant fastTimestamp(String t) {
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
            if (oh < 0 || om < 0 || om > 59 || oh > 18 || (oh == 18 && om > 0)) {
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
            case "input_tokens", "output_tokens" -> v != JsonToken.VALUE_NUMBER_INT;
            default -> false;
        };
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

    private static Long integer(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_NUMBER_INT) {
            return p.getLongValue();
        }
        p.skipChildren();
        return null;
    }

    private static String length(String field, String value, int max) {
        if (value.isEmpty()) {
            return field + " must not be empty";
        }
        return value.length() > max ? field + " is " + value.length() + " characters; at most " + max : null;
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
