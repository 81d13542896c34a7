package io.modelhealth.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.schemas.LlmCall;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RouteIdsTest {

    static LlmCall call(String provider, String model, String region) {
        return new LlmCall("e", Instant.parse("2026-11-27T03:00:00Z"), provider, model, region, null, 200, null, 1.0,
                null, null, null);
    }

    @Test
    void routeIdIsProviderSlashModel() {
        assertThat(new RouteIds(false).of(call("anthropic", "claude-fable-5", "us-east-1"))).isEqualTo("anthropic/claude-fable-5");
        assertThat(new RouteIds(true).of(call("anthropic", "claude-fable-5", "us-east-1")))
                .isEqualTo("anthropic/claude-fable-5@us-east-1");
        assertThat(new RouteIds(true).of(call("anthropic", "claude-fable-5", null))).isEqualTo("anthropic/claude-fable-5");
    }

    @Test
    void partsOfARouteId() {
        assertThat(RouteIds.provider("aws.bedrock/anthropic.claude-v2@eu-west-1")).isEqualTo("aws.bedrock");
        assertThat(new RouteIds(true).modelOf("aws.bedrock/anthropic.claude-v2@eu-west-1")).isEqualTo("anthropic.claude-v2");
        assertThat(new RouteIds(false).modelOf("vertex/claude-sonnet-4@20250514")).isEqualTo("claude-sonnet-4@20250514");
        // model ids may themselves contain slashes (e.g. hosted open models)
        assertThat(RouteIds.provider("together/meta-llama/Llama-4")).isEqualTo("together");
        assertThat(RouteIds.model("together/meta-llama/Llama-4")).isEqualTo("meta-llama/Llama-4");
        assertThat(RouteIds.model("openai/gpt-5")).isEqualTo("gpt-5");
        assertThat(RouteIds.provider("noslash")).isEqualTo("noslash");
    }

    @Test
    void providerAndModelRoundTripThroughTheRouteId() {
        RouteIds ids = new RouteIds(false);
        for (String[] pm : new String[][]{{"anthropic", "claude-fable-5"}, {"openai", "gpt-5"}, {"vertex", "claude-sonnet-4@20250514"}}) {
            String route = ids.of(call(pm[0], pm[1], null));
            assertThat(RouteIds.provider(route)).isEqualTo(pm[0]);
            assertThat(ids.modelOf(route)).as(route).isEqualTo(pm[1]);
            assertThat(RouteIds.model(route)).as(route).isEqualTo(pm[1]);
        }
    }
}
