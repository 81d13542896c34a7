package io.modelhealth.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhealth.schemas.ContractExamples;
import io.modelhealth.schemas.ContractExamples.Example;
import io.modelhealth.schemas.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code override.v1} examples of the schemas module, made usable against a running clock, and what
 * the schema must say about each invalid one ({@code examples/invalid/expected-problems.json}).
 *
 * <p>The examples' {@code until} lie in 2025, and the monitor drops an override as soon as its route's
 * time passes {@code until}; so {@link #liveAt} moves {@code until} (and {@code created_at}, by the same
 * amount, keeping each offset) to just after the moment a test sends the example, leaving every other
 * byte as it is: an invalid example stays invalid for its own reason.
 */
public final class OverrideExamples {

    public static final String SCHEMA = "override.v1";

    private static final Pattern TIME_FIELD = Pattern.compile("\"(until|created_at)\"\\s*:\\s*\"([^\"]*)\"");
    /** {@code <keyword> at <JSON pointer>[ naming <word>]}, as in expected-problems.json. */
    private static final Pattern EXPECTATION = Pattern.compile("(\\w+) at (/\\S*)(?: naming (\\S+))?");
    private static final String DETAIL_PREFIX = "not a valid override.v1: ";
    /** RFC 3339 as the schema's pattern has it: seconds always written ({@code OffsetDateTime.toString} drops zero ones). */
    private static final DateTimeFormatter RFC_3339 = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSXXX");

    private OverrideExamples() {
    }

    public static List<Example> valid() {
        return ContractExamples.valid(SCHEMA);
    }

    public static List<Example> invalid() {
        return ContractExamples.invalid(SCHEMA);
    }

    /**
     * The example's text with {@code until} at {@code sentAt + ahead} and {@code created_at} moved by the same
     * amount; a time that is missing or does not parse is left alone (the example is about it).
     */
    public static String liveAt(Example example, Instant sentAt, Duration ahead) {
        Matcher until = TIME_FIELD.matcher(example.json());
        Duration shift = null;
        while (until.find()) {
            if (until.group(1).equals("until")) {
                OffsetDateTime t = parse(until.group(2));
                shift = t == null ? null : Duration.between(t.toInstant(), sentAt.plus(ahead));
            }
        }
        if (shift == null) {
            return example.json();
        }
        Duration by = shift;
        return TIME_FIELD.matcher(example.json()).replaceAll(m -> {
            OffsetDateTime t = parse(m.group(2));
            return t == null ? Matcher.quoteReplacement(m.group())
                    : "\"" + m.group(1) + "\": \"" + RFC_3339.format(t.plus(by)) + "\"";
        });
    }

    /** The author the monitor stamps an example with: its own, or {@code unknown}. */
    public static String stampedAuthor(Example example) {
        JsonNode author = tree(example.json()).path("author");
        return author.isTextual() ? author.asText() : "unknown";
    }

    /**
     * The start of how the state record describes a valid example's effect ({@code RouteHealth.describeOverride}):
     * {@code pin BLOCKED}, {@code force reroute to openai/gpt-5}, {@code alerts silenced}...
     */
    public static String expectedEffect(Example example) {
        JsonNode o = tree(example.json());
        if (o.path("pin_state").isTextual()) {
            return "pin " + o.path("pin_state").asText();
        }
        if (o.path("reroute").isTextual()) {
            return o.path("reroute").asText().toLowerCase(java.util.Locale.ROOT) + " reroute"
                    + (o.path("target").isTextual() ? " to " + o.path("target").asText() : "");
        }
        return "alerts silenced";
    }

    /** The example's {@code route}, or null when it has none. */
    public static String route(Example example) {
        JsonNode route = tree(example.json()).path("route");
        return route.isTextual() ? route.asText() : null;
    }

    /**
     * Whether a dead letter's {@code error} names the violation expected-problems.json gives for the example:
     * one of the listed problems is at that location, for that keyword, and mentions the word.
     */
    public static boolean namesItsViolation(Example example, String error) {
        Matcher m = EXPECTATION.matcher(expectation(example));
        if (!m.matches() || error == null || !error.startsWith(DETAIL_PREFIX)) {
            return false;
        }
        String keyword = m.group(1);
        String location = m.group(2);
        String word = m.group(3);
        return Arrays.stream(error.substring(DETAIL_PREFIX.length()).split("; "))
                .anyMatch(p -> p.startsWith(location + ": ") && p.endsWith("[" + keyword + "]")
                        && (word == null || p.contains(word)));
    }

    /** The expectation for an invalid example, e.g. {@code additionalProperties at / naming silence_alert}. */
    public static String expectation(Example example) {
        try (InputStream in = OverrideExamples.class.getClassLoader().getResourceAsStream("examples/invalid/expected-problems.json")) {
            if (in == null) {
                throw new IllegalStateException("examples/invalid/expected-problems.json is not on the classpath (schemas test-jar)");
            }
            JsonNode e = Json.mapper().readTree(in).path("expected").path(SCHEMA).path(example.name());
            if (!e.isTextual()) {
                throw new IllegalStateException("expected-problems.json has no entry for " + example);
            }
            return e.asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static OffsetDateTime parse(String text) {
        try {
            return OffsetDateTime.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static JsonNode tree(String json) {
        try {
            return Json.mapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
