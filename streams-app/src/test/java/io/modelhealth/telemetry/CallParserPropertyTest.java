package io.modelhealth.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.schemas.DeadLetter;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

class CallParserPropertyTest {

    private final CallParser parser = new CallParser(4096);

    @Property(tries = 3000)
    void arbitraryBytes(@ForAll @Size(max = 5000) byte[] bytes) {
        assertExactlyOne(parser.parse(bytes));
    }

    @Property(tries = 3000)
    void arbitraryStrings(@ForAll String text) {
        assertExactlyOne(parser.parse(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Near-valid records: a valid call with one field's value replaced by something arbitrary. */
    @Property(tries = 3000)
    void mutatedCalls(@ForAll("fields") String field, @ForAll("jsonValues") String value) {
        String json = "{\"event_id\":\"e\",\"timestamp\":\"2026-11-27T14:03:07Z\",\"provider\":\"openai\",\"model\":\"gpt-5\","
                + "\"status_code\":200,\"latency_ms\":3}";
        String mutated = json.replaceFirst("\"" + field + "\":(\"[^\"]*\"|[0-9]+)", "\"" + field + "\":"
                + java.util.regex.Matcher.quoteReplacement(value));
        assertExactlyOne(parser.parse(mutated.getBytes(StandardCharsets.UTF_8)));
    }

    @Provide
    Arbitrary<String> fields() {
        return Arbitraries.of("event_id", "timestamp", "provider", "model", "status_code", "latency_ms");
    }

    @Provide
    Arbitrary<String> jsonValues() {
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(40).map(s -> "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\""),
                Arbitraries.strings().ofMaxLength(40),
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.doubles().map(String::valueOf),
                Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(90),
                Arbitraries.of("null", "true", "[]", "{}", "[1,{\"a\":null}]", "1e999", "-0", "\"\\u0000\""));
    }

    private static void assertExactlyOne(ParseResult r) {
        assertThat(r).isNotNull();
        assertThat(r.call() == null).as("exactly one of call / reason: %s", r).isNotEqualTo(r.reason() == null);
        if (r.reason() != null) {
            assertThat(DeadLetter.REASONS).contains(r.reason());
            assertThat(r.detail()).isNotBlank();
        }
    }
}
