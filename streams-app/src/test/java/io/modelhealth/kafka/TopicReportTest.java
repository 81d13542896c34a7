package io.modelhealth.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class TopicReportTest {

    private final TopicReport report = new TopicReport(List.of(
            TopicReport.Entry.created("llm.calls"),
            TopicReport.Entry.compared("model.health.windows", List.of()),
            TopicReport.Entry.compared("model.health.state",
                    List.of("topic model.health.state: cleanup.policy is 'delete', spec says 'compact'")),
            TopicReport.Entry.missing("model.health.alerts")));

    @Test
    void printsOneLinePerTopicWithProblemsBeneath() {
        assertThat(report.lines()).containsExactly(
                "created     llm.calls",
                "ok          model.health.windows",
                "mismatched  model.health.state",
                "            topic model.health.state: cleanup.policy is 'delete', spec says 'compact'",
                "missing     model.health.alerts");
    }

    @Test
    void collectsProblemsAndStatuses() {
        assertThat(report.allMatch()).isFalse();
        assertThat(report.problems()).containsExactly(
                "topic model.health.state: cleanup.policy is 'delete', spec says 'compact'",
                "topic model.health.alerts: missing");
        assertThat(report.status("model.health.windows")).isEqualTo(TopicReport.Status.OK);
        assertThat(report.entry("nope")).isEmpty();
        assertThat(new TopicReport(List.of(TopicReport.Entry.created("a"))).allMatch()).isTrue();
    }
}
