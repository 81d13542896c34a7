package io.modelhealth.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.modelhealth.config.AppConfig;
import io.modelhealth.kafka.KafkaBrokerExtension;
import io.modelhealth.kafka.KafkaCluster;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.RerouteCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} in the middle of an incident. The monitor runs as operators run it (a child JVM,
 * {@code run --config F}), is killed right after its first reroute is committed while the rest of
 * the incident is still arriving, stays down for 20 s, and is started again on the same state
 * directory. Exactly-once
 * v2 means the committed outputs then hold every decision once, with its epoch, and no window
 * twice; an uninterrupted run (the backtest) is the reference.
 *
 * <p>The instances use static membership ({@code group.instance.id}), as a StatefulSet would: the
 * restarted instance takes its place in the group at once. Without it, the group waits for the
 * dead member's {@code session.timeout.ms} (45 s) before the new one gets any partition.
 */
@ExtendWith(KafkaBrokerExtension.class)
class CrashRecoveryIT {

    /** Seven times faster than real time: the 135 s incident in about 19 s. */
    private static final double RECORDS_PER_SECOND = IncidentInput.CALLS_PER_SECOND * 7;
    /** How long no instance runs: longer than the grace period, as a restart on another node takes. */
    private static final Duration DOWNTIME = Duration.ofSeconds(20);

    @TempDir
    static Path tmp;

    private static IncidentInput input;
    private static IncidentInput.Expected expected;
    private static int sentAtKill;
    private static int total;
    private static long consumedAtKill;
    private static List<String> decidedBeforeKill;
    private static List<RerouteCommand> commands;
    private static List<HealthWindow> windows;
    private static List<String> windowsUpToEnd;
    private static double lateAfterRestart;

    @BeforeAll
    static void killMidIncidentAndRestart(KafkaCluster kafka) throws Exception {
        input = IncidentInput.get();
        String prefix = kafka.uniqueTopicName("crash");
        TestAppConfig app = TestAppConfig.write(tmp, prefix, kafka.bootstrapServers(), 1, kafka.replicationFactor(),
                Map.of("state.dir", tmp.resolve("state").toString(), "commit.interval.ms", "100",
                        "group.instance.id", prefix + "-instance"));
        AppConfig config = app.createTopics();

        ChildApp first = ChildApp.run("crash-first", app, ChildApp.freePort()).awaitReady(Duration.ofSeconds(120));
        try (CommittedOutputs out = CommittedOutputs.decisions(kafka.clientProperties(), config.topics());
             Feed feed = Feed.start(kafka.clientProperties(), input.records(config.topics().calls()), RECORDS_PER_SECOND)) {
            total = feed.total();
            await("the first committed reroute").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
                    .until(() -> !out.poll().commands().isEmpty());
            sentAtKill = feed.sent();
            first.kill();
            consumedAtKill = Offsets.committed(kafka.clientProperties(), prefix, config.topics().calls());
            // Down for a while, as a crashed pod is: nothing new becomes visible (what the killed process had not
            // committed never will), and what it had committed is all there is.
            out.awaitQuiet(DOWNTIME, DOWNTIME.plusSeconds(20));
            decidedBeforeKill = out.decisionsUpTo(input.end());

            long restartedAt = System.nanoTime();
            try (ChildApp second = ChildApp.run("crash-second", app, ChildApp.freePort())) {
                second.awaitReady(Duration.ofSeconds(120));
                Duration ready = Offsets.since(restartedAt);
                expected = input.expected();
                List<String> expectedDecisions = contents(expected.decisions());
                await("every decision of the uninterrupted run").atMost(Duration.ofSeconds(150))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> contents(out.poll().decisionsUpTo(input.end())).size() >= expectedDecisions.size());
                Duration decided = Offsets.since(restartedAt);
                feed.awaitDelivered(Duration.ofSeconds(60));
                await("all input consumed").atMost(Duration.ofSeconds(90))
                        .until(() -> Offsets.committed(kafka.clientProperties(), prefix, config.topics().calls()) == total);
                out.awaitQuiet(Duration.ofSeconds(3), Duration.ofSeconds(60));
                commands = out.commands();
                windows = out.windows();
                windowsUpToEnd = out.windowsUpTo(input.end());
                lateAfterRestart = second.metric("model_health_late_events_total");
                long aborted = Offsets.uncommittedCount(kafka.clientProperties(), config.topics().windows()) - windows.size();
                System.out.printf("crash: killed %s at event t+%ds (%d of %d records produced, %d consumed and committed, "
                                + "%d of %d decisions committed), down %d s; %s ready %d ms after its start, every decision "
                                + "committed %d ms after its start; %d window records of aborted transactions hidden from "
                                + "read_committed; %.0f calls counted late after the restart%n",
                        first, input.eventTimeAt(sentAtKill).toSeconds(), sentAtKill, total, consumedAtKill,
                        decidedBeforeKill.size(), expected.decisions().size(), DOWNTIME.toSeconds(), second, ready.toMillis(),
                        decided.toMillis(), aborted, lateAfterRestart);
                assertThat(second.isAlive()).as("the restarted instance is running").isTrue();
            }
        } finally {
            first.close();
        }
    }

    @Test
    void theKillFellMidIncidentWhileInputWasFlowing() {
        assertThat(sentAtKill).as("records produced when the first instance was killed").isLessThan(total);
        assertThat(consumedAtKill).as("input offsets the first instance had committed").isLessThan(total);
        assertThat(decidedBeforeKill).as("decisions committed before the kill")
                .isNotEmpty().hasSizeLessThan(expected.decisions().size());
    }

    @Test
    void noDecisionIsLostOrDoubledAndEpochsStayIntact() {
        List<String> committed = commands.stream().filter(c -> !c.issuedAt().isAfter(input.end()))
                .map(IncidentInput::decision).toList();
        // The same commands (route, action, target, weight, epoch) in the same order as an uninterrupted run.
        assertThat(contents(committed)).containsExactlyElementsOf(contents(expected.decisions()));
        CommittedOutputs.assertEpochsStrictlyIncreasePerRoute(commands);
    }

    @Test
    void noWindowIsEmittedTwice() {
        Map<String, Long> perWindow = windows.stream()
                .collect(Collectors.groupingBy(w -> w.route() + " " + w.windowStart(), Collectors.counting()));
        assertThat(perWindow).as("window records per (route, window start)").allSatisfy((w, n) -> assertThat(n).as(w).isOne());
        Map<String, Long> inputPerRoute = input.calls().stream()
                .collect(Collectors.groupingBy(IncidentInput.Call::route, Collectors.counting()));
        Map<String, Long> countedPerRoute = windows.stream()
                .collect(Collectors.groupingBy(HealthWindow::route, Collectors.summingLong(HealthWindow::calls)));
        countedPerRoute.forEach((route, counted) -> assertThat(counted).as("calls counted on %s", route)
                .isLessThanOrEqualTo(inputPerRoute.get(route)));
    }

    @Test
    void decidesAtTheSameEventTimesAndCountsTheSameCallsAsAnUninterruptedRun() {
        assertThat(commands.stream().filter(c -> !c.issuedAt().isAfter(input.end())).map(IncidentInput::decision).toList())
                .containsExactlyElementsOf(expected.decisions());
        assertThat(windowsUpToEnd).containsExactlyInAnyOrderElementsOf(expected.windows());
        assertThat(lateAfterRestart).as("calls counted late after the restart").isZero();
    }

    /** Decisions without their issue time: what must survive any failure even where timing may move. */
    static List<String> contents(List<String> decisions) {
        return decisions.stream().map(d -> d.substring(0, d.lastIndexOf(" at "))).toList();
    }
}
