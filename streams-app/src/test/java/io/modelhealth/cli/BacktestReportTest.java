package io.modelhealth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhealth.http.HeadlessChromium;
import io.modelhealth.scenario.Scenarios;
import io.modelhealth.schemas.Json;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code backtest --report} end to end on the seed's scenario ({@code simulate --scenario demo
 * --output … --labels …}, then {@code backtest --output … --report …}): the page holds every
 * decision of the JSON-lines output, needs nothing from the network, and draws every route in a
 * real headless Chromium (skipped, as the status-page test, when no Chromium is installed).
 */
class BacktestReportTest {

    @TempDir
    static Path dir;
    private static Path report;
    private static Path output;
    private static CliRun backtest;

    @BeforeAll
    static void backtestTheSeedScenario() throws IOException {
        Path calls = dir.resolve("demo.jsonl");
        Path labels = dir.resolve("labels.json");
        // 100 calls/s over the demo's 3 minutes: every incident of the story, in about ten seconds of backtest.
        CliRun sim = CliRun.of("simulate", "--scenario", "demo", "--rate", "100", "--output", calls.toString(), "--labels",
                labels.toString());
        assertThat(sim.exit()).as(sim.err()).isZero();
        Path config = routesConfig(dir);
        output = dir.resolve("out.jsonl");
        report = dir.resolve("report.html");
        backtest = CliRun.of("backtest", "--config", config.toString(), "--input", calls.toString(), "--output", output.toString(),
                "--report", report.toString(), "--labels", labels.toString());
        assertThat(backtest.exit()).as(backtest.err()).isZero();
    }

    /** The demo's fallback chains as a config file. */
    static Path routesConfig(Path dir) throws IOException {
        StringBuilder yaml = new StringBuilder("routes:\n");
        Scenarios.byName("demo").fallbacks().forEach((route, chain) -> yaml.append("  ").append(route)
                .append(":\n    fallbacks: [").append(String.join(", ", chain)).append("]\n"));
        Path config = dir.resolve("routes.yaml");
        Files.writeString(config, yaml);
        return config;
    }

    @Test
    void theReportHoldsEveryDecisionOfTheJsonOutput() throws Exception {
        JsonNode data = embeddedData(Files.readString(report));
        JsonNode run = data.get("runs").get(0);

        // From the JSON lines, independently: every state transition and every command, with its timestamp.
        List<String> expectedDecisions = new ArrayList<>();
        List<String> expectedCommands = new ArrayList<>();
        List<String> expectedAlerts = new ArrayList<>();
        java.util.Map<String, String> lastState = new java.util.HashMap<>();
        for (JsonNode n : outputLines(output)) {
            String topic = n.get("topic").asText();
            JsonNode v = n.get("value");
            String at = n.get("timestamp").asText();
            if (topic.equals("model.health.state") && !v.get("state").equals(v.get("previous_state"))
                    && !v.get("state").asText().equals(lastState.put(v.get("route").asText(), v.get("state").asText()))) {
                expectedDecisions.add(at + " " + v.get("route").asText() + " STATE " + v.get("state").asText());
            } else if (topic.equals("model.reroute.commands") || topic.equals("model.reroute.commands.scoped")) {
                // A scoped command's key names its scope: route|region=…
                expectedDecisions.add(at + " " + n.get("key").asText() + " " + v.get("action").asText() + " "
                        + (v.hasNonNull("target") ? v.get("target").asText() : "null"));
                expectedCommands.add(at + " " + v);
            } else if (topic.equals("model.health.alerts")) {
                expectedAlerts.add(at + " " + v);
            }
        }
        List<String> pageDecisions = new ArrayList<>();
        for (JsonNode d : run.get("decisions")) {
            String detail = d.get("detail").asText();
            String shown = d.get("kind").asText().equals("STATE") ? detail : detail.substring(0, detail.lastIndexOf(' '));
            pageDecisions.add(d.get("at").asText() + " " + d.get("route").asText() + " " + d.get("kind").asText() + " " + shown);
        }
        List<String> pageCommands = new ArrayList<>();
        run.get("commands").forEach(c -> pageCommands.add(c.get("at").asText() + " " + c.get("value")));
        List<String> pageAlerts = new ArrayList<>();
        run.get("alerts").forEach(c -> pageAlerts.add(c.get("at").asText() + " " + c.get("value")));

        assertThat(expectedDecisions).hasSizeGreaterThan(5);
        assertThat(pageDecisions).containsExactlyElementsOf(expectedDecisions);
        assertThat(pageCommands).containsExactlyElementsOf(expectedCommands);
        assertThat(pageAlerts).containsExactlyElementsOf(expectedAlerts);
        // The seed's story: both withdrawn models BLOCKED and rerouted, the outage UNAVAILABLE and restored.
        assertThat(run.get("incidents")).extracting(i -> i.get("route").asText() + " " + i.get("state").asText())
                .contains("anthropic/claude-fable-5 BLOCKED", "anthropic/claude-haiku-5 BLOCKED", "google/gemini-3-pro UNAVAILABLE");
        assertThat(data.get("input").get("lines").asLong()).isEqualTo(Files.readAllLines(dir.resolve("demo.jsonl")).size());
        // The simulator's labels: every injected incident that should move traffic did, nothing else moved.
        assertThat(run.get("labels").get("missed")).isEmpty();
        assertThat(run.get("labels").get("false_reroutes")).isEmpty();
        assertThat(backtest.out()).contains("labels: 3 of 3 incidents rerouted, 0 missed, 0 false reroutes");
    }

    @Test
    void thePageNamesNoOutsideResource() throws Exception {
        String html = Files.readString(report);
        // The embedded data is JSON text, not markup (alerts carry their runbook_url there): scan the rest.
        String markup = html.replaceAll("(?s)<script type=\"application/json\" id=\"backtest-data\">.*?</script>", "");
        assertThat(markup).hasSizeLessThan(html.length()).doesNotContain("<script").doesNotContainPattern("(?i)https?://").doesNotContainPattern("(?i)(?<![-\\w])(src|href|srcset|action|formaction|poster)\\s*=")
                .doesNotContainPattern("(?i)url\\(").doesNotContainPattern("(?i)@import").doesNotContainPattern("(?i)<link\\b")
                .contains("Content-Security-Policy");
        // Telemetry-supplied text cannot close the data element early.
        String data = html.substring(html.indexOf("id=\"backtest-data\">"));
        assertThat(data.substring(0, data.indexOf("</script>"))).doesNotContain("<");
    }

    @Test
    void chromiumDrawsEveryRouteWithoutAnyNetworkRequest() throws Exception {
        Set<String> routes = new TreeSet<>();
        for (JsonNode n : outputLines(output)) {
            if (n.get("topic").asText().equals("model.health.windows")) {
                routes.add(n.get("value").get("route").asText());
            }
        }
        assertThat(routes).hasSize(6);
        try (NetworkTrap trap = new NetworkTrap()) {
            String dom = HeadlessChromium.run(dir, report.toUri().toString(), trap.flags("--dump-dom"));
            for (String route : routes) {
                Matcher svg = Pattern.compile("<svg class=\"timeline\" data-route=\"" + Pattern.quote(route) + "\".*?</svg>", Pattern.DOTALL)
                        .matcher(dom);
                assertThat(svg.find()).as("timeline of %s", route).isTrue();
                assertThat(svg.group()).as(route).contains("class=\"band\"", "class=\"calls\"", "class=\"ratio\"");
            }
            assertThat(count(dom, "<svg class=\"timeline\"")).isEqualTo(routes.size());

            Path png = Path.of("target", "backtest-report.png").toAbsolutePath();
            Files.createDirectories(png.getParent());
            Files.deleteIfExists(png);
            HeadlessChromium.run(dir, report.toUri().toString(), trap.flags("--screenshot=" + png, "--window-size=1280,2600"));
            BufferedImage image = ImageIO.read(png.toFile());
            int blocked = 0;
            int calls = 0;
            int unavailable = 0;
            Set<Integer> colours = new java.util.HashSet<>();
            for (int y = 0; y < image.getHeight(); y++) {
                for (int x = 0; x < image.getWidth(); x++) {
                    int rgb = image.getRGB(x, y) & 0xffffff;
                    colours.add(rgb);
                    blocked += rgb == 0x7e1d5f ? 1 : 0;
                    unavailable += rgb == 0xdc2626 ? 1 : 0;
                    calls += rgb == 0xd1d5db ? 1 : 0;
                }
            }
            assertThat(colours.size()).isGreaterThan(200);
            // Two BLOCKED bands across most of the width, the outage's band, and call bars under every route drawn.
            assertThat(blocked).isGreaterThan(2 * 15 * 600);
            assertThat(unavailable).isGreaterThan(15 * 200);
            assertThat(calls).isGreaterThan(routes.size() * 20_000);
            assertThat(trap.connections()).as("connections Chromium tried to open").isZero();
        }
    }

    // ---------------------------------------------------------------- helpers

    static JsonNode embeddedData(String html) throws IOException {
        Matcher m = Pattern.compile("<script type=\"application/json\" id=\"backtest-data\">(.*?)</script>", Pattern.DOTALL).matcher(html);
        assertThat(m.find()).as("embedded data").isTrue();
        return Json.mapper().readTree(m.group(1));
    }

    static List<JsonNode> outputLines(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            JsonNode n = Json.mapper().readTree(line);
            if (n.get("value") != null && !n.get("value").isNull()) {
                out.add(n);
            }
        }
        return out;
    }

    static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    /**
     * Where Chromium's network goes: every host resolves to nothing, and every request that would
     * still be made goes to this proxy, which counts connections and answers none.
     */
    private static final class NetworkTrap implements AutoCloseable {
        private final ServerSocket socket;
        private final AtomicInteger connections = new AtomicInteger();
        private final Thread thread;

        NetworkTrap() throws IOException {
            socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            thread = new Thread(() -> {
                while (!socket.isClosed()) {
                    try (Socket s = socket.accept()) {
                        connections.incrementAndGet();
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "network-trap");
            thread.setDaemon(true);
            thread.start();
        }

        String[] flags(String... action) {
            List<String> f = new ArrayList<>(List.of("--proxy-server=http://127.0.0.1:" + socket.getLocalPort(),
                    "--proxy-bypass-list=<-loopback>", "--host-resolver-rules=MAP * ~NOTFOUND"));
            f.addAll(List.of(action));
            return f.toArray(String[]::new);
        }

        int connections() {
            return connections.get();
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
