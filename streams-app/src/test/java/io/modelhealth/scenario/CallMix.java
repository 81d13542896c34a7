package io.modelhealth.scenario;

import io.modelhealth.config.AppConfig;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.schemas.OutcomeClass;
import io.modelhealth.telemetry.OutcomeClassifier;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The calls of one route in one time slice of a generated scenario, and their outcome-class
 * shares as the monitor's default rule table classifies them.
 */
final class CallMix {

    static final OutcomeClassifier CLASSIFIER = new OutcomeClassifier(AppConfig.defaults().classes());
    static final Instant START = Instant.parse("2025-11-27T03:00:00Z");

    private final List<LlmCall> calls;

    private CallMix(List<LlmCall> calls) {
        this.calls = calls;
    }

    /** Every call of {@code scenario} at 400 calls/s over its default duration, seed 42. */
    static List<GeneratedCall> generate(Scenario scenario) {
        return CallSchedule.of(scenario, 400, START, 42).stream().toList();
    }

    /** The calls of {@code route} with event times in [fromSeconds, untilSeconds). */
    static CallMix of(List<GeneratedCall> all, String route, long fromSeconds, long untilSeconds) {
        Instant from = START.plus(Duration.ofSeconds(fromSeconds));
        Instant until = START.plus(Duration.ofSeconds(untilSeconds));
        return new CallMix(all.stream()
                .filter(c -> c.route().equals(route))
                .map(GeneratedCall::call)
                .filter(c -> !c.timestamp().isBefore(from) && c.timestamp().isBefore(until))
                .toList());
    }

    int size() {
        return calls.size();
    }

    List<LlmCall> calls() {
        return calls;
    }

    double share(OutcomeClass outcome) {
        return share(c -> CLASSIFIER.classify(c) == outcome);
    }

    /** Share of calls that would count against the model (availability, rate limit, policy). */
    double modelErrorShare() {
        return share(c -> switch (CLASSIFIER.classify(c)) {
            case AVAILABILITY, RATE_LIMIT, POLICY_BLOCK -> true;
            default -> false;
        });
    }

    double share(Predicate<LlmCall> p) {
        if (calls.isEmpty()) {
            throw new AssertionError("no calls in this slice");
        }
        return calls.stream().filter(p).count() / (double) calls.size();
    }

    Set<String> tenants(Predicate<LlmCall> p) {
        return calls.stream().filter(p).map(LlmCall::tenant).collect(Collectors.toSet());
    }

    Set<Integer> statusCodes(OutcomeClass outcome) {
        return calls.stream().filter(c -> CLASSIFIER.classify(c) == outcome).map(LlmCall::statusCode)
                .collect(Collectors.toSet());
    }

    /** The q-quantile (0–1) of the latency of successful calls. */
    double successLatencyQuantile(double q) {
        double[] l = calls.stream().filter(c -> CLASSIFIER.classify(c) == OutcomeClass.SUCCESS)
                .mapToDouble(LlmCall::latencyMs).sorted().toArray();
        return l[(int) Math.min(l.length - 1, Math.floor(q * l.length))];
    }
}
