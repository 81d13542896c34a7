package io.modelhealth.bench;

import io.modelhealth.app.ModelHealthApp;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.kafka.TopicAdmin;
import io.modelhealth.topology.AppTopics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The real monitor ({@link ModelHealthApp}: topic checks, {@code HealthTopology.build}, Kafka Streams
 * with the app's own settings, exactly-once v2) in a child JVM of the bench.
 *
 * <pre>
 *   AppProcess key=value ...      config keys as dotted flags (kafka.*, topics.*, telemetry.*, ...)
 *                                 plus bench.routes=R bench.model-prefix=P: each of the R bench routes
 *                                 gets the fallback chain [benchai/fallback-a, benchai/fallback-b]
 *                                 streams.X=V sets a Kafka Streams property over the app's own
 * </pre>
 * Prints {@code APP RUNNING} once Kafka Streams is RUNNING; stops on SIGTERM (closing cleanly).
 */
public final class AppProcess {

    public static final String RUNNING = "APP RUNNING";

    private AppProcess() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = new LinkedHashMap<>();
        Map<String, String> streams = new LinkedHashMap<>();
        int routes = 0;
        String prefix = "model";
        for (String a : args) {
            int eq = a.indexOf('=');
            String k = a.substring(0, eq);
            String v = a.substring(eq + 1);
            if (k.startsWith("streams.")) {
                streams.put(k.substring("streams.".length()), v);
            } else if (k.equals("bench.routes")) {
                routes = Integer.parseInt(v);
            } else if (k.equals("bench.model-prefix")) {
                prefix = v;
            } else {
                flags.put(k, v);
            }
        }
        AppConfig loaded = ConfigLoader.load(null, Map.of(), flags);
        Map<String, AppConfig.Route> chains = new LinkedHashMap<>();
        Calls calls = new Calls(prefix, routes, 0);
        for (int i = 0; i < routes; i++) {
            chains.put(calls.route(i), new AppConfig.Route(List.of(Calls.PROVIDER + "/fallback-a", Calls.PROVIDER + "/fallback-b")));
        }
        AppConfig c = loaded;
        AppConfig cfg = new AppConfig(c.kafka(), c.http(), c.topics(), c.telemetry(), c.classes(), c.windows(), c.detection(),
                c.anomaly(), c.reroute(), c.alerts(), chains, c.otlp(), c.scopes(), c.families(), c.limits(), c.overrides(), c.operations(), c.rocksdb()).validate();
        try (TopicAdmin admin = TopicAdmin.connect(cfg.kafka().get("bootstrap.servers"), cfg.kafka(), Duration.ofSeconds(30))) {
            admin.ensure(AppTopics.specs(cfg));
        }
        Path stateDir = Files.createTempDirectory("model-health-bench-state");
        streams.putIfAbsent("state.dir", stateDir.toString());
        ModelHealthApp app = ModelHealthApp.start(cfg, streams);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "app-stop"));
        app.awaitRunning(Duration.ofSeconds(120));
        System.out.println(RUNNING);
        System.out.flush();
        stopped.await();
    }
}
