package io.modelhealth.backtest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.Json;
import io.modelhealth.schemas.OutcomeClass;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code backtest --report FILE}: one self-contained HTML page (inline CSS and SVG drawn here, no
 * script to run, no external resource) that shows what one run — or two, with {@code --compare} —
 * decided: per route a timeline of calls and error ratio by class (from the
 * {@code model.health.window.v1} records), state bands, reroute / restore markers and alerts; a
 * table of incidents; the decisions only one config made; the config versions and the input range.
 *
 * <p>Every decision, command, alert and incident is also embedded as JSON in
 * {@code <script type="application/json" id="backtest-data">} (shape in docs/design.md,
 * "Backtest report"), for tools and tests. The page depends only on the runs: the same input and
 * configs give the same bytes (no generation time; the input range says what it covers).
 */
public final class ReportPage {

    private static final ObjectMapper JSON = Json.mapper();
    private static final Map<HealthState, String> STATE_COLOURS = Map.of(
            HealthState.HEALTHY, "#15803d", HealthState.DEGRADED, "#d97706", HealthState.UNAVAILABLE, "#dc2626",
            HealthState.BLOCKED, "#7e1d5f", HealthState.RECOVERING, "#2563eb", HealthState.IDLE, "#9ca3af");
    /** The classes drawn as error-ratio lines, with their colours. */
    private static final List<Map.Entry<OutcomeClass, String>> CLASS_COLOURS = List.of(
            Map.entry(OutcomeClass.AVAILABILITY, "#dc2626"), Map.entry(OutcomeClass.RATE_LIMIT, "#ea580c"),
            Map.entry(OutcomeClass.POLICY_BLOCK, "#a21caf"), Map.entry(OutcomeClass.CONTENT_FILTER, "#0d9488"),
            Map.entry(OutcomeClass.CLIENT, "#4f46e5"));

    private static final int WIDTH = 1180;
    private static final int LEFT = 120;
    private static final int RIGHT = 50;
    private static final int BAND = 18;
    private static final int CHART = 130;

    private final Recording a;
    private final Comparison comparison;
    private final Labels labels;
    private final String inputName;
    private final Instant from;
    private final Instant to;

    /** A page for one run ({@code comparison} null) or for a comparison (its run A is {@code a}). */
    public ReportPage(String inputName, Recording a, Comparison comparison, Labels labels) {
        this.inputName = inputName;
        this.a = a;
        this.comparison = comparison;
        this.labels = labels;
        Instant f = a.inputFrom();
        Instant t = a.inputTo();
        this.from = f == null ? Instant.EPOCH : f;
        this.to = t == null || !t.isAfter(this.from) ? this.from.plusSeconds(1) : t;
    }

    private List<Recording> runs() {
        return comparison == null ? List.of(a) : List.of(a, comparison.b());
    }

    public String html() {
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n")
                .append("<title>backtest report: ").append(esc(inputName)).append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        header(h);
        if (comparison != null) {
            differences(h);
        }
        incidents(h);
        h.append("<h2>Routes</h2>\n");
        List<String> routes = routes();
        for (String route : routes) {
            route(h, route);
        }
        provider(h);
        h.append("<script type=\"application/json\" id=\"backtest-data\">").append(data()).append("</script>\n</body>\n</html>\n");
        return h.toString();
    }

    private List<String> routes() {
        java.util.TreeSet<String> all = new java.util.TreeSet<>();
        runs().forEach(r -> all.addAll(r.routes()));
        return List.copyOf(all);
    }

    // ------------------------------------------------------------------ sections

    private void header(StringBuilder h) {
        h.append("<header>\n<h1>Backtest report</h1>\n<dl>\n");
        dt(h, "input", inputName + " — " + a.summary().inputLines() + " lines, " + a.summary().deadLetters() + " dead-lettered");
        dt(h, "range", from + " – " + to + " (" + Times.seconds(Duration.between(from, to)) + " of event time)");
        for (Recording r : runs()) {
            dt(h, "config " + r.name(), "version " + r.configVersion() + " — " + r.decisions().size() + " decisions, "
                    + r.summary().reroutes() + " REROUTE, " + r.summary().restores() + " RESTORE, " + r.summary().alertsFiring() + " alerts fired");
        }
        if (labels != null) {
            for (Recording r : runs()) {
                Labels.Score s = labels.score(r, tolerance());
                dt(h, "labels " + r.name(), s.caught() + " of " + s.expected() + " labelled incidents rerouted, "
                        + s.missed().size() + " missed, " + s.falseReroutes().size() + " false reroutes");
            }
        }
        h.append("</dl>\n<p class=\"legend\">");
        for (HealthState s : HealthState.values()) {
            h.append("<span class=\"sw\" style=\"background:").append(STATE_COLOURS.get(s)).append("\"></span>").append(s).append(' ');
        }
        h.append(" · error ratio: ");
        for (var c : CLASS_COLOURS) {
            h.append("<span class=\"ln\" style=\"background:").append(c.getValue()).append("\"></span>").append(c.getKey().wireName()).append(' ');
        }
        h.append(" · <span class=\"sw\" style=\"background:#d1d5db\"></span>calls · ▼ REROUTE · ▲ RESTORE · ◆ alert</p>\n</header>\n");
    }

    private Duration tolerance() {
        return comparison == null ? Duration.ofSeconds(1) : comparison.tolerance();
    }

    private void differences(StringBuilder h) {
        h.append("<section id=\"differences\">\n<h2>What differs</h2>\n<p>Decisions matched by route, kind and state or target "
                + "within ").append(Times.seconds(comparison.tolerance())).append(" of event time: ").append(comparison.onlyA().size())
                .append(" only in A, ").append(comparison.onlyB().size()).append(" only in B.</p>\n");
        h.append("<table class=\"decisions\" id=\"only-decisions\">\n<tr><th>config</th><th>at</th><th>route</th><th>decision</th><th></th><th>reason</th></tr>\n");
        for (var side : List.of(Map.entry("A", comparison.onlyA()), Map.entry("B", comparison.onlyB()))) {
            for (Decision d : side.getValue()) {
                h.append("<tr data-only=\"").append(side.getKey()).append("\"><td>").append(side.getKey()).append("</td>");
                decisionCells(h, d);
                h.append("</tr>\n");
            }
        }
        if (comparison.onlyA().isEmpty() && comparison.onlyB().isEmpty()) {
            h.append("<tr><td colspan=\"6\" class=\"none\">both configs made the same decisions</td></tr>\n");
        }
        h.append("</table>\n<h3>Incidents side by side</h3>\n<table id=\"incident-pairs\">\n<tr><th>route</th>"
                + "<th>A detected</th><th>A time to detect</th><th>A rerouted for</th><th>A restored</th>"
                + "<th>B detected</th><th>B time to detect</th><th>B rerouted for</th><th>B restored</th></tr>\n");
        for (Comparison.Pair p : comparison.incidents()) {
            h.append("<tr><td>").append(esc(p.route())).append("</td>");
            pairCells(h, p.a(), a.inputTo());
            pairCells(h, p.b(), comparison.b().inputTo());
            h.append("</tr>\n");
        }
        h.append("</table>\n");
        if (labels != null) {
            h.append("<h3>Against the labels</h3>\n<table id=\"label-scores\">\n<tr><th>config</th><th>false reroutes</th><th>missed incidents</th></tr>\n");
            for (Recording r : runs()) {
                Labels.Score s = labels.score(r, tolerance());
                h.append("<tr><td>").append(r.name()).append("</td><td>").append(s.falseReroutes().isEmpty() ? "none" : "");
                for (Recording.TimedCommand c : s.falseReroutes()) {
                    h.append(esc(Times.offset(c.at(), from) + " " + c.command().route() + " → " + c.command().target())).append("<br>");
                }
                h.append("</td><td>").append(s.missed().isEmpty() ? "none" : "");
                for (Labels.Labelled l : s.missed()) {
                    h.append(esc(l.route() + " " + Times.offset(l.from(), from) + (l.label() == null ? "" : " (" + l.label() + ")"))).append("<br>");
                }
                h.append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
        h.append("</section>\n");
    }

    private void pairCells(StringBuilder h, RouteIncident i, Instant inputEnd) {
        if (i == null) {
            h.append("<td colspan=\"4\" class=\"none\">no incident</td>");
            return;
        }
        Duration rerouted = i.timeRerouted(inputEnd);
        h.append("<td>").append(Times.offset(i.detectedAt(), from)).append(' ').append(i.state()).append("</td><td>")
                .append(Times.seconds(i.timeToDetect())).append("</td><td>").append(rerouted == null ? "not rerouted" : Times.seconds(rerouted))
                .append("</td><td>").append(i.restoredAt() == null ? "—" : Times.offset(i.restoredAt(), from)).append("</td>");
    }

    private void incidents(StringBuilder h) {
        h.append("<section id=\"incidents\">\n<h2>Incidents</h2>\n<table>\n<tr>");
        if (comparison != null) {
            h.append("<th>config</th>");
        }
        h.append("<th>route</th><th>state</th><th>reason</th><th>first error</th><th>detected</th><th>time to detect</th>"
                + "<th>rerouted</th><th>to</th><th>time rerouted</th><th>restored</th><th>healthy</th></tr>\n");
        for (Recording r : runs()) {
            for (RouteIncident i : r.incidents()) {
                h.append("<tr class=\"incident\">");
                if (comparison != null) {
                    h.append("<td>").append(r.name()).append("</td>");
                }
                Duration rerouted = i.timeRerouted(r.inputTo());
                h.append("<td>").append(esc(i.route())).append("</td><td><span class=\"badge\" style=\"background:")
                        .append(STATE_COLOURS.get(i.state())).append("\">").append(i.state()).append("</span></td><td>")
                        .append(esc(i.reason())).append("</td><td>").append(Times.offset(i.firstError(), from)).append("</td><td>")
                        .append(Times.offset(i.detectedAt(), from)).append("</td><td>").append(Times.seconds(i.timeToDetect()))
                        .append("</td><td>").append(Times.offset(i.reroutedAt(), from)).append("</td><td>")
                        .append(i.target() == null ? "—" : esc(i.target())).append("</td><td>")
                        .append(rerouted == null ? "—" : Times.seconds(rerouted)).append("</td><td>")
                        .append(Times.offset(i.restoredAt(), from)).append("</td><td>").append(Times.offset(i.endedAt(), from)).append("</td></tr>\n");
            }
        }
        h.append("</table>\n</section>\n");
    }

    private void route(StringBuilder h, String route) {
        h.append("<section class=\"route\" data-route=\"").append(esc(route)).append("\">\n<h3>").append(esc(route)).append("</h3>\n");
        svg(h, route);
        h.append("<details><summary>decisions</summary>\n<table class=\"decisions\">\n<tr>");
        if (comparison != null) {
            h.append("<th>config</th>");
        }
        h.append("<th>at</th><th>route</th><th>decision</th><th></th><th>reason</th></tr>\n");
        for (Recording r : runs()) {
            for (Decision d : r.decisions(route)) {
                h.append("<tr>");
                if (comparison != null) {
                    h.append("<td>").append(r.name()).append("</td>");
                }
                decisionCells(h, d);
                h.append("</tr>\n");
            }
        }
        h.append("</table>\n</details>\n</section>\n");
    }

    private void decisionCells(StringBuilder h, Decision d) {
        h.append("<td>").append(Times.offset(d.at(), from)).append("</td><td>").append(esc(d.route())).append("</td><td>")
                .append(d.kind()).append("</td><td>").append(esc(d.detail())).append("</td><td>")
                .append(esc(d.reason() == null ? "" : d.reason())).append("</td>");
    }

    /** Alerts without a route label (provider-wide), listed once. */
    private void provider(StringBuilder h) {
        h.append("<section id=\"alerts\">\n<h2>Alerts</h2>\n<table>\n<tr>");
        if (comparison != null) {
            h.append("<th>config</th>");
        }
        h.append("<th>at</th><th>status</th><th>alert</th><th>severity</th><th>summary</th></tr>\n");
        for (Recording r : runs()) {
            for (Recording.TimedAlert t : r.alerts()) {
                h.append("<tr>");
                if (comparison != null) {
                    h.append("<td>").append(r.name()).append("</td>");
                }
                var l = t.alert().labels();
                h.append("<td>").append(Times.offset(t.at(), from)).append("</td><td>").append(esc(t.alert().status())).append("</td><td>")
                        .append(esc(l.get("alertname"))).append("</td><td>").append(esc(l.get("severity"))).append("</td><td>")
                        .append(esc(t.alert().annotations().get("summary"))).append("</td></tr>\n");
            }
        }
        h.append("</table>\n</section>\n");
    }

    // ------------------------------------------------------------------ the timeline

    private double x(Instant t) {
        double span = to.toEpochMilli() - from.toEpochMilli();
        double f = (t.toEpochMilli() - from.toEpochMilli()) / span;
        return LEFT + Math.max(0, Math.min(1, f)) * (WIDTH - LEFT - RIGHT);
    }

    private void svg(StringBuilder h, String route) {
        List<Recording> runs = runs();
        int bandsTop = 22;
        int chartTop = bandsTop + runs.size() * (BAND + 4) + 8;
        int height = chartTop + CHART + 24;
        h.append(String.format(Locale.ROOT, "<svg class=\"timeline\" data-route=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "role=\"img\">\n", esc(route), WIDTH, height, WIDTH, height));
        // Calls and error ratio by class, from the windows of run A (the traffic is the same input in both runs).
        List<HealthWindow> ws = a.windows(route);
        long maxCalls = Math.max(1, ws.stream().mapToLong(HealthWindow::calls).max().orElse(1));
        rect(h, LEFT, chartTop, WIDTH - LEFT - RIGHT, CHART, "#f9fafb", null, "chart");
        for (HealthWindow w : ws) {
            double x0 = x(w.windowStart());
            double x1 = Math.max(x0 + 0.8, x(w.windowEnd()) - 0.4);
            double hgt = CHART * (double) w.calls() / maxCalls;
            rect(h, x0, chartTop + CHART - hgt, x1 - x0, hgt, "#d1d5db",
                    w.windowStart() + ": " + w.calls() + " calls" + byClass(w), "calls");
        }
        for (var c : CLASS_COLOURS) {
            StringBuilder points = new StringBuilder();
            boolean any = false;
            for (HealthWindow w : ws) {
                long n = w.byClass() == null ? 0 : w.byClass().getOrDefault(c.getKey(), 0L);
                any |= n > 0;
                double ratio = w.calls() == 0 ? 0 : (double) n / w.calls();
                double mid = (x(w.windowStart()) + x(w.windowEnd())) / 2;
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", mid, chartTop + CHART - ratio * CHART));
            }
            if (any) {
                h.append("<polyline class=\"ratio\" data-class=\"").append(c.getKey().wireName()).append("\" fill=\"none\" stroke=\"")
                        .append(c.getValue()).append("\" stroke-width=\"2\" points=\"").append(points.toString().trim()).append("\"/>\n");
            }
        }
        text(h, LEFT - 6, chartTop + 10, "end", maxCalls + " calls/10s");
        text(h, WIDTH - RIGHT + 4, chartTop + 10, "start", "100%");
        text(h, WIDTH - RIGHT + 4, chartTop + CHART, "start", "0%");
        // State bands, one row per run.
        for (int i = 0; i < runs.size(); i++) {
            Recording r = runs.get(i);
            int y = bandsTop + i * (BAND + 4);
            text(h, LEFT - 6, y + 13, "end", runs.size() > 1 ? "states " + r.name() : "states");
            bands(h, r, route, y);
            markers(h, r, route, y, chartTop, i);
        }
        // Time axis.
        long spanS = Math.max(1, Duration.between(from, to).toSeconds());
        long step = niceStep(spanS);
        for (long s = 0; s <= spanS; s += step) {
            double xx = x(from.plusSeconds(s));
            h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#9ca3af\"/>\n", xx, chartTop + CHART,
                    xx, chartTop + CHART + 4));
            text(h, xx, chartTop + CHART + 16, "middle", Times.offset(from.plusSeconds(s), from).replaceAll("\\.\\d$", ""));
        }
        h.append("</svg>\n");
    }

    private void bands(StringBuilder h, Recording r, String route, int y) {
        List<Decision> states = r.decisions(route).stream().filter(d -> d.kind().equals(Decision.STATE)).toList();
        for (int i = 0; i < states.size(); i++) {
            Decision d = states.get(i);
            Instant end = i + 1 < states.size() ? states.get(i + 1).at() : to;
            double x0 = x(d.at());
            double x1 = x(end);
            HealthState s = HealthState.valueOf(d.detail());
            h.append(String.format(Locale.ROOT, "<rect class=\"band\" data-state=\"%s\" data-run=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
                    + "<title>%s</title></rect>\n", s, r.name(), x0, y, Math.max(1.0, x1 - x0), BAND, STATE_COLOURS.get(s),
                    esc(Times.offset(d.at(), from) + " " + s + ": " + (d.reason() == null ? "" : d.reason()))));
            if (x1 - x0 > 70) {
                h.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" class=\"bandlabel\">%s</text>\n", x0 + 4, y + 13, s));
            }
        }
    }

    private void markers(StringBuilder h, Recording r, String route, int bandY, int chartTop, int runIndex) {
        String colour = runIndex == 0 ? "#111827" : "#0369a1";
        int labelRow = 0;
        for (Recording.TimedCommand c : r.commands(route)) {
            double xx = x(c.at());
            boolean reroute = c.command().action().name().equals("REROUTE");
            String label = String.format(Locale.ROOT, "%s %s%s → %s %.0f%% (%s)", Times.offset(c.at(), from),
                    runs().size() > 1 ? r.name() + " " : "", c.command().action(), c.command().target(), c.command().weight() * 100,
                    c.command().reason());
            h.append(String.format(Locale.ROOT, "<g class=\"marker\" data-action=\"%s\" data-run=\"%s\"><title>%s</title>"
                    + "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-dasharray=\"%s\"/>", c.command().action(), r.name(),
                    esc(label), xx, bandY, xx, chartTop + CHART, colour, reroute ? "none" : "4 3"));
            double ty = chartTop + 12 + (labelRow % 4) * 12 + runIndex * 48;
            h.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" class=\"mark\" fill=\"%s\">%s %s</text></g>\n", xx + 3, ty, colour,
                    reroute ? "▼" : "▲", esc(shortTarget(c.command().target()) + " " + Math.round(c.command().weight() * 100) + "%")));
            labelRow++;
        }
        for (Recording.TimedAlert t : r.alerts(route)) {
            double xx = x(t.at());
            String fill = t.alert().isFiring() ? "#b91c1c" : "#15803d";
            h.append(String.format(Locale.ROOT, "<path class=\"alert\" data-status=\"%s\" d=\"M%.1f %d l5 5 l-5 5 l-5 -5 z\" fill=\"%s\" stroke=\"#fff\">"
                    + "<title>%s</title></path>\n", esc(t.alert().status()), xx, bandY + BAND - 6, fill,
                    esc(Times.offset(t.at(), from) + " " + t.alert().status() + " " + t.alert().labels().get("alertname") + ": "
                            + t.alert().annotations().get("summary"))));
        }
    }

    private static String shortTarget(String target) {
        return target == null ? "—" : target.substring(target.indexOf('/') + 1);
    }

    private static String byClass(HealthWindow w) {
        if (w.byClass() == null) {
            return "";
        }
        StringBuilder s = new StringBuilder();
        w.byClass().forEach((c, n) -> {
            if (n > 0 && c != OutcomeClass.SUCCESS) {
                s.append(", ").append(c.wireName()).append(' ').append(n);
            }
        });
        return s.toString();
    }

    private static long niceStep(long spanSeconds) {
        for (long s : new long[] {10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400}) {
            if (spanSeconds / s <= 12) {
                return s;
            }
        }
        return 86400 * Math.max(1, spanSeconds / 86400 / 12);
    }

    private static void rect(StringBuilder h, double x, double y, double w, double hgt, String fill, String title, String cls) {
        h.append(String.format(Locale.ROOT, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">", cls, x, y, w,
                hgt, fill));
        if (title != null) {
            h.append("<title>").append(esc(title)).append("</title>");
        }
        h.append("</rect>\n");
    }

    private static void text(StringBuilder h, double x, double y, String anchor, String s) {
        h.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"axis\">%s</text>\n", x, y, anchor, esc(s)));
    }

    private static void dt(StringBuilder h, String term, String value) {
        h.append("<dt>").append(esc(term)).append("</dt><dd>").append(esc(value)).append("</dd>\n");
    }

    // ------------------------------------------------------------------ data

    /** The embedded JSON; {@code <} is written as {@code \u003c} so no value can end the script element. */
    String data() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode input = root.putObject("input");
        input.put("name", inputName);
        input.put("from", from.toString());
        input.put("to", to.toString());
        input.put("lines", a.summary().inputLines());
        input.put("dead_letters", a.summary().deadLetters());
        ArrayNode runs = root.putArray("runs");
        for (Recording r : runs()) {
            ObjectNode run = runs.addObject();
            run.put("name", r.name());
            run.put("config_version", r.configVersion());
            run.set("decisions", JSON.valueToTree(r.decisions()));
            ArrayNode commands = run.putArray("commands");
            for (Recording.TimedCommand c : r.commands()) {
                commands.addObject().put("at", c.at().toString()).set("value", JSON.valueToTree(c.command()));
            }
            ArrayNode alerts = run.putArray("alerts");
            for (Recording.TimedAlert t : r.alerts()) {
                alerts.addObject().put("at", t.at().toString()).set("value", JSON.valueToTree(t.alert()));
            }
            run.set("incidents", JSON.valueToTree(r.incidents()));
            if (labels != null) {
                run.set("labels", JSON.valueToTree(labels.score(r, tolerance())));
            }
        }
        if (comparison != null) {
            ObjectNode c = root.putObject("comparison");
            c.put("tolerance_ms", comparison.tolerance().toMillis());
            c.set("only_a", JSON.valueToTree(comparison.onlyA()));
            c.set("only_b", JSON.valueToTree(comparison.onlyB()));
        }
        try {
            return JSON.writeValueAsString(root).replace("<", "\\u003c");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the report's data", e);
        }
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static final String CSS = """
            body { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111827; background: #f4f5f7; margin: 0; padding: 16px 24px; }
            h1 { font-size: 20px; margin: 0 0 8px; } h2 { font-size: 16px; margin: 20px 0 8px; } h3 { font-size: 14px; margin: 12px 0 4px; }
            header, section { background: #fff; border: 1px solid #e5e7eb; border-radius: 6px; padding: 10px 14px; margin-bottom: 12px; }
            dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0 0 6px; } dt { color: #6b7280; } dd { margin: 0; }
            table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
            th { color: #6b7280; font-weight: 600; } td.none { color: #9ca3af; }
            .badge { color: #fff; border-radius: 3px; padding: 1px 6px; font-size: 11px; font-weight: 600; }
            .sw, .ln { display: inline-block; width: 12px; height: 12px; margin: 0 3px 0 8px; vertical-align: -2px; border-radius: 2px; }
            .ln { height: 3px; vertical-align: 3px; }
            svg.timeline { display: block; max-width: 100%; height: auto; }
            svg text { font: 11px system-ui, sans-serif; } svg text.axis { fill: #6b7280; } svg text.bandlabel { fill: #fff; font-weight: 600; }
            svg text.mark { font-weight: 600; }
            details summary { cursor: pointer; color: #374151; margin-top: 4px; }
            """;
}
