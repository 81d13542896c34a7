package io.modelhealth.testing;

import io.modelhealth.config.AppConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Configs for tests: the defaults, with fallback chains. */
public final class TestConfigs {

    private TestConfigs() {
    }

    /** Defaults plus the given fallback chains, e.g. {@code "a/x", List.of("b/y")}. */
    public static AppConfig withFallbacks(Map<String, List<String>> chains) {
        AppConfig d = AppConfig.defaults();
        Map<String, AppConfig.Route> routes = new LinkedHashMap<>();
        chains.forEach((route, chain) -> routes.put(route, new AppConfig.Route(chain)));
        return new AppConfig(d.kafka(), d.http(), d.topics(), d.telemetry(), d.classes(), d.windows(), d.detection(),
                d.anomaly(), d.reroute(), d.alerts(), routes, d.otlp(), d.scopes(), d.families(), d.limits(), d.overrides(), d.operations(), d.rocksdb()).validate();
    }

    /** {@code c} with another lateness bound ({@code windows.grace}) and in-partition disorder allowance. */
    public static AppConfig withWindows(AppConfig c, java.time.Duration grace, java.time.Duration outOfOrder) {
        AppConfig.Windows w = c.windows();
        return new AppConfig(c.kafka(), c.http(), c.topics(), c.telemetry(), c.classes(),
                new AppConfig.Windows(w.bucket(), grace, w.punctuateInterval(), outOfOrder, w.idlePartitionAfter(),
                        w.watermarkInterval()),
                c.detection(), c.anomaly(), c.reroute(), c.alerts(), c.routes(), c.otlp(), c.scopes(), c.families(), c.limits(), c.overrides(), c.operations(), c.rocksdb()).validate();
    }

    /** {@code c} with other scope settings and model families. */
    public static AppConfig withScopes(AppConfig c, AppConfig.Scopes scopes, Map<String, List<String>> families) {
        return new AppConfig(c.kafka(), c.http(), c.topics(), c.telemetry(), c.classes(), c.windows(), c.detection(),
                c.anomaly(), c.reroute(), c.alerts(), c.routes(), c.otlp(), scopes, families, c.limits(), c.overrides(), c.operations(), c.rocksdb()).validate();
    }
}
