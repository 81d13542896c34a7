package io.modelhealth.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelhealth.schemas.OutcomeClass;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OutcomeTest {

    @Test
    void everyProviderErrorCodeGetsTheClassItsJavadocNames() {
        assertClass(Outcome.OK, OutcomeClass.SUCCESS);
        assertClass(Outcome.OVERLOADED, OutcomeClass.AVAILABILITY);
        assertClass(Outcome.API_ERROR, OutcomeClass.AVAILABILITY);
        assertClass(Outcome.SERVICE_UNAVAILABLE, OutcomeClass.AVAILABILITY);
        assertClass(Outcome.TIMEOUT, OutcomeClass.AVAILABILITY);
        assertClass(Outcome.RATE_LIMITED, OutcomeClass.RATE_LIMIT);
        assertClass(Outcome.PERMISSION_DENIED, OutcomeClass.POLICY_BLOCK);
        assertClass(Outcome.MODEL_NOT_AVAILABLE, OutcomeClass.POLICY_BLOCK);
        assertClass(Outcome.EXPORT_CONTROLLED, OutcomeClass.POLICY_BLOCK);
        assertClass(Outcome.MODEL_NOT_FOUND, OutcomeClass.POLICY_BLOCK);
        assertClass(Outcome.INVALID_REQUEST, OutcomeClass.CLIENT);
        assertClass(Outcome.AUTHENTICATION, OutcomeClass.CLIENT);
        assertClass(Outcome.CONTENT_FILTERED, OutcomeClass.CONTENT_FILTER);
    }

    @Test
    void mixPicksByWeight() {
        OutcomeMix mix = OutcomeMix.of(Outcome.OVERLOADED, 3).and(Outcome.TIMEOUT, 1);
        SplittableRandom random = new SplittableRandom(1);
        int overloaded = 0;
        for (int i = 0; i < 20_000; i++) {
            if (mix.pick(random) == Outcome.OVERLOADED) {
                overloaded++;
            }
        }
        assertThat(overloaded / 20_000.0).isBetween(0.73, 0.77);
        assertThat(mix.shares()).containsEntry(Outcome.OVERLOADED, 0.75).containsEntry(Outcome.TIMEOUT, 0.25);
        assertThat(mix).hasToString("75% 529 overloaded_error, 25% 0 timeout");
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new Outcome(600, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OutcomeMix.of(Outcome.OK, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Noise(0.6, 0.6, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertClass(Outcome outcome, OutcomeClass expected) {
        assertThat(CallMix.CLASSIFIER.classify(outcome.statusCode(), outcome.errorType()))
                .as("%s", outcome).isEqualTo(expected);
    }
}
