package io.modelhealth.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.modelhealth.app.ModelHealthApp;
import io.modelhealth.config.AppConfig;
import io.modelhealth.kafka.EmbeddedKafkaBroker;
import io.modelhealth.metrics.HealthMetrics;
import io.modelhealth.schemas.HealthWindow;
import io.modelhealth.schemas.RerouteCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker goes away for 20 s under load and comes back on the same ports with the same data
 * (as a broker process restarted by its supervisor): the monitor survives — Kafka Streams returns
 * to RUNNING by itself, no thread is left dead — catches up on the calls produced meanwhile, and
 * commits the same decisions, once each, with intact epochs.
 *
 * <p>Uses a broker of its own (the shared one must stay up for the other tests).
 */
class BrokerOutageIT {

    private static final double RECORDS_PER_SECOND = IncidentInput.CALLS_PER_SECOND * 7;
    private static final Duration OUTAGE = Duration.ofSeconds(20);
    private static final Set<KafkaStreams.State> DEAD =
            Set.of(KafkaStreams.State.ERROR, KafkaStreams.State.PENDING_ERROR, KafkaStreams.State.NOT_RUNNING);

    @TempDir
    static Path tmp;

    private static EmbeddedKafkaBroker broker;
    private static IncidentInput input;
    private static IncidentInput.Expected expected;
    private static int total;
    private static List<String> decidedBeforeOutage;
    private static final List<KafkaStreams.State> states = Collections.synchronizedList(new ArrayList<>());
    private static KafkaStreams.State finalState;
    private static Set<String> threadsBefore;
    private static Set<String> threadsAfter;
    private static List<RerouteCommand> commands;
    private static List<HealthWindow> windows;
    private static List<String> windowsUpToEnd;
    private static double late;

    @BeforeAll
    static void stopTheBrokerMidIncident() throws Exception {
        input = IncidentInput.get();
        broker = EmbeddedKafkaBroker.start();
        Map<String, Object> client = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        TestAppConfig app = TestAppConfig.write(tmp, "outage", broker.bootstrapServers(), 1, 1,
                Map.of("state.dir", tmp.resolve("state").toString(), "commit.interval.ms", "100"));
        AppConfig config = app.createTopics();

        ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor();
        try (ModelHealthApp monitor = ModelHealthApp.start(config, Map.of());
             CommittedOutputs out = CommittedOutputs.decisions(client, config.topics());
             Feed feed = Feed.start(client, input.records(config.topics().calls()), RECORDS_PER_SECOND)) {
            monitor.awaitRunning(Duration.ofSeconds(90));
            threadsBefore = threadNames(monitor);
            watcher.scheduleAtFixedRate(() -> record(monitor.streams().state()), 0, 100, TimeUnit.MILLISECONDS);
            total = feed.total();
            await("the first committed reroute").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
                    .until(() -> !out.poll().commands().isEmpty());
            decidedBeforeOutage = out.decisionsUpTo(input.end());
            int sentAtStop = feed.sent();

            long stoppedAt = System.nanoTime();
            broker.stop();
            // The monitor must stay alive through the whole outage.
            await("the monitor alive while the broker is down").atMost(OUTAGE.plusSeconds(10))
                    .pollInterval(Duration.ofMillis(200)).during(OUTAGE)
                    .until(() -> !DEAD.contains(monitor.streams().state()));
            Duration down = Offsets.since(stoppedAt);
            Duration restart = broker.restart();
            long backAt = System.nanoTime();

            await("RUNNING again").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                    .until(() -> monitor.streams().state() == KafkaStreams.State.RUNNING);
            Duration running = Offsets.since(backAt);
            expected = input.expected();
            int wanted = expected.decisions().size();
            await("every decision of the uninterrupted run").atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(100))
                    .until(() -> out.poll().decisionsUpTo(input.end()).size() >= wanted);
            Duration decided = Offsets.since(backAt);
            feed.awaitDelivered(Duration.ofSeconds(120));
            await("all input consumed").atMost(Duration.ofSeconds(120))
                    .until(() -> Offsets.committed(client, "outage", config.topics().calls()) == total);
            Duration caughtUp = Offsets.since(backAt);
            out.awaitQuiet(Duration.ofSeconds(3), Duration.ofSeconds(60));
            commands = out.commands();
            windows = out.windows();
            windowsUpToEnd = out.windowsUpTo(input.end());
            late = monitor.metrics().registry().get(HealthMetrics.LATE).counter().count();
            finalState = monitor.streams().state();
            threadsAfter = threadNames(monitor);
            // Stop sampling before the monitor closes (try-with-resources closes it before the finally runs):
            // its own shutdown passes NOT_RUNNING, which is not an outage's doing.
            watcher.shutdownNow();
            watcher.awaitTermination(5, TimeUnit.SECONDS);
            System.out.printf("broker outage: broker stopped at event t+%ds (%d of %d records produced) for %d ms; restarted "
                            + "in %d ms; monitor RUNNING %d ms after the broker was back, every decision committed after "
                            + "%d ms, all input consumed after %d ms; states seen %s; %.0f calls counted late%n",
                    input.eventTimeAt(sentAtStop).toSeconds(), sentAtStop, total, down.toMillis(), restart.toMillis(),
                    running.toMillis(), decided.toMillis(), caughtUp.toMillis(), distinctRuns(states), late);
        } finally {
            watcher.shutdownNow();
        }
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void theMonitorSurvivesAndRunsAgainOnItsOwnThreads() {
        assertThat(states).as("Kafka Streams states seen").doesNotContainAnyElementsOf(DEAD);
        assertThat(finalState).isEqualTo(KafkaStreams.State.RUNNING);
        assertThat(threadsAfter).as("stream threads (a replaced thread gets a new name)").isEqualTo(threadsBefore);
        assertThat(decidedBeforeOutage).as("decisions committed before the outage")
                .isNotEmpty().hasSizeLessThan(expected.decisions().size());
    }

    @Test
    void noDecisionIsLostOrDoubledAndEpochsStayIntact() {
        List<String> committed = commands.stream().filter(c -> !c.issuedAt().isAfter(input.end()))
                .map(IncidentInput::decision).toList();
        assertThat(CrashRecoveryIT.contents(committed)).containsExactlyElementsOf(CrashRecoveryIT.contents(expected.decisions()));
        CommittedOutputs.assertEpochsStrictlyIncreasePerRoute(commands);
    }

    @Test
    void noWindowIsAmendedAfterTheStall() {
        Map<String, Long> perWindow = windows.stream()
                .collect(Collectors.groupingBy(w -> w.route() + " " + w.windowStart(), Collectors.counting()));
        assertThat(perWindow).allSatisfy((w, n) -> assertThat(n).as(w).isOne());
    }

    /**
     * A stalled broker delivers no watermarks, so event time stands still while it is down: the calls
     * produced meanwhile arrive in order behind the last watermark and are decided as if nothing happened.
     */
    @Test
    void decidesAtTheSameEventTimesAndCountsTheSameCallsAsAnUninterruptedRun() {
        assertThat(commands.stream().filter(c -> !c.issuedAt().isAfter(input.end())).map(IncidentInput::decision).toList())
                .containsExactlyElementsOf(expected.decisions());
        assertThat(windowsUpToEnd).containsExactlyInAnyOrderElementsOf(expected.windows());
        assertThat(late).as("calls counted late").isZero();
    }

    private static void record(KafkaStreams.State state) {
        states.add(state);
    }

    private static Set<String> threadNames(ModelHealthApp monitor) {
        return monitor.streams().metadataForLocalThreads().stream().map(t -> t.threadName()).collect(Collectors.toSet());
    }

    /** "RUNNING, REBALANCING, RUNNING" from a sampled sequence. */
    private static List<KafkaStreams.State> distinctRuns(List<KafkaStreams.State> sampled) {
        List<KafkaStreams.State> runs = new ArrayList<>();
        synchronized (sampled) {
            for (KafkaStreams.State s : sampled) {
                if (runs.isEmpty() || runs.get(runs.size() - 1) != s) {
                    runs.add(s);
                }
            }
        }
        return runs;
    }
}
