package io.modelhealth.scenario;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A weighted choice of outcomes, e.g. an outage's mix of 529 / 503 / timeouts. Weights are
 * relative (they need not add up to 1). Immutable; build it by chaining:
 * {@code OutcomeMix.of(Outcome.OVERLOADED, 0.6).and(Outcome.TIMEOUT, 0.4)}.
 */
public final class OutcomeMix {

    private final Outcome[] outcomes;
    /** Running sums of the weights, for a single uniform draw per pick. */
    private final double[] cumulative;

    private OutcomeMix(Outcome[] outcomes, double[] cumulative) {
        this.outcomes = outcomes;
        this.cumulative = cumulative;
    }

    public static OutcomeMix of(Outcome outcome, double weight) {
        return new OutcomeMix(new Outcome[0], new double[0]).and(outcome, weight);
    }

    /** Always the same outcome. */
    public static OutcomeMix only(Outcome outcome) {
        return of(outcome, 1.0);
    }

    /** This mix plus one more outcome. */
    public OutcomeMix and(Outcome outcome, double weight) {
        if (outcome == null) {
            throw new IllegalArgumentException("outcome is required");
        }
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight of " + outcome + " must be > 0, got " + weight);
        }
        int n = outcomes.length;
        Outcome[] o = Arrays.copyOf(outcomes, n + 1);
        double[] c = Arrays.copyOf(cumulative, n + 1);
        o[n] = outcome;
        c[n] = (n == 0 ? 0 : cumulative[n - 1]) + weight;
        return new OutcomeMix(o, c);
    }

    public Outcome pick(SplittableRandom random) {
        double u = random.nextDouble() * cumulative[cumulative.length - 1];
        for (int i = 0; i < cumulative.length - 1; i++) {
            if (u < cumulative[i]) {
                return outcomes[i];
            }
        }
        return outcomes[outcomes.length - 1];
    }

    /** Each outcome's share (weights normalized to 1), in the order they were added. */
    public Map<Outcome, Double> shares() {
        double total = cumulative[cumulative.length - 1];
        Map<Outcome, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < outcomes.length; i++) {
            double w = cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]);
            m.merge(outcomes[i], w / total, Double::sum);
        }
        return m;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        shares().forEach((o, s) -> sb.append(sb.length() == 0 ? "" : ", ")
                .append(Math.round(s * 100)).append("% ").append(o));
        return sb.toString();
    }
}
