package io.modelhealth.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.schemas.LlmCall;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CallParserTest {

    private static final int MAX = 64 * 1024;
    private final CallParser parser = new CallParser(MAX);

    /** A valid call as raw JSON values by field, in wire order; tests change one field at a time. */
    private static Map<String, String> valid() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("event_id", "\"evt-1\"");
        m.put("timestamp", "\"2026-11-27T14:03:07.123Z\"");
        m.put("provider", "\"anthropic\"");
        m.put("model", "\"claude-fable-5\"");
        m.put("region", "\"us-east-1\"");
        m.put("tenant", "\"search\"");
        m.put("status_code", "529");
        m.put("error_type", "\"overloaded_error\"");
        m.put("latency_ms", "812.5");
        m.put("ttft_ms", "120");
        m.put("input_tokens", "1200");
        m.put("output_tokens", "0");
        return m;
    }

    private static String json(Map<String, String> fields) {
        return fields.entrySet().stream().map(e -> "\"" + e.getKey() + "\":" + e.getValue())
                .collect(Collectors.joining(",", "{", "}"));
    }

    private static Map<String, String> with(String field, String rawValue) {
        Map<String, String> m = valid();
        if (rawValue == null) {
            m.remove(field);
        } else {
            m.put(field, rawValue);
        }
        return m;
    }

    private ParseResult parse(String text) {
        return parser.parse(text.getBytes(StandardCharsets.UTF_8));
    }

    private ParseResult parse(Map<String, String> fields) {
        return parse(json(fields));
    }

    @Test
    void validCall() {
        ParseResult r = parse(valid());
        assertThat(r.isValid()).isTrue();
        assertThat(r.reason()).isNull();
        assertThat(r.detail()).isNull();
        assertThat(r.call()).isEqualTo(new LlmCall("evt-1", Instant.parse("2026-11-27T14:03:07.123Z"), "anthropic",
                "claude-fable-5", "us-east-1", "search", 529, "overloaded_error", 812.5, 120.0, 1200L, 0L));
    }

    @Test
    void minimalCallHasOnlyTheRequiredFields() {
        ParseResult r = parse("{\"event_id\":\"e\",\"timestamp\":\"2026-11-27T14:03:07Z\",\"provider\":\"openai\","
                + "\"model\":\"gpt-5\",\"latency_ms\":0}");
        assertThat(r.call()).isEqualTo(new LlmCall("e", Instant.parse("2026-11-27T14:03:07Z"), "openai", "gpt-5",
                null, null, null, null, 0.0, null, null, null));
    }

    @Test
    void offsetTimestampsAreConvertedToUtc() {
        ParseResult r = parse(with("timestamp", "\"2026-11-27T16:03:07+02:00\""));
        assertThat(r.call().timestamp()).isEqualTo(Instant.parse("2026-11-27T14:03:07Z"));
    }

    @Test
    void explicitNullOptionalFieldsMeanAbsent() {
        Map<String, String> m = valid();
        for (String f : new String[]{"region", "tenant", "status_code", "error_type", "ttft_ms", "input_tokens", "output_tokens"}) {
            m.put(f, "null");
        }
        ParseResult r = parse(m);
        assertThat(r.isValid()).as(String.valueOf(r)).isTrue();
        LlmCall c = r.call();
        assertThat(c.region()).isNull();
        assertThat(c.tenant()).isNull();
        assertThat(c.statusCode()).isNull();
        assertThat(c.errorType()).isNull();
        assertThat(c.ttftMs()).isNull();
        assertThat(c.inputTokens()).isNull();
        assertThat(c.outputTokens()).isNull();
    }

    @Test
    void unknownFieldsAreIgnoredWhateverTheirShape() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("x_trace", "{\"span\":[1,2,{\"deep\":[null,true,\"s\"]}],\"event_id\":\"not-this-one\"}");
        m.putAll(valid());
        m.put("gen_ai.operation.name", "\"chat\"");
        m.put("cost_usd", "0.0031");
        m.put("tags", "[\"a\",\"b\"]");
        ParseResult r = parse(m);
        assertThat(r.isValid()).as(String.valueOf(r)).isTrue();
        assertThat(r.call().eventId()).isEqualTo("evt-1");
    }

    @ParameterizedTest(name = "missing {0}")
    @CsvSource({"event_id", "timestamp", "provider", "model", "latency_ms"})
    void missingRequiredField(String field) {
        assertSchemaViolation(parse(with(field, null)), field, "missing");
    }

    @ParameterizedTest(name = "null {0}")
    @CsvSource({"event_id", "timestamp", "provider", "model", "latency_ms"})
    void explicitNullRequiredFieldIsMissing(String field) {
        assertSchemaViolation(parse(with(field, "null")), field, "missing");
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', textBlock = """
            event_id      | 42
            timestamp     | 1764252187000
            provider      | ["anthropic"]
            model         | {"name":"x"}
            tenant        | true
            region        | 1
            error_type    | 529
            latency_ms    | "812"
            ttft_ms       | "1"
            input_tokens  | 1.5
            output_tokens | "3"
            status_code   | "529"
            status_code   | 200.5
            status_code   | true
            """)
    void wrongType(String field, String rawValue) {
        assertSchemaViolation(parse(with(field, rawValue)), field, null);
    }

    @Test
    void negativeLatency() {
        assertSchemaViolation(parse(with("latency_ms", "-1")), "latency_ms", ">= 0");
    }

    @Test
    void negativeTtftAndTokens() {
        assertSchemaViolation(parse(with("ttft_ms", "-0.5")), "ttft_ms", ">= 0");
        assertSchemaViolation(parse(with("input_tokens", "-1")), "token", ">= 0");
        assertSchemaViolation(parse(with("output_tokens", "-3")), "token", ">= 0");
    }

    @ParameterizedTest
    @CsvSource({"600", "-1", "1000", "99999999999999999999"})
    void statusOutOfRange(String status) {
        assertSchemaViolation(parse(with("status_code", status)), "status_code", null);
    }

    @Test
    void hugeTokenCountIsASchemaViolationNotBrokenJson() {
        assertSchemaViolation(parse(with("input_tokens", "99999999999999999999")), "input_tokens", null);
    }

    @Test
    void statusBoundsAreAccepted() {
        assertThat(parse(with("status_code", "0")).call().statusCode()).isZero();
        assertThat(parse(with("status_code", "599")).call().statusCode()).isEqualTo(599);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            "yesterday"
            "2026-11-27 14:03:07Z"
            "2026-11-27T14:03:07"
            "2026-13-27T14:03:07Z"
            ""
            """)
    void badTimestamp(String raw) {
        assertSchemaViolation(parse(with("timestamp", raw)), "timestamp", null);
    }

    @ParameterizedTest
    @CsvSource({"1970-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "2100-01-01T00:00:00Z", "9999-12-31T23:59:59Z"})
    void unbelievableTimestamp(String ts) {
        ParseResult r = parse(with("timestamp", "\"" + ts + "\""));
        assertThat(r.call()).isNull();
        assertThat(r.reason()).isEqualTo(DeadLetter.TIMESTAMP_OUT_OF_RANGE);
        assertThat(r.detail()).contains("timestamp").contains(ts);
    }

    @Test
    void stringLengthLimits() {
        assertSchemaViolation(parse(with("event_id", "\"" + "x".repeat(129) + "\"")), "event_id", "128");
        assertThat(parse(with("event_id", "\"" + "x".repeat(128) + "\"")).isValid()).isTrue();
        assertSchemaViolation(parse(with("provider", "\"" + "p".repeat(65) + "\"")), "provider", "64");
        assertSchemaViolation(parse(with("model", "\"" + "m".repeat(257) + "\"")), "model", "256");
        assertSchemaViolation(parse(with("model", "\"\"")), "model", "empty");
    }

    @Test
    void notJson() {
        assertReason(parse("garbage"), DeadLetter.NOT_JSON);
        assertReason(parse("{\"event_id\": \"e\", "), DeadLetter.NOT_JSON);
        assertReason(parse("{event_id: 1}"), DeadLetter.NOT_JSON);
        assertReason(parse(""), DeadLetter.NOT_JSON);
        assertReason(parse("   "), DeadLetter.NOT_JSON);
    }

    @Test
    void trailingGarbage() {
        String ok = json(valid());
        assertReason(parse(ok + " trailing"), DeadLetter.NOT_JSON);
        assertReason(parse(ok + "{}"), DeadLetter.NOT_JSON);
        assertReason(parse(ok + "5"), DeadLetter.NOT_JSON);
        assertThat(parse(ok + " \n").isValid()).isTrue();
    }

    @Test
    void jsonThatIsNotAnObject() {
        assertSchemaViolation(parse("[" + json(valid()) + "]"), "object", null);
        assertSchemaViolation(parse("\"a string\""), "object", null);
        assertSchemaViolation(parse("42"), "object", null);
        assertSchemaViolation(parse("null"), "object", null);
    }

    @Test
    void notUtf8() {
        byte[] good = json(valid()).getBytes(StandardCharsets.UTF_8);
        // "anthropic" → "anthr\xFFpic": a byte that never occurs in UTF-8
        byte[] bad = good.clone();
        int at = new String(good, StandardCharsets.ISO_8859_1).indexOf("anthropic") + 5;
        bad[at] = (byte) 0xFF;
        assertReason(parser.parse(bad), DeadLetter.NOT_UTF8);
        // Latin-1 text in an unknown field is not UTF-8 either
        byte[] latin1 = ("{\"note\":\"caf\u00e9\"," + json(valid()).substring(1)).getBytes(StandardCharsets.ISO_8859_1);
        assertReason(parser.parse(latin1), DeadLetter.NOT_UTF8);
        // invalid sequences in a skipped unknown field: a stray byte, an overlong '/', an encoded surrogate
        for (byte[] seq : new byte[][]{{(byte) 0xFF}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}}) {
            byte[] head = "{\"note\":\"a".getBytes(StandardCharsets.UTF_8);
            byte[] tail = ("b\"," + json(valid()).substring(1)).getBytes(StandardCharsets.UTF_8);
            byte[] v = new byte[head.length + seq.length + tail.length];
            System.arraycopy(head, 0, v, 0, head.length);
            System.arraycopy(seq, 0, v, head.length, seq.length);
            System.arraycopy(tail, 0, v, head.length + seq.length, tail.length);
            assertReason(parser.parse(v), DeadLetter.NOT_UTF8);
        }
        // valid JSON in another Unicode encoding is still not UTF-8
        assertReason(parser.parse(json(valid()).getBytes(StandardCharsets.UTF_16LE)), DeadLetter.NOT_UTF8);
        assertReason(parser.parse(json(valid()).getBytes(StandardCharsets.UTF_16)), DeadLetter.NOT_UTF8);
    }

    @Test
    void nonAsciiUtf8IsFine() {
        ParseResult r = parse(with("tenant", "\"équipe-北京\""));
        assertThat(r.call().tenant()).isEqualTo("équipe-北京");
    }

    @Test
    void tooLarge() {
        Map<String, String> m = valid();
        m.put("padding", "\"" + "x".repeat(MAX) + "\"");
        ParseResult r = parse(m);
        assertReason(r, DeadLetter.TOO_LARGE);
        assertThat(r.detail()).contains(String.valueOf(MAX));
    }

    @Test
    void nullValue() {
        assertReason(parser.parse(null), DeadLetter.NULL_VALUE);
    }

    private static void assertReason(ParseResult r, String reason) {
        assertThat(r.call()).as("call of %s", r).isNull();
        assertThat(r.reason()).as("reason of %s", r).isEqualTo(reason);
        assertThat(r.detail()).isNotBlank();
    }

    private static void assertSchemaViolation(ParseResult r, String field, String alsoContains) {
        assertReason(r, DeadLetter.SCHEMA_VIOLATION);
        assertThat(r.detail()).contains(field);
        if (alsoContains != null) {
            assertThat(r.detail()).contains(alsoContains);
        }
    }
}
