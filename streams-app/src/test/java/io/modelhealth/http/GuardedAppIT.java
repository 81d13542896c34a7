package io.modelhealth.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.app.ModelHealthApp;
import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.kafka.KafkaBrokerExtension;
import io.modelhealth.kafka.TopicAdmin;
import io.modelhealth.topology.AppTopics;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The running app takes its HTTP guards from the config as an operator sets them: {@code http.host}
 * as a flag, the token from the environment ({@code MODEL_HEALTH_HTTP_AUTH_TOKEN}, as the StatefulSet
 * passes it from its Secret). The probes answer without the token; the API does not.
 */
class GuardedAppIT {

    @RegisterExtension
    static final KafkaBrokerExtension kafka = new KafkaBrokerExtension();
    private static final String TOKEN = "guarded-app-token";

    @TempDir
    Path tmp;

    @Test
    void theAppListensWhereConfiguredAndWantsTheToken() throws Exception {
        String prefix = kafka.uniqueTopicName("guarded");
        Map<String, String> flags = new HashMap<>();
        flags.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        flags.put("kafka.application.id", prefix);
        flags.put("http.port", "0");
        flags.put("http.host", "127.0.0.1");
        for (String t : List.of("calls", "dead-letters", "windows", "anomalies", "state", "alerts", "reroutes", "overrides")) {
            flags.put("topics." + t, prefix + "." + t);
        }
        flags.put("topics.partitions", "1");
        flags.put("topics.replication-factor", Short.toString(kafka.replicationFactor()));
        AppConfig config = ConfigLoader.load(null, Map.of("MODEL_HEALTH_HTTP_AUTH_TOKEN", TOKEN), flags);
        assertThat(config.http().authToken()).isEqualTo(TOKEN);
        try (TopicAdmin admin = TopicAdmin.connect(kafka.bootstrapServers(), kafka.clientProperties(), Duration.ofSeconds(30))) {
            admin.ensure(AppTopics.specs(config.topics()));
        }

        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (ModelHealthApp app = ModelHealthApp.start(config, Map.of("state.dir", tmp.resolve("state").toString()))) {
            app.awaitRunning(Duration.ofSeconds(60));
            String base = "http://127.0.0.1:" + app.httpPort();
            assertThat(status(client, base + "/healthz", null)).isEqualTo(200);
            assertThat(status(client, base + "/readyz", null)).isEqualTo(200);
            assertThat(status(client, base + "/metrics", null)).isEqualTo(200);
            assertThat(status(client, base + "/api/routes", null)).isEqualTo(401);
            assertThat(status(client, base + "/", null)).isEqualTo(401);
            assertThat(status(client, base + "/api/routes", "Bearer " + TOKEN)).isEqualTo(200);
            assertThat(status(client, base + "/internal/windows", "Bearer " + TOKEN)).isEqualTo(200);

            // Bound to loopback only: another address of this host, when it has one, does not answer.
            Optional<InetAddress> other = HttpGuardsTest.otherLocalAddress();
            if (other.isPresent()) {
                try (Socket s = new Socket()) {
                    assertThat(HttpGuardsTest.connects(s, new InetSocketAddress(other.get(), app.httpPort()))).isFalse();
                }
            }
        }
    }

    private static int status(HttpClient client, String uri, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
