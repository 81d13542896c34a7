package io.modelhealth.backtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.modelhealth.config.ConfigException;
import io.modelhealth.schemas.RerouteAction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * What really happened in the input: the labelled incidents of {@code backtest --labels FILE}
 * (JSON or YAML, shape in docs/design.md, "Backtest labels"), against which a run's reroutes are
 * scored. {@code simulate --output … --labels …} writes them for the incidents it injects.
 *
 * <pre>
 * {"incidents": [{"route": "google/gemini-3-pro", "from": "2026-11-27T03:00:40Z", "to": "2026-11-27T03:01:40Z",
 *                 "kind": "availability", "reroute": true, "label": "gemini-3-pro outage"}]}
 * </pre>
 *
 * A REROUTE command of a route at a time no labelled incident of that route covers (from ≤ t ≤
 * to + tolerance; no {@code to}: to the end) is a <b>false reroute</b>, as is one inside an
 * incident labelled {@code reroute: false} (a client-error storm must move nothing). A labelled
 * incident with {@code reroute: true} (the default) and no REROUTE of its route in that span is
 * <b>missed</b>.
 */
public record Labels(List<Labelled> incidents) {

    /** One labelled incident. {@code to} null: it never ends within the input. */
    public record Labelled(String route, Instant from, Instant to, String kind, boolean reroute, String label) {

        boolean covers(Instant t, Duration tolerance) {
            return !t.isBefore(from) && (to == null || !t.isAfter(to.plus(tolerance)));
        }
    }

    /** How a run did against the labels. */
    public record Score(List<Recording.TimedCommand> falseReroutes, List<Labelled> missed, int expected, int caught) {
    }

    private static final Set<String> FIELDS = Set.of("route", "from", "to", "kind", "reroute", "label");
    private static final ObjectMapper YAML = new YAMLMapper();

    public Labels {
        incidents = List.copyOf(incidents);
    }

    /** Reads a labels file; a bad entry fails naming the file, the entry and the field. */
    public static Labels read(Path file) {
        JsonNode root;
        try {
            // YAML is a superset of JSON: one reader for both.
            root = YAML.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException("labels file " + file, "cannot read it: " + e.getMessage());
        }
        JsonNode list = root == null ? null : root.get("incidents");
        if (list == null || !list.isArray()) {
            throw new ConfigException("labels file " + file, "needs a list under 'incidents'");
        }
        List<Labelled> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(entry(file, "incidents[" + i + "]", list.get(i)));
        }
        return new Labels(out);
    }

    private static Labelled entry(Path file, String where, JsonNode n) {
        String at = "labels file " + file + ": " + where;
        if (!n.isObject()) {
            throw new ConfigException(at, "must be an object with route, from and optionally to, kind, reroute, label");
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new ConfigException(at + "." + f, "unknown field; allowed: route, from, to, kind, reroute, label");
            }
        }
        JsonNode route = n.get("route");
        if (route == null || !route.isTextual() || !route.asText().contains("/")) {
            throw new ConfigException(at + ".route", "required, a route id provider/model");
        }
        Instant from = instant(at + ".from", n.get("from"), true);
        Instant to = instant(at + ".to", n.get("to"), false);
        if (to != null && to.isBefore(from)) {
            throw new ConfigException(at + ".to", "must not be before from");
        }
        JsonNode reroute = n.get("reroute");
        if (reroute != null && !reroute.isBoolean()) {
            throw new ConfigException(at + ".reroute", "must be true or false");
        }
        return new Labelled(route.asText(), from, to, text(n.get("kind")), reroute == null || reroute.asBoolean(),
                text(n.get("label")));
    }

    private static Instant instant(String where, JsonNode n, boolean required) {
        if (n == null || n.isNull()) {
            if (required) {
                throw new ConfigException(where, "required, an RFC 3339 UTC time like 2026-11-27T03:00:20Z");
            }
            return null;
        }
        try {
            return Instant.parse(n.asText());
        } catch (DateTimeParseException e) {
            throw new ConfigException(where, "'" + n.asText() + "' is not an RFC 3339 UTC time like 2026-11-27T03:00:20Z");
        }
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    /** Scores a run's REROUTE commands against the labels. */
    public Score score(Recording run, Duration tolerance) {
        List<Recording.TimedCommand> falseReroutes = new ArrayList<>();
        boolean[] caught = new boolean[incidents.size()];
        for (Recording.TimedCommand c : run.commands()) {
            if (c.command().action() != RerouteAction.REROUTE) {
                continue;
            }
            boolean expected = false;
            for (int i = 0; i < incidents.size(); i++) {
                Labelled l = incidents.get(i);
                if (l.route().equals(c.command().route()) && l.covers(c.at(), tolerance)) {
                    if (l.reroute()) {
                        expected = true;
                        caught[i] = true;
                    }
                }
            }
            if (!expected) {
                falseReroutes.add(c);
            }
        }
        List<Labelled> missed = new ArrayList<>();
        int expectedCount = 0;
        int caughtCount = 0;
        for (int i = 0; i < incidents.size(); i++) {
            if (incidents.get(i).reroute()) {
                expectedCount++;
                if (caught[i]) {
                    caughtCount++;
                } else {
                    missed.add(incidents.get(i));
                }
            }
        }
        return new Score(falseReroutes, missed, expectedCount, caughtCount);
    }
}
