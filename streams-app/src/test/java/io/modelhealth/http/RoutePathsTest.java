package io.modelhealth.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RoutePathsTest {

    @ParameterizedTest
    @ValueSource(strings = {"anthropic/claude-fable-5", "aws.bedrock/anthropic.claude-v2@eu-west-1",
            "openai/gpt-5.1-mini", "together/meta-llama/Llama-3.3-70B", "x/model+plus", "vendor/modèle ünïcode", "a/~_"})
    void pathsRoundTrip(String route) {
        String path = RoutePaths.path("/api/routes/", route);
        assertThat(path).startsWith("/api/routes/").doesNotContain(" ", "@", "+");
        assertThat(RoutePaths.routeId(path.substring("/api/routes/".length()))).hasValue(route);
    }

    @ParameterizedTest
    @CsvSource({
            "aws.bedrock/anthropic.claude-v2@eu-west-1, aws.bedrock/anthropic.claude-v2@eu-west-1",
            "aws.bedrock/anthropic.claude-v2%40eu-west-1, aws.bedrock/anthropic.claude-v2@eu-west-1",
            "together/meta-llama/Llama-3, together/meta-llama/Llama-3",
            "together/meta-llama%2FLlama-3, together/meta-llama/Llama-3",
            "x/a+b, x/a+b"})
    void rawPathsDecodeToRouteIds(String raw, String route) {
        assertThat(RoutePaths.routeId(raw)).hasValue(route);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "anthropic", "anthropic/", "/claude", "anthropic//claude", "anthropic/claude%zz",
            "anthropic/claude%4", "a%2Fb/c"})
    void badPathsAreNoRoute(String raw) {
        assertThat(RoutePaths.routeId(raw)).isEqualTo(Optional.empty());
    }
}
