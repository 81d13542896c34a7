package io.modelhealth.alerts.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.modelhealth.alerts.AlertFactory;
import io.modelhealth.kafka.KafkaBrokerExtension;
import io.modelhealth.kafka.KafkaCluster;
import io.modelhealth.schemas.Alert;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end with a real Alertmanager (the Debian {@code prometheus-alertmanager} binary, skipped
 * when it is missing) running deploy/alertmanager/alertmanager.yml — its receivers pointed at a
 * webhook in this test, so the test sees what would page — and the real app on the test cluster
 * detecting a withdrawal of both anthropic models:
 * <ol>
 *   <li>the per-route pages reach Alertmanager with their summary and runbook link, the provider-wide
 *       {@code ModelProviderOutage} is active and inhibits them, and the pager rings once;</li>
 *   <li>one model recovers, the app resolves the provider-wide alert, the resolution reaches
 *       Alertmanager, the inhibition lifts and the still-blocked routes page.</li>
 * </ol>
 */
@ExtendWith(KafkaBrokerExtension.class)
class AlertmanagerIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String PROVIDER_OUTAGE = "alertname=\"" + AlertFactory.PROVIDER_OUTAGE + "\"";
    private static final String ROUTE_BLOCKED = "alertname=\"" + AlertFactory.ROUTE_BLOCKED + "\"";

    @TempDir
    Path tmp;

    private static Path alertmanagerBinary() {
        Optional<Path> binary = AlertmanagerTools.binary(AlertmanagerTools.ALERTMANAGER);
        assumeTrue(binary.isPresent(), "prometheus-alertmanager is not installed (Debian: apt-get install "
                + "prometheus-alertmanager); the end-to-end test with a real Alertmanager is skipped");
        return binary.get();
    }

    /**
     * The example config as shipped (routing tree, inhibit rules), with every receiver replaced by
     * a webhook to {@code webhookBase/<receiver name>} and shorter group timers, so the test is quick.
     */
    private Path testConfig(String webhookBase) throws IOException {
        YAMLMapper yaml = new YAMLMapper();
        ObjectNode config = (ObjectNode) yaml.readTree(AlertmanagerTools.exampleConfig().toFile());
        ObjectNode route = (ObjectNode) config.get("route");
        // Still well above the app's commit interval (100 ms here), the gap between the per-route
        // alerts and the provider-wide one that must inhibit them.
        route.put("group_wait", "3s");
        route.put("group_interval", "2s");
        ArrayNode receivers = (ArrayNode) config.get("receivers");
        for (int i = 0; i < receivers.size(); i++) {
            String name = receivers.get(i).get("name").asText();
            ObjectNode receiver = yaml.createObjectNode().put("name", name);
            receiver.putArray("webhook_configs").addObject().put("url", webhookBase + "/" + name).put("send_resolved", true);
            receivers.set(i, receiver);
        }
        return Files.writeString(tmp.resolve("alertmanager.yml"), yaml.writeValueAsString(config));
    }

    /** "status alertname provider" of each notification a receiver got, in order. */
    private static List<String> notifications(FakeAlertmanager webhook, String receiver) {
        List<String> out = new ArrayList<>();
        for (FakeAlertmanager.Request r : webhook.requests()) {
            if (r.path().equals("/" + receiver)) {
                JsonNode group = r.body().path("groupLabels");
                out.add(r.body().path("status").asText() + " " + group.path("alertname").asText() + " "
                        + group.path("provider").asText());
            }
        }
        return out;
    }

    private static JsonNode only(JsonNode alerts) {
        assertThat(alerts).hasSize(1);
        return alerts.get(0);
    }

    @Test
    void aWithdrawalPagesOnceThroughTheProviderWideAlertAndItsResolutionReachesAlertmanager(KafkaCluster kafka)
            throws Exception {
        Path binary = alertmanagerBinary();
        MeterRegistry registry = new SimpleMeterRegistry();
        // Short policy hold-down, so that a recovery can be driven within the test. The test's traffic comes in
        // bursts, so partitions fall silent often: a short idle-partition-after keeps them from holding the
        // watermark (and so the second sibling's verdict) back longer than Alertmanager's group_wait.
        Map<String, String> detection = Map.of("detection.policy-block.hold-down", "2s",
                "detection.policy-block.probe-successes", "3", "detection.policy-block.probe-window", "0s",
                "detection.policy-block.probe-tenants", "1", "windows.idle-partition-after", "300ms");
        try (FakeAlertmanager webhook = new FakeAlertmanager();
             RealAlertmanager am = RealAlertmanager.start(binary, testConfig(webhook.url()), Files.createDirectories(tmp.resolve("am")));
             AppFixture fixture = AppFixture.start(kafka, tmp, detection);
             AlertmanagerSink sink = new AlertmanagerSink(SinkConfigs.withAlertmanager(fixture.config(), am.url()), registry)) {
            sink.start();
            fixture.healthyTraffic(AppFixture.ROUTES, 10);
            fixture.withdraw(List.of(AppFixture.FABLE, AppFixture.HAIKU), 6);

            // 1. In Alertmanager: the provider-wide page is active and inhibits both per-route pages.
            await().atMost(WAIT).untilAsserted(() -> {
                JsonNode outage = only(am.alerts(PROVIDER_OUTAGE));
                assertThat(outage.path("labels").path("provider").asText()).isEqualTo("anthropic");
                assertThat(outage.path("labels").path("severity").asText()).isEqualTo("critical");
                assertThat(outage.path("status").path("state").asText()).isEqualTo("active");
                JsonNode blocked = am.alerts(ROUTE_BLOCKED);
                assertThat(blocked).extracting(a -> a.path("labels").path("route").asText())
                        .containsExactlyInAnyOrder(AppFixture.FABLE, AppFixture.HAIKU);
                for (JsonNode a : blocked) {
                    assertThat(a.path("status").path("state").asText()).isEqualTo("suppressed");
                    assertThat(a.path("status").path("inhibitedBy")).extracting(JsonNode::asText)
                            .containsExactly(outage.path("fingerprint").asText());
                    assertThat(a.path("receivers")).extracting(r -> r.path("name").asText()).containsExactly("pager");
                }
            });
            JsonNode fable = am.alerts(ROUTE_BLOCKED).findParents("labels").stream()
                    .filter(a -> a.path("labels").path("route").asText().equals(AppFixture.FABLE)).findFirst().orElseThrow();
            assertThat(fable.path("labels").path("severity").asText()).isEqualTo("critical");
            assertThat(fable.path("annotations").path("summary").asText()).startsWith(AppFixture.FABLE + " BLOCKED: ");
            assertThat(fable.path("annotations").path("runbook_url").asText()).endsWith("/docs/runbook.md#modelrouteblocked");
            assertThat(fable.path("annotations").path("description").asText()).isNotBlank();

            // What rang: the provider-wide page, and nothing per route.
            await().atMost(WAIT).untilAsserted(() ->
                    assertThat(notifications(webhook, "pager")).contains("firing ModelProviderOutage anthropic"));
            assertThat(notifications(webhook, "pager")).noneMatch(n -> n.contains(AlertFactory.ROUTE_BLOCKED));

            // 2. claude-fable-5 answers again: after the hold-down and a few probe successes it recovers,
            // only one anthropic route is down, and the app resolves the provider-wide alert.
            await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                fixture.healthyTraffic(List.of(AppFixture.FABLE), 2);
                assertThat(am.alerts(PROVIDER_OUTAGE)).as("resolved alerts are not listed").isEmpty();
            });
            assertThat(fixture.alerts()).filteredOn(a -> a.labels().get("alertname").equals(AlertFactory.PROVIDER_OUTAGE))
                    .extracting(Alert::status).as("the resolution came from the app").contains(Alert.FIRING, Alert.RESOLVED);
            await().atMost(WAIT).untilAsserted(() -> {
                JsonNode blocked = am.alerts(ROUTE_BLOCKED);
                assertThat(blocked).hasSize(2);
                assertThat(blocked).allSatisfy(a -> {
                    assertThat(a.path("status").path("state").asText()).isEqualTo("active");
                    assertThat(a.path("status").path("inhibitedBy")).isEmpty();
                });
            });
            await().atMost(WAIT).untilAsserted(() -> assertThat(notifications(webhook, "pager"))
                    .contains("resolved ModelProviderOutage anthropic", "firing ModelRouteBlocked anthropic"));
            assertThat(registry.get(DeliveryMetrics.POSTS).tag("outcome", "error").counter().count()).isZero();
            assertThat(registry.get(DeliveryMetrics.POSTS).tag("outcome", "ok").counter().count()).isPositive();
        }
    }
}
