package io.modelhealth.kafka;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What {@link TopicAdmin} found for each topic of a spec list, in spec order: created, ok,
 * mismatched (with one human-readable problem per difference) or missing.
 *
 * <p>{@link #lines()} is what the {@code topics} command prints:
 * <pre>
 * created     llm.calls
 * ok          model.health.state
 * mismatched  model.health.alerts
 *             topic model.health.alerts: retention.ms is '604800000', spec says '2592000000'
 * </pre>
 */
public record TopicReport(List<Entry> entries) {

    public TopicReport {
        entries = List.copyOf(entries);
    }

    /** The outcome for one topic. */
    public enum Status {
        /** Did not exist; created now, as the spec says. */
        CREATED,
        /** Exists and matches the spec. */
        OK,
        /** Exists but differs from the spec; see {@link Entry#problems()}. */
        MISMATCHED,
        /** Does not exist (only from a check; {@code ensure} creates it). */
        MISSING
    }

    /**
     * One topic's outcome.
     *
     * @param problems empty unless MISMATCHED or MISSING; each one reads "topic NAME: ..."
     */
    public record Entry(String topic, Status status, List<String> problems) {
        public Entry {
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(status, "status");
            problems = List.copyOf(problems);
        }

        static Entry created(String topic) {
            return new Entry(topic, Status.CREATED, List.of());
        }

        static Entry missing(String topic) {
            return new Entry(topic, Status.MISSING, List.of("topic " + topic + ": missing"));
        }

        static Entry compared(String topic, List<String> problems) {
            return new Entry(topic, problems.isEmpty() ? Status.OK : Status.MISMATCHED, problems);
        }
    }

    /** True when every topic exists and matches its spec (created counts as matching). */
    public boolean allMatch() {
        return entries.stream().allMatch(e -> e.status() == Status.OK || e.status() == Status.CREATED);
    }

    /** Every problem, topic by topic; empty when {@link #allMatch()}. */
    public List<String> problems() {
        return entries.stream().flatMap(e -> e.problems().stream()).toList();
    }

    /** The entry for one topic, if the spec list had it. */
    public Optional<Entry> entry(String topic) {
        return entries.stream().filter(e -> e.topic().equals(topic)).findFirst();
    }

    /** The status of one topic; fails if the spec list did not have it. */
    public Status status(String topic) {
        return entry(topic).map(Entry::status)
                .orElseThrow(() -> new IllegalArgumentException("no topic " + topic + " in this report"));
    }

    /** One line per topic (status, name), each problem indented beneath it. */
    public List<String> lines() {
        return entries.stream().flatMap(e -> {
            String head = String.format(Locale.ROOT, "%-11s %s", e.status().name().toLowerCase(Locale.ROOT), e.topic());
            return Stream.concat(
                    Stream.of(head),
                    e.problems().stream()
                            .filter(p -> e.status() != Status.MISSING)
                            .map(p -> " ".repeat(12) + p));
        }).toList();
    }

    @Override
    public String toString() {
        return String.join(System.lineSeparator(), lines());
    }
}
