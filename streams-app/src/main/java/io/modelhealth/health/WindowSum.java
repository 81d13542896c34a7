package io.modelhealth.health;

import io.modelhealth.schemas.OutcomeClass;
import java.util.EnumMap;
import java.util.Map;

/**
 * Calls per class over one sliding window, as weighted sums of time buckets (a bucket half inside
 * the window counts half). Ratios are taken over calls that say something about the model: client
 * errors are the caller's fault and left out of the denominator.
 */
public record WindowSum(long start, long end, double[] byClass) {

    public double calls() {
        double t = 0;
        for (double c : byClass) {
            t += c;
        }
        return t;
    }

    public double of(OutcomeClass c) {
        return byClass[c.ordinal()];
    }

    /** Calls that count for ratios: everything but client errors. */
    public double modelCalls() {
        return calls() - of(OutcomeClass.CLIENT);
    }

    public double ratio(OutcomeClass c) {
        double d = modelCalls();
        return d <= 0 ? 0 : of(c) / d;
    }

    /** Share of model calls that failed in any class counting against the model. */
    public double errorRatio() {
        double d = modelCalls();
        return d <= 0 ? 0 : errors() / d;
    }

    public double errors() {
        return of(OutcomeClass.AVAILABILITY) + of(OutcomeClass.RATE_LIMIT) + of(OutcomeClass.POLICY_BLOCK);
    }

    public Map<OutcomeClass, Long> byClassRounded() {
        Map<OutcomeClass, Long> m = new EnumMap<>(OutcomeClass.class);
        for (OutcomeClass c : OutcomeClass.values()) {
            m.put(c, Math.round(byClass[c.ordinal()]));
        }
        return m;
    }
}
