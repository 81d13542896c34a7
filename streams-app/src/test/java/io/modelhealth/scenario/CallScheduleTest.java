package io.modelhealth.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.schemas.SchemaCatalog;
import io.modelhealth.telemetry.CallParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CallScheduleTest {

    private static final Instant START = CallMix.START;

    static List<String> names() {
        return Scenarios.names();
    }

    @Test
    void sameSeedGivesTheSameCalls() {
        Scenario demo = Scenarios.byName("demo");
        List<GeneratedCall> a = CallSchedule.of(demo, 300, START, Duration.ofSeconds(60), 7).stream().toList();
        List<GeneratedCall> b = CallSchedule.of(demo, 300, START, Duration.ofSeconds(60), 7).stream().toList();
        List<GeneratedCall> other = CallSchedule.of(demo, 300, START, Duration.ofSeconds(60), 8).stream().toList();
        assertThat(a).isEqualTo(b).hasSize(18_000);
        assertThat(other.stream().map(GeneratedCall::route).toList()).isNotEqualTo(a.stream().map(GeneratedCall::route).toList());
        // The schedule can be iterated again and starts over.
        CallSchedule schedule = CallSchedule.of(demo, 50, START, Duration.ofSeconds(10), 7);
        assertThat(schedule.stream().toList()).isEqualTo(schedule.stream().toList());
    }

    @Test
    void tenSecondsAt200PerSecondAreTwoThousandCallsInOrder() {
        List<GeneratedCall> calls = CallSchedule.of(Scenarios.byName("steady"), 200, START, Duration.ofSeconds(10), 1)
                .stream().toList();
        assertThat(calls).hasSize(2000);
        List<Instant> times = calls.stream().map(c -> c.call().timestamp()).toList();
        assertThat(times).isSortedAccordingTo(Instant::compareTo).doesNotHaveDuplicates();
        assertThat(times.get(0)).isEqualTo(START);
        assertThat(times.get(1)).isEqualTo(START.plusMillis(5));
        assertThat(times.get(1999)).isBefore(START.plusSeconds(10));
        // Event ids: sim-<seed>-<n>, unique; the key is the route id.
        assertThat(calls.get(0).call().eventId()).isEqualTo("sim-1-1");
        assertThat(calls.get(1999).call().eventId()).isEqualTo("sim-1-2000");
        assertThat(calls).allSatisfy(c -> {
            assertThat(c.route()).isEqualTo(c.call().route());
            assertThat(new String(c.key(), StandardCharsets.UTF_8)).isEqualTo(c.route());
        });
        // Per second, the count is exact.
        for (int s = 0; s < 10; s++) {
            Instant from = START.plusSeconds(s);
            Instant until = from.plusSeconds(1);
            assertThat(times.stream().filter(t -> !t.isBefore(from) && t.isBefore(until)).count()).isEqualTo(200);
        }
    }

    @Test
    void poissonArrivalsAverageTheRate() {
        CallSchedule schedule = CallSchedule.of(Scenarios.byName("steady"), 200, START, Duration.ofSeconds(10), 1)
                .withArrivals(CallSchedule.Arrivals.POISSON);
        List<Instant> times = schedule.stream().map(c -> c.call().timestamp()).toList();
        assertThat(times).hasSizeBetween(1850, 2150).isSortedAccordingTo(Instant::compareTo);
        assertThat(times.get(times.size() - 1)).isBefore(START.plusSeconds(10));
        assertThat(schedule.expectedCalls()).isEqualTo(2000);
    }

    @Test
    void routesGetTrafficByWeight() {
        Scenario steady = Scenarios.byName("steady");
        List<GeneratedCall> calls = CallSchedule.of(steady, 1000, START, Duration.ofSeconds(60), 3).stream().toList();
        steady.trafficShares().forEach((route, share) -> {
            double observed = calls.stream().filter(c -> c.route().equals(route)).count() / (double) calls.size();
            assertThat(observed).as(route).isCloseTo(share, org.assertj.core.data.Offset.offset(0.01));
        });
    }

    @ParameterizedTest
    @MethodSource("names")
    void everyCallMatchesTheSchemaAndTheAppsParser(String name) {
        CallParser parser = new CallParser(64 * 1024);
        // 10 calls/s over the whole scenario: every phase and, over all scenarios, every outcome kind.
        for (GeneratedCall c : CallSchedule.of(Scenarios.byName(name), 10, START, 42)) {
            SchemaCatalog.assertValid("llm.call.v1", c.call());
            byte[] bytes = ContractSerdes.LLM_CALL.serialize("llm.calls", c.call());
            var parsed = parser.parse(bytes);
            assertThat(parsed.isValid()).as("%s: %s", parsed.reason(), parsed.detail()).isTrue();
            assertThat(parsed.call()).isEqualTo(c.call());
        }
    }

    @Test
    void jsonlRoundTrips(@TempDir Path dir) throws IOException {
        CallSchedule schedule = CallSchedule.of(Scenarios.byName("demo"), 100, START, 5);
        Path file = dir.resolve("out/demo.jsonl");
        long lines = schedule.writeJsonl(file);
        assertThat(lines).isEqualTo(100 * 180);
        List<String> text = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertThat(text).hasSize((int) lines);
        List<LlmCall> read = text.stream()
                .map(l -> ContractSerdes.LLM_CALL.deserialize("llm.calls", l.getBytes(StandardCharsets.UTF_8)))
                .toList();
        assertThat(read).isEqualTo(schedule.stream().map(GeneratedCall::call).toList());
        assertThat(text.get(0)).startsWith("{").doesNotContain("\n").contains("\"event_id\":\"sim-5-1\"");
        assertThat(SchemaCatalog.validate("llm.call.v1", text.get(text.size() - 1))).isEmpty();

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        schedule.writeJsonl(out);
        assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(file));
    }

    @Test
    void generatesWellOverFiftyThousandCallsPerSecond() {
        CallSchedule schedule = CallSchedule.of(Scenarios.byName("demo"), 5_000, START, Duration.ofSeconds(60), 9);
        long t0 = System.nanoTime();
        long n = 0;
        Set<String> routes = new HashSet<>();
        for (GeneratedCall c : schedule) {
            n++;
            routes.add(c.route());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(n).isEqualTo(300_000);
        assertThat(routes).hasSize(6);
        // Measured: millions per second; the bound leaves room for a slow CI machine.
        assertThat(n / seconds).isGreaterThan(50_000);
    }

    @Test
    void rejectsNonsense() {
        Scenario s = Scenarios.byName("steady");
        assertThatThrownBy(() -> CallSchedule.of(s, 0, START, Duration.ofSeconds(1), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rate");
        assertThatThrownBy(() -> CallSchedule.of(s, 10, START, Duration.ofSeconds(-1), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duration");
        assertThat(CallSchedule.of(s, 10, START, Duration.ZERO, 1).stream()).isEmpty();
        assertThatThrownBy(() -> s.call("nobody/none", Duration.ZERO, START, "x", new java.util.SplittableRandom(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not in scenario steady");
    }
}
