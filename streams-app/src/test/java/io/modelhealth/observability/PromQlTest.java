package io.modelhealth.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The metric-name reader that keeps dashboards and rules honest about what the app exports. */
class PromQlTest {

    @Test
    void findsMetricNamesButNotFunctionsKeywordsLabelsOrDurations() {
        String expr = """
                sum by (route, action) (
                    (model_health_reroutes_total{route=~"a/b|c/d", action!="x"} unless model_health_reroutes_total offset 1m)
                  or
                    increase(model_health_reroutes_total{route="a/b"}[5m])
                ) / on (route) group_left (state) max by (route) (model_health_state == bool 1) > 1e3
                  and up{job="model-health"} or vector(0) * Inf
                """;

        assertThat(PromQl.metricNames(expr)).containsExactly("model_health_reroutes_total", "model_health_state", "up");
    }

    @Test
    void aggregationWithoutGroupingIsAFunctionNotAMetric() {
        assertThat(PromQl.metricNames("sum(rate(kafka_stream_thread_process_rate[1m]))"))
                .containsExactly("kafka_stream_thread_process_rate");
        assertThat(PromQl.metricNames("max(x_total) by (le)")).containsExactly("x_total");
    }

    @Test
    void namesInsideLabelValuesAndStringsAreNotMetrics() {
        assertThat(PromQl.metricNames("label_replace(a_metric, \"dst\", \"not_a_metric\", \"src\", \"(.*)\")"))
                .containsExactly("a_metric");
    }

    @Test
    void substitutesBothVariableFormsAndLeavesUnknownOnesVisible() {
        String expr = "rate(x{route=\"$route\", p=~\"${provider}\"}[$__rate_interval]) / (1 - ${slo:raw}) + $unknown";

        String out = PromQl.substitute(expr, Map.of("route", "anthropic/claude-fable-5", "provider", "anthropic",
                "__rate_interval", "15s", "slo", "0.99"));

        assertThat(out).isEqualTo("rate(x{route=\"anthropic/claude-fable-5\", p=~\"anthropic\"}[15s]) / (1 - 0.99) + $unknown");
        assertThat(PromQl.variables(expr)).containsExactly("__rate_interval", "provider", "route", "slo", "unknown");
    }
}
