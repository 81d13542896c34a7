package io.modelhealth.alerts.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.modelhealth.schemas.Alert;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AlertDelivery} against a fake Alertmanager over real HTTP. Time is a parameter of every
 * call, so backoff and resend schedules are checked to the millisecond without waiting.
 */
class AlertDeliveryTest {

    private static final Duration RESEND = Duration.ofMinutes(1);
    private static final long T0 = Instant.parse("2026-11-27T03:00:00Z").toEpochMilli();
    private static final String FABLE = "anthropic/claude-fable-5";
    private static final String HAIKU = "anthropic/claude-haiku-5";

    private final FakeAlertmanager am = new FakeAlertmanager();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final DeliveryMetrics metrics = new DeliveryMetrics(registry);

    @AfterEach
    void stop() {
        am.close();
        registry.close();
    }

    private AlertDelivery delivery(String url, int maxPending) {
        return new AlertDelivery(new AlertmanagerClient(url), RESEND, maxPending, metrics);
    }

    private AlertDelivery delivery() {
        return delivery(am.url(), 100);
    }

    private static Instant at(long millis) {
        return Instant.ofEpochMilli(millis);
    }

    @Test
    void postsAFiringAlertAsAPostableAlertThatStaysActiveForFourResendIntervals() throws Exception {
        AlertDelivery d = delivery();
        Alert a = TestAlerts.blocked(FABLE, at(T0 - 5_000), "anthropic/claude-fable-5 BLOCKED: 403 model_not_available");
        d.accept(a, 0, 7, true);

        assertThat(d.deliverIfDue(T0)).isTrue();

        FakeAlertmanager.Request req = am.last();
        assertThat(req.method()).isEqualTo("POST");
        assertThat(req.path()).isEqualTo("/api/v2/alerts");
        assertThat(req.header("Content-Type")).isEqualTo("application/json");
        assertThat(req.body().isArray()).isTrue();
        assertThat(req.body()).hasSize(1);
        JsonNode posted = req.body().get(0);
        List<String> fields = new ArrayList<>();
        posted.fieldNames().forEachRemaining(fields::add);
        // Alertmanager's postableAlert: no status, no fingerprint (it derives both).
        assertThat(fields).containsExactlyInAnyOrder("labels", "annotations", "startsAt", "endsAt", "generatorURL");
        assertThat(posted.path("labels").path("alertname").asText()).isEqualTo("ModelRouteBlocked");
        assertThat(posted.path("labels").path("severity").asText()).isEqualTo("critical");
        assertThat(posted.path("labels").path("route").asText()).isEqualTo(FABLE);
        assertThat(posted.path("annotations").path("summary").asText()).contains("BLOCKED");
        assertThat(posted.path("annotations").path("runbook_url").asText()).isEqualTo(TestAlerts.RUNBOOK + "#modelrouteblocked");
        assertThat(Instant.parse(posted.path("startsAt").asText())).isEqualTo(at(T0 - 5_000));
        assertThat(Instant.parse(posted.path("endsAt").asText())).isEqualTo(at(T0).plus(RESEND.multipliedBy(4)));
        assertThat(posted.path("generatorURL").asText()).isEqualTo("http://model-health:8080/api/routes/" + FABLE);
        assertThat(d.pendingCount()).isZero();
        assertThat(d.firing()).containsOnlyKeys(a.fingerprint());
    }

    @Test
    void aFiringAlertStartingInTheFutureEndsAfterItsStart() throws Exception {
        AlertDelivery d = delivery();
        // Event time can run ahead of this host's clock (telemetry.max-future-skew).
        d.accept(TestAlerts.blocked(FABLE, at(T0 + 30_000), "ahead"), 0, 0, true);

        d.deliverIfDue(T0);

        JsonNode posted = am.last().body().get(0);
        assertThat(Instant.parse(posted.path("endsAt").asText())).isEqualTo(at(T0 + 30_000).plus(RESEND.multipliedBy(4)));
    }

    @Test
    void aResolutionIsPostedWithItsEndAndLeavesTheFiringSet() throws Exception {
        AlertDelivery d = delivery();
        Alert firing = TestAlerts.blocked(FABLE, at(T0 - 60_000), "blocked");
        d.accept(firing, 0, 1, true);
        d.deliverIfDue(T0);

        d.accept(TestAlerts.resolved(firing, at(T0 + 2_000)), 0, 2, true);
        assertThat(d.due(T0 + 3_000)).as("a new record is due at once").isTrue();
        d.deliverIfDue(T0 + 3_000);

        JsonNode posted = am.last().body();
        assertThat(posted).hasSize(1);
        assertThat(Instant.parse(posted.get(0).path("endsAt").asText())).isEqualTo(at(T0 + 2_000));
        assertThat(d.firing()).isEmpty();
        assertThat(d.pendingCount()).isZero();

        // Resolved for good: the next resend has nothing for it.
        d.deliverIfDue(T0 + 3_000 + RESEND.toMillis());
        assertThat(am.last().body()).isEmpty();
    }

    @Test
    void aResolutionDatedInTheFutureEndsNowOtherwiseAlertmanagerWouldKeepItFiring() {
        Alert firing = TestAlerts.blocked(FABLE, at(T0 - 60_000), "blocked");
        PostableAlert p = PostableAlert.resolved(TestAlerts.resolved(firing, at(T0 + 60_000)), at(T0));
        assertThat(p.endsAt()).isEqualTo(at(T0));
        assertThat(p.startsAt()).isEqualTo(at(T0 - 60_000));
    }

    @Test
    void resendsTheWholeFiringSetEveryResendIntervalAndAnEmptyListWhenNothingFires() throws Exception {
        AlertDelivery d = delivery();
        d.deliverIfDue(T0);
        assertThat(am.last().body()).as("nothing fires: an empty POST checks the path").isEmpty();

        Alert fable = TestAlerts.blocked(FABLE, at(T0), "fable blocked");
        Alert haiku = TestAlerts.blocked(HAIKU, at(T0), "haiku blocked");
        d.accept(fable, 0, 1, true);
        d.deliverIfDue(T0 + 1_000);
        d.accept(haiku, 1, 1, true);
        d.deliverIfDue(T0 + 2_000);
        assertThat(am.last().body()).as("every POST carries the whole firing set").hasSize(2);
        int posts = am.count();

        assertThat(d.deliverIfDue(T0 + 2_000 + RESEND.toMillis() - 1)).isFalse();
        assertThat(d.millisUntilDue(T0 + 2_000 + RESEND.toMillis() - 1)).isEqualTo(1);
        assertThat(am.count()).isEqualTo(posts);

        assertThat(d.deliverIfDue(T0 + 2_000 + RESEND.toMillis())).isTrue();
        JsonNode resent = am.last().body();
        assertThat(resent).hasSize(2);
        assertThat(resent).allSatisfy(a -> assertThat(Instant.parse(a.path("endsAt").asText()))
                .as("endsAt moves forward with every resend")
                .isEqualTo(at(T0 + 2_000 + RESEND.toMillis()).plus(RESEND.multipliedBy(4))));
    }

    @Test
    void aChangedFiringAlertReplacesItsPreviousVersion() throws Exception {
        AlertDelivery d = delivery();
        Alert v1 = TestAlerts.blocked(FABLE, at(T0), "fable blocked; traffic rerouted to anthropic/claude-haiku-5");
        d.accept(v1, 0, 1, true);
        d.deliverIfDue(T0);
        Alert v2 = TestAlerts.withSummary(v1, "fable blocked; traffic rerouted to openai/gpt-5");
        assertThat(v2.fingerprint()).isEqualTo(v1.fingerprint());
        d.accept(v2, 0, 2, true);
        d.deliverIfDue(T0 + 10);

        assertThat(am.last().body()).hasSize(1);
        assertThat(am.last().body().get(0).path("annotations").path("summary").asText()).endsWith("openai/gpt-5");
    }

    @Test
    void retriesWithExponentialBackoffCappedAtThirtySecondsAndWarnsOncePerOutage() throws Exception {
        am.answer(body -> 503);
        AlertDelivery d = delivery();
        d.accept(TestAlerts.blocked(FABLE, at(T0), "blocked"), 0, 1, true);

        long now = T0;
        List<Long> waits = new ArrayList<>();
        for (int attempt = 0; attempt < 8; attempt++) {
            assertThat(d.deliverIfDue(now)).isTrue();
            long wait = d.millisUntilDue(now);
            assertThat(d.deliverIfDue(now + wait - 1)).as("not before the backoff has passed").isFalse();
            waits.add(wait);
            now += wait;
        }
        assertThat(waits).containsExactly(1_000L, 2_000L, 4_000L, 8_000L, 16_000L, 30_000L, 30_000L, 30_000L);
        assertThat(am.count()).isEqualTo(8);
        assertThat(d.down()).isTrue();
        assertThat(d.outages()).as("one outage, logged once, however many retries").isEqualTo(1);

        // A new alert while down does not jump the backoff queue.
        d.accept(TestAlerts.blocked(HAIKU, at(T0), "haiku"), 1, 1, true);
        assertThat(d.due(now - 1)).isFalse();

        am.answer(body -> 200);
        assertThat(d.deliverIfDue(now)).isTrue();
        assertThat(am.last().body()).hasSize(2);
        assertThat(d.down()).isFalse();
        assertThat(d.pendingCount()).isZero();
        assertThat(d.millisUntilDue(now)).isEqualTo(RESEND.toMillis());
        assertThat(registry.get(DeliveryMetrics.POSTS).tag("outcome", "error").counter().count()).isEqualTo(8);
        assertThat(registry.get(DeliveryMetrics.POSTS).tag("outcome", "ok").counter().count()).isEqualTo(1);

        am.answer(body -> 502);
        d.deliverIfDue(now + RESEND.toMillis());
        assertThat(d.outages()).isEqualTo(2);
        assertThat(d.millisUntilDue(now + RESEND.toMillis())).as("the backoff starts over").isEqualTo(1_000L);
    }

    @Test
    void whileAlertmanagerIsDownOnlyTheLatestVersionPerFingerprintWaitsAndTheMetricsShowIt() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        AlertDelivery d = delivery("http://127.0.0.1:" + closedPort, 100);
        Alert fable = TestAlerts.blocked(FABLE, at(T0), "v1");
        d.accept(fable, 0, 10, true);
        d.deliverIfDue(T0);
        d.accept(TestAlerts.withSummary(fable, "v2"), 0, 11, true);
        d.accept(TestAlerts.withSummary(fable, "v3"), 0, 12, true);
        Alert haiku = TestAlerts.blocked(HAIKU, at(T0), "haiku");
        d.accept(haiku, 1, 4, true);
        d.accept(TestAlerts.resolved(haiku, at(T0 + 500)), 1, 5, true);
        d.deliverIfDue(T0 + 1_000);

        assertThat(d.down()).isTrue();
        assertThat(d.pendingCount()).as("fable v3 and haiku's resolution").isEqualTo(2);
        assertThat(d.oldestPendingOffset(0)).hasValue(12);
        assertThat(d.oldestPendingOffset(1)).hasValue(5);
        assertThat(d.oldestPendingOffset(2)).isEmpty();
        String scrape = registry.scrape();
        assertThat(scrape).contains("model_health_alertmanager_posts_total{outcome=\"error\"} 2.0");
        assertThat(scrape).contains("model_health_alertmanager_posts_total{outcome=\"ok\"} 0.0");
        assertThat(scrape).contains("model_health_alertmanager_firing 1.0");
        assertThat(scrape).contains("model_health_alertmanager_pending 2.0");
        assertThat(scrape).contains("model_health_alertmanager_last_success_timestamp_seconds 0.0");
    }

    @Test
    void aSuccessfulPostSetsTheLastSuccessTimestamp() throws Exception {
        AlertDelivery d = delivery();
        d.deliverIfDue(T0);
        assertThat(scraped("model_health_alertmanager_last_success_timestamp_seconds")).isEqualTo(T0 / 1000.0);
        assertThat(scraped("model_health_alertmanager_posts_total{outcome=\"ok\"}")).isEqualTo(1.0);
    }

    private double scraped(String series) {
        return registry.scrape().lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
                .orElseThrow(() -> new AssertionError(series + " not in the scrape:\n" + registry.scrape()));
    }

    @Test
    void anAlertAlertmanagerRefusesIsDroppedAndTheOthersAreDelivered() throws Exception {
        // Like Alertmanager: 400 if any alert of the batch is invalid (it still keeps the valid ones).
        am.answer(body -> {
            for (JsonNode a : body) {
                if (a.path("labels").path("route").asText().startsWith("bad/")) {
                    return 400;
                }
            }
            return 200;
        });
        AlertDelivery d = delivery();
        Alert good = TestAlerts.blocked(FABLE, at(T0), "good");
        Alert bad = TestAlerts.blocked("bad/model", at(T0), "bad");
        d.accept(good, 0, 1, true);
        d.accept(bad, 0, 2, true);

        d.deliverIfDue(T0);

        assertThat(am.requests()).extracting(r -> r.body().size()).containsExactly(2, 1, 1);
        assertThat(d.firing()).containsOnlyKeys(good.fingerprint());
        assertThat(d.pendingCount()).isZero();
        assertThat(d.down()).as("Alertmanager answered: it is up").isFalse();
        assertThat(d.millisUntilDue(T0)).as("no retry: next is the regular resend").isEqualTo(RESEND.toMillis());
        assertThat(registry.get(DeliveryMetrics.DROPPED).counter().count()).isEqualTo(1);

        d.deliverIfDue(T0 + RESEND.toMillis());
        assertThat(am.last().body()).hasSize(1);
        assertThat(am.last().body().get(0).path("labels").path("route").asText()).isEqualTo(FABLE);
    }

    @Test
    void aWrongPathOrAuthErrorIsRetriedNotDropped() throws Exception {
        am.answer(body -> 404);
        AlertDelivery d = delivery();
        d.accept(TestAlerts.blocked(FABLE, at(T0), "blocked"), 0, 1, true);

        d.deliverIfDue(T0);

        assertThat(d.pendingCount()).isEqualTo(1);
        assertThat(d.firing()).hasSize(1);
        assertThat(d.down()).isTrue();
        assertThat(d.millisUntilDue(T0)).isEqualTo(1_000L);
        assertThat(registry.get(DeliveryMetrics.DROPPED).counter().count()).isZero();
    }

    @Test
    void replayedHistoryRebuildsTheFiringSetWithoutQueueingAnything() throws Exception {
        AlertDelivery d = delivery();
        Alert fable = TestAlerts.blocked(FABLE, at(T0), "fable");
        Alert haiku = TestAlerts.blocked(HAIKU, at(T0), "haiku");
        d.accept(fable, 0, 0, false);
        d.accept(haiku, 1, 0, false);
        d.accept(TestAlerts.resolved(haiku, at(T0 + 1)), 1, 1, false);

        assertThat(d.pendingCount()).isZero();
        assertThat(d.firing()).containsOnlyKeys(fable.fingerprint());
        d.deliverIfDue(T0 + 10);
        assertThat(am.requests()).hasSize(1);
        assertThat(am.last().alertnames()).containsExactly("ModelRouteBlocked");
        assertThat(am.last().body().get(0).path("labels").path("route").asText()).isEqualTo(FABLE);
    }

    @Test
    void forgetsWhatCameFromRevokedPartitions() {
        AlertDelivery d = delivery();
        d.accept(TestAlerts.blocked(FABLE, at(T0), "fable"), 0, 3, true);
        d.accept(TestAlerts.blocked(HAIKU, at(T0), "haiku"), 1, 3, true);

        d.forget(List.of(1));

        assertThat(d.firing().values()).extracting(a -> a.labels().get("route")).containsExactly(FABLE);
        assertThat(d.oldestPendingOffset(1)).isEqualTo(OptionalLong.empty());
        assertThat(d.pendingCount()).isEqualTo(1);
    }

    @Test
    void isSaturatedWhenTooManyVersionsWait() {
        AlertDelivery d = delivery(am.url(), 2);
        d.accept(TestAlerts.blocked(FABLE, at(T0), "fable"), 0, 1, true);
        assertThat(d.saturated()).isFalse();
        d.accept(TestAlerts.blocked(HAIKU, at(T0), "haiku"), 0, 2, true);
        assertThat(d.saturated()).isTrue();
    }

    @Test
    void backoffDoublesFromOneSecondUpToThirty() {
        assertThat(List.of(1, 2, 3, 4, 5, 6, 7, 100, Integer.MAX_VALUE)).extracting(AlertDelivery::backoff)
                .extracting(Duration::toSeconds).containsExactly(1L, 2L, 4L, 8L, 16L, 30L, 30L, 30L, 30L);
    }
}
