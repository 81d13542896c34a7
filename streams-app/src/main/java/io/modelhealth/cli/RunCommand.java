package io.modelhealth.cli;

import io.modelhealth.app.ModelHealthApp;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code run}: the monitor against any cluster, until stopped. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the monitor against a Kafka cluster (topics must exist: see `topics`).")
final class RunCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]", description = "Kafka bootstrap servers (kafka.bootstrap.servers).")
    String bootstrapServers;

    @Option(names = "--http-port", paramLabel = "PORT", description = "HTTP port for /metrics, the API and the status page (http.port).")
    Integer httpPort;

    @Option(names = "--alertmanager-url", paramLabel = "URL", description = "Post alerts to this Alertmanager (alerts.alertmanager-url).")
    String alertmanagerUrl;

    @Override
    public Integer call() throws Exception {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("kafka.bootstrap.servers", bootstrapServers);
        flags.put("http.port", httpPort == null ? null : httpPort.toString());
        flags.put("alerts.alertmanager-url", alertmanagerUrl);
        AppConfig cfg = config.load(flags);
        System.out.println("model-health config " + ConfigLoader.configVersion(cfg) + ":");
        System.out.println(ConfigLoader.toYaml(cfg).indent(2));
        CountDownLatch stopped = new CountDownLatch(1);
        ModelHealthApp app = ModelHealthApp.start(cfg, Map.of());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "model-health-shutdown"));
        System.out.println("model-health running: http://localhost:" + app.httpPort() + "/ (Ctrl-C to stop)");
        stopped.await();
        return 0;
    }

}
