package io.modelhealth.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.OutcomeClass;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Which routes get their own series in /metrics ({@code limits.metered-routes}), and what the series look like. */
class RouteSeriesCollectorTest {

    private static final Pattern ROUTE_LABEL = Pattern.compile("route=\"([^\"]+)\"");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    private static void calls(HealthMetrics m, String route, int n) {
        for (int i = 0; i < n; i++) {
            m.call(route, OutcomeClass.SUCCESS, 400, null);
        }
    }

    private Set<String> routesOf(String scrape, String metric) {
        Set<String> routes = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.startsWith(metric + "{")) {
                Matcher m = ROUTE_LABEL.matcher(line);
                if (m.find()) {
                    routes.add(m.group(1));
                }
            }
        }
        return routes;
    }

    @Test
    void configuredRoutesThenTheUnhealthyThenTheBusiestAreExported() {
        HealthMetrics metrics = new HealthMetrics(registry, Set.of("cfg/named"), 2);
        calls(metrics, "cfg/named", 1);
        calls(metrics, "p/busiest", 100);
        calls(metrics, "p/busy", 50);
        calls(metrics, "p/quiet", 1);
        calls(metrics, "p/sick", 2);
        metrics.state("p/sick", HealthState.UNAVAILABLE);
        metrics.state("p/busy", HealthState.HEALTHY);

        String scrape = registry.scrape();
        Set<String> exported = Set.of("cfg/named", "p/sick", "p/busiest");
        for (String metric : new String[]{"model_health_calls_total", "model_health_state", "model_health_reroute_held",
                "model_health_call_duration_seconds_bucket", "model_health_call_duration_seconds_count"}) {
            assertThat(routesOf(scrape, metric)).as(metric).isEqualTo(exported);
        }
        assertThat(scrape).contains("model_health_routes_unmetered 2.0");
        // Every route is still counted and decided, metered or not.
        assertThat(metrics.calls("p/quiet", OutcomeClass.SUCCESS)).isEqualTo(1);
        assertThat(metrics.routes()).isEqualTo(5);
    }

    @Test
    void seriesKeepTheirNamesLabelsAndTypes() {
        HealthMetrics metrics = new HealthMetrics(registry);
        metrics.call("anthropic/claude-fable-5", OutcomeClass.POLICY_BLOCK, 120, null);
        metrics.state("anthropic/claude-fable-5", HealthState.BLOCKED);
        metrics.held("anthropic/claude-fable-5", HealthMetrics.Held.NO_FALLBACK);
        metrics.errorRatio("anthropic/claude-fable-5", OutcomeClass.POLICY_BLOCK, "1m", 0.75);

        String scrape = registry.scrape();
        assertThat(scrape).contains("# TYPE model_health_calls_total counter",
                "# HELP model_health_calls_total Finished LLM calls seen, by outcome class",
                "# TYPE model_health_state gauge", "# TYPE model_health_error_ratio gauge",
                "model_health_calls_total{class=\"policy_block\",model=\"claude-fable-5\",provider=\"anthropic\",route=\"anthropic/claude-fable-5\"} 1.0",
                "model_health_state{route=\"anthropic/claude-fable-5\",state=\"BLOCKED\"} 1.0",
                "model_health_state{route=\"anthropic/claude-fable-5\",state=\"HEALTHY\"} 0.0",
                "model_health_reroute_held{cause=\"no_fallback\",route=\"anthropic/claude-fable-5\"} 1.0",
                "model_health_reroute_held{cause=\"panic_guard\",route=\"anthropic/claude-fable-5\"} 0.0",
                "model_health_error_ratio{class=\"policy_block\",route=\"anthropic/claude-fable-5\",window=\"1m\"} 0.75",
                "model_health_routes_unmetered 0.0");
        // No latency yet: no series rather than a made-up value.
        assertThat(scrape).doesNotContain("model_health_latency_seconds{");

        metrics.forgetRoute("anthropic/claude-fable-5");
        assertThat(registry.scrape()).doesNotContain("route=\"anthropic/claude-fable-5\"");
    }

    @Test
    void latencyIsAHistogramWithFixedBucketsAndTimeToFirstTokenWhereCallsCarryIt() {
        HealthMetrics metrics = new HealthMetrics(registry);
        String route = "openai/gpt-5";
        metrics.call(route, OutcomeClass.SUCCESS, 100, 40.0);
        metrics.call(route, OutcomeClass.SUCCESS, 250, 90.0);      // on a bound: counted in it (le is "less or equal")
        metrics.call(route, OutcomeClass.SUCCESS, 1_800, null);
        metrics.call(route, OutcomeClass.AVAILABILITY, 75_000, null); // a timeout past the last bound
        metrics.call("openai/gpt-5-mini", OutcomeClass.SUCCESS, 300, null);

        String scrape = registry.scrape();
        String r = "_bucket{route=\"" + route + "\",le=\"";
        assertThat(scrape).contains("# TYPE model_health_call_duration_seconds histogram",
                "model_health_call_duration_seconds" + r + "0.25\"} 2",
                "model_health_call_duration_seconds" + r + "0.5\"} 2",
                "model_health_call_duration_seconds" + r + "2.0\"} 3",
                "model_health_call_duration_seconds" + r + "60.0\"} 3",
                "model_health_call_duration_seconds" + r + "+Inf\"} 4",
                "model_health_call_duration_seconds_count{route=\"" + route + "\"} 4",
                "model_health_call_duration_seconds_sum{route=\"" + route + "\"} 77.15",
                "model_health_time_to_first_token_seconds" + r + "0.25\"} 2",
                "model_health_time_to_first_token_seconds_count{route=\"" + route + "\"} 2",
                "model_health_time_to_first_token_seconds_sum{route=\"" + route + "\"} 0.13");
        for (double bound : HealthMetrics.LATENCY_BUCKETS) {
            assertThat(scrape).contains("model_health_call_duration_seconds" + r + bound + "\"}");
        }
        // A route whose calls carry no ttft_ms has no time-to-first-token series rather than an empty one.
        assertThat(routesOf(scrape, "model_health_time_to_first_token_seconds_count")).containsExactly(route);
        assertThat(routesOf(scrape, "model_health_call_duration_seconds_count")).containsExactly("openai/gpt-5", "openai/gpt-5-mini");
    }
}
