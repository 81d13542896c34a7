package io.modelhealth.alerts.sink;

import io.modelhealth.config.AppConfig;
import java.time.Duration;
import java.util.Map;

/** App configs for the sink's tests. */
final class SinkConfigs {

    private SinkConfigs() {
    }

    /** {@code base} with other Kafka properties, alerts topic, Alertmanager URL and resend interval. */
    static AppConfig with(AppConfig base, Map<String, String> kafka, String alertsTopic, String alertmanagerUrl,
                          Duration resendInterval) {
        AppConfig.Topics t = base.topics();
        AppConfig.Alerts a = base.alerts();
        return new AppConfig(kafka, base.http(),
                new AppConfig.Topics(t.calls(), t.deadLetters(), t.windows(), t.anomalies(), t.state(), alertsTopic,
                        t.reroutes(), t.overrides(), t.partitions(), t.replicationFactor()),
                base.telemetry(), base.classes(), base.windows(), base.detection(), base.anomaly(), base.reroute(),
                new AppConfig.Alerts(a.runbookBaseUrl(), a.statusPageUrl(), a.providerShare(), a.providerMinRoutes(),
                        alertmanagerUrl, resendInterval),
                base.routes(), base.otlp(), base.scopes(), base.families(), base.limits(), base.overrides(), base.operations(), base.rocksdb()).validate();
    }

    /** {@code base} with another Alertmanager URL (null: none). */
    static AppConfig withAlertmanager(AppConfig base, String alertmanagerUrl) {
        return with(base, base.kafka(), base.topics().alerts(), alertmanagerUrl, base.alerts().resendInterval());
    }
}
