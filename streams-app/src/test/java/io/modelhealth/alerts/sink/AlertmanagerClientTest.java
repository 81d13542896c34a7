package io.modelhealth.alerts.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelhealth.alerts.sink.AlertmanagerClient.Outcome;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AlertmanagerClientTest {

    private final FakeAlertmanager am = new FakeAlertmanager();

    @AfterEach
    void stop() {
        am.close();
    }

    private static List<PostableAlert> one() {
        return List.of(PostableAlert.firing(TestAlerts.blocked("anthropic/claude-fable-5", Instant.parse("2026-11-27T03:00:00Z"),
                "blocked"), Instant.parse("2026-11-27T03:04:00Z")));
    }

    @ParameterizedTest(name = "HTTP {0} is {1}")
    @CsvSource({
        "200, DELIVERED",
        "202, DELIVERED",
        "400, REJECTED",
        "422, REJECTED",
        "401, FAILED",
        "404, FAILED",
        "429, FAILED",
        "500, FAILED",
        "503, FAILED",
    })
    void mapsTheStatusToWhatTheSinkShouldDo(int status, Outcome outcome) throws Exception {
        am.answer(body -> status);
        AlertmanagerClient.Response r = new AlertmanagerClient(am.url()).post(one());
        assertThat(r.outcome()).isEqualTo(outcome);
        assertThat(r.status()).isEqualTo(status);
    }

    @Test
    void noAnswerIsAFailureNotAnException() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        AlertmanagerClient.Response r = new AlertmanagerClient("http://127.0.0.1:" + port).post(one());
        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.status()).isZero();
        assertThat(r.detail()).containsIgnoringCase("connect");
    }

    @Test
    void keepsAPathPrefixAndSendsCredentialsAsBasicAuthWithoutShowingThem() throws Exception {
        String url = am.url().replace("http://", "http://ops:s3cret@") + "/alertmanager/";
        AlertmanagerClient client = new AlertmanagerClient(url);

        client.post(one());

        assertThat(am.last().path()).isEqualTo("/alertmanager/api/v2/alerts");
        assertThat(am.last().header("Authorization"))
                .isEqualTo("Basic " + Base64.getEncoder().encodeToString("ops:s3cret".getBytes(StandardCharsets.UTF_8)));
        assertThat(client.toString()).isEqualTo(am.url() + "/alertmanager").doesNotContain("s3cret");
    }

    @Test
    void refusesAUrlThatIsNotHttp() {
        assertThatThrownBy(() -> new AlertmanagerClient("ftp://alertmanager:9093"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("alerts.alertmanager-url");
        assertThatThrownBy(() -> new AlertmanagerClient("http://"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("alerts.alertmanager-url");
    }
}
