package io.modelhealth.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.modelhealth.schemas.HealthState;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real browser: headless Chromium loads {@code /}, runs the page's script
 * against the API of an in-memory fleet, and the test reads the DOM it dumps and the screenshot
 * it takes ({@code streams-app/target/status-page.png}, kept for a human to look at).
 *
 * <p>Skipped when no Chromium is installed (Debian/Ubuntu: {@code apt-get install -y chromium});
 * set {@code CHROMIUM} to use another binary (e.g. {@code chromium-browser}, {@code google-chrome}).
 */
class StatusPageBrowserTest {

    /** A model name that is HTML: the page must show it as text, never as markup. */
    private static final String HOSTILE = "evil/<img src=x onerror=alert(1)>";
    private static final long TIMEOUT_SECONDS = 90;

    @TempDir
    static Path profile;
    private static HttpApi api;

    @BeforeAll
    static void start() throws IOException {
        InMemoryRouteQueries fleet = Fleet.duringIncident();
        fleet.put(Fleet.status(HOSTILE, HealthState.HEALTHY, null, Fleet.NOW.minusSeconds(5), "<b>bold</b>", null, null, null));
        api = new HttpApi(new InetSocketAddress("127.0.0.1", 0), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                fleet, Clock.fixed(Fleet.NOW, ZoneOffset.UTC));
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
    }

    @Test
    void blockedRouteIsShownFirstWithItsReroute() throws Exception {
        String dom = chromium("--dump-dom");

        assertThat(dom).contains("data-loaded=\"true\"");
        assertThat(attribute(tag(dom, "div", "id=\"connection\""), "data-status")).isEqualTo("ok");

        String blockedTag = tag(dom, "tr", "data-route=\"" + Fleet.BLOCKED + "\"");
        assertThat(attribute(blockedTag, "data-state")).isEqualTo("BLOCKED");
        String blocked = row(dom, Fleet.BLOCKED);
        assertThat(blocked).contains(">BLOCKED<", "→ " + Fleet.FALLBACK, ">100%<", ">2m ago<",
                "policy_block: 6 of 6 calls in 30s", ">40%<", ">812 ms<", ">40<");
        assertThat(row(dom, Fleet.UNAVAILABLE)).contains("→ " + Fleet.FALLBACK, ">50%<", ">75%<", ">2.40 s<", ">10m ago<");
        assertThat(row(dom, Fleet.RECOVERING)).contains("override: forbid reroute", ">25%<");
        assertThat(row(dom, Fleet.IDLE)).contains(">1d 2h ago<");
        assertThat(row(dom, Fleet.DEGRADED)).contains("n/a");

        // Worst first: BLOCKED (the route, then the healthy route with a BLOCKED region), UNAVAILABLE, RECOVERING,
        // DEGRADED, then HEALTHY, then IDLE.
        assertThat(rowStates(dom)).containsExactly("BLOCKED", "HEALTHY", "UNAVAILABLE", "RECOVERING", "DEGRADED", "HEALTHY",
                "HEALTHY", "IDLE");
        String scoped = row(dom, Fleet.SCOPED);
        assertThat(tag(dom, "div", "data-scope=\"region=swedencentral\"")).contains("data-scope-state=\"BLOCKED\"");
        assertThat(scoped).contains("region=swedencentral: 3 consecutive policy refusals", "→ " + Fleet.FALLBACK,
                "still calling: search @swedencentral 42/min", "gpt-5-mini");

        for (String state : List.of("BLOCKED", "UNAVAILABLE", "RECOVERING", "DEGRADED", "IDLE")) {
            assertThat(attribute(tag(dom, "span", "data-count-state=\"" + state + "\""), "data-count")).as(state).isEqualTo("1");
        }
        assertThat(attribute(tag(dom, "span", "data-count-state=\"HEALTHY\""), "data-count")).isEqualTo("3");
        assertThat(dom).contains("<title>(4 unhealthy) model-health</title>");

        // Telemetry-supplied names are text, not markup.
        assertThat(dom).doesNotContain("<img src=\"x\"", "<img src=x", "<b>bold</b>").contains("&lt;b&gt;bold&lt;/b&gt;");
    }

    @Test
    void screenshotIsReadable() throws Exception {
        Path png = Path.of("target", "status-page.png").toAbsolutePath();
        Files.createDirectories(png.getParent());
        Files.deleteIfExists(png);
        chromium("--screenshot=" + png, "--window-size=1280,800");

        assertThat(png).exists();
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1280);
        assertThat(image.getHeight()).isEqualTo(800);
        Set<Integer> colours = new HashSet<>();
        int blockedBadge = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                colours.add(rgb);
                if (rgb == 0x7e1d5f) {
                    blockedBadge++;
                }
            }
        }
        // Text and badges, not a blank or error page; and the BLOCKED colour really painted.
        assertThat(colours.size()).isGreaterThan(200);
        assertThat(blockedBadge).isGreaterThan(500);
    }

    // ---------------------------------------------------------------- chromium

    private String chromium(String... action) throws IOException, InterruptedException {
        return HeadlessChromium.run(profile, "http://127.0.0.1:" + api.port() + "/", action);
    }

    // ---------------------------------------------------------------- DOM helpers

    /** The start tag of the first {@code <name ...>} element containing {@code marker}. */
    private static String tag(String dom, String name, String marker) {
        Matcher m = Pattern.compile("<" + name + "\\b[^>]*" + Pattern.quote(marker) + "[^>]*>").matcher(dom);
        assertThat(m.find()).as("<%s %s> in the DOM:%n%s", name, marker, dom).isTrue();
        return m.group();
    }

    private static String attribute(String tag, String name) {
        Matcher m = Pattern.compile("\\b" + Pattern.quote(name) + "=\"([^\"]*)\"").matcher(tag);
        assertThat(m.find()).as("%s in %s", name, tag).isTrue();
        return m.group(1);
    }

    /** The whole {@code <tr>} of a route. */
    private static String row(String dom, String route) {
        Matcher m = Pattern.compile("<tr\\b[^>]*data-route=\"" + Pattern.quote(route) + "\"[^>]*>.*?</tr>", Pattern.DOTALL)
                .matcher(dom);
        assertThat(m.find()).as("row of %s in the DOM:%n%s", route, dom).isTrue();
        return m.group();
    }

    private static List<String> rowStates(String dom) {
        List<String> states = new ArrayList<>();
        Matcher m = Pattern.compile("<tr\\b[^>]*data-route=\"[^\"]*\"[^>]*>").matcher(dom);
        while (m.find()) {
            states.add(attribute(m.group(), "data-state"));
        }
        return states;
    }
}
