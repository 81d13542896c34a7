package io.modelhealth.backtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelhealth.config.ConfigException;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Labels against a crafted run: which reroutes are false, which labelled incidents were missed. */
class LabelsTest {

    private static final Instant T0 = Instant.parse("2026-11-27T03:00:00Z");

    @TempDir
    Path dir;

    @Test
    void falseReroutesAndMissedIncidents() throws Exception {
        Path file = dir.resolve("labels.yaml");
        Files.writeString(file, """
                incidents:
                  - {route: p/outage, from: "2026-11-27T03:01:00Z", to: "2026-11-27T03:02:00Z", kind: availability}
                  - {route: p/withdrawn, from: "2026-11-27T03:00:30Z", kind: policy_block}
                  - {route: p/storm, from: "2026-11-27T03:01:00Z", to: "2026-11-27T03:01:30Z", kind: client, reroute: false}
                  - {route: p/missed, from: "2026-11-27T03:01:00Z", to: "2026-11-27T03:01:30Z", kind: availability, label: never seen}
                """);
        Labels labels = Labels.read(file);

        Recording run = new Recording("A", "v1");
        Backtest.Listener rec = run.recorder();
        rec.output(command("p/outage", RerouteAction.REROUTE, 65));       // inside its incident
        rec.output(command("p/outage", RerouteAction.RESTORE, 120.5));    // a restore is never a false reroute
        rec.output(command("p/outage", RerouteAction.REROUTE, 120.5));    // within the 1 s tolerance after its end
        rec.output(command("p/outage", RerouteAction.REROUTE, 300));      // long after: false
        rec.output(command("p/withdrawn", RerouteAction.REROUTE, 29));    // before the withdrawal began: false
        rec.output(command("p/withdrawn", RerouteAction.REROUTE, 600));   // open-ended incident: expected
        rec.output(command("p/storm", RerouteAction.REROUTE, 70));        // inside an incident labelled reroute: false
        rec.output(command("p/unlabelled", RerouteAction.REROUTE, 70));   // no label at all: false

        Labels.Score score = labels.score(run, Duration.ofSeconds(1));

        assertThat(score.falseReroutes()).extracting(c -> c.command().route() + "@" + Duration.between(T0, c.at()).toSeconds())
                .containsExactly("p/outage@300", "p/withdrawn@29", "p/storm@70", "p/unlabelled@70");
        assertThat(score.missed()).extracting(Labels.Labelled::route).containsExactly("p/missed");
        assertThat(score.expected()).isEqualTo(3);
        assertThat(score.caught()).isEqualTo(2);
        // A tighter tolerance makes the late reroute a false one too.
        assertThat(labels.score(run, Duration.ZERO).falseReroutes()).hasSize(5);
    }

    @Test
    void aBadEntryFailsNamingIt() throws Exception {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "{\"incidents\": [{\"route\": \"p/m\", \"from\": \"2026-11-27T03:00:00Z\"}, {\"route\": \"p/m\", \"from\": \"yesterday\"}]}");
        assertThatThrownBy(() -> Labels.read(file)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("incidents[1].from").hasMessageContaining("'yesterday' is not an RFC 3339");
        Files.writeString(file, "{\"incidents\": [{\"route\": \"p/m\", \"from\": \"2026-11-27T03:00:00Z\", \"until\": \"x\"}]}");
        assertThatThrownBy(() -> Labels.read(file)).hasMessageContaining("incidents[0].until").hasMessageContaining("allowed: route, from, to");
        Files.writeString(file, "{\"incidents\": {}}");
        assertThatThrownBy(() -> Labels.read(file)).hasMessageContaining("needs a list under 'incidents'");
    }

    @Test
    void decisionsMatchWithinTheToleranceOnly() {
        Recording a = new Recording("A", "va");
        Recording b = new Recording("B", "vb");
        a.recorder().output(command("p/m", RerouteAction.REROUTE, 10));
        b.recorder().output(command("p/m", RerouteAction.REROUTE, 10.5));
        b.recorder().output(command("p/m", RerouteAction.REROUTE, 40));

        Comparison loose = Comparison.of(a, b, Duration.ofSeconds(1));
        assertThat(loose.onlyA()).isEmpty();
        assertThat(loose.onlyB()).extracting(Decision::at).containsExactly(T0.plusSeconds(40));

        Comparison strict = Comparison.of(a, b, Duration.ZERO);
        assertThat(strict.onlyA()).extracting(Decision::at).containsExactly(T0.plusSeconds(10));
        assertThat(strict.onlyB()).extracting(Decision::at).containsExactly(T0.plusMillis(10_500), T0.plusSeconds(40));
    }

    private static Replay.Output command(String route, RerouteAction action, double atSeconds) {
        Instant at = T0.plusMillis(Math.round(atSeconds * 1000));
        RerouteCommand c = new RerouteCommand(route + "#1", route, action, "p/fallback", action == RerouteAction.REROUTE ? 1.0 : 0.0, 0.01,
                "test.rule", HealthState.UNAVAILABLE, null, at, at.plusSeconds(3600), 1);
        return new Replay.Output("model.reroute.commands", route, at.toEpochMilli(), c);
    }
}
