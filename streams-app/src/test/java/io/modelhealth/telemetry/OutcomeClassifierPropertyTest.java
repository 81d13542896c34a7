package io.modelhealth.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.config.AppConfig;
import io.modelhealth.schemas.OutcomeClass;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.WithNull;

class OutcomeClassifierPropertyTest {

    private final OutcomeClassifier classifier = new OutcomeClassifier(AppConfig.defaults().classes());

    @Property(tries = 2000)
    void neverThrowsAndAlwaysClassifies(@ForAll @IntRange(min = 0, max = 599) @WithNull(0.1) Integer status,
                                        @ForAll @WithNull(0.2) String errorType) {
        OutcomeClass c = classifier.classify(status, errorType);
        assertThat(c).isNotNull();
        // a call that reports an error type is never a success
        if (errorType != null && !errorType.isBlank()) {
            assertThat(c).isNotEqualTo(OutcomeClass.SUCCESS);
        }
    }

    @Property(tries = 500)
    void twoHundredsWithoutErrorTypeAreSuccess(@ForAll @IntRange(min = 200, max = 299) int status) {
        assertThat(classifier.classify(status, null)).isEqualTo(OutcomeClass.SUCCESS);
    }

    @Property(tries = 500)
    void serverErrorsWithoutErrorTypeCountAgainstTheModel(@ForAll @IntRange(min = 500, max = 599) int status) {
        assertThat(classifier.classify(status, null)).isEqualTo(OutcomeClass.AVAILABILITY);
    }

    /**
     * Calls without an error type are looked up in a table made from the rules at start; a blank type takes the
     * rules themselves: both must agree for every status, and a typed call must get the same class whether its
     * normalized type was cached or not (a classifier that has cached 2,000 other types first).
     */
    @Property(tries = 1000)
    void theLookupsAgreeWithTheRules(@ForAll @IntRange(min = 0, max = 599) @WithNull(0.1) Integer status,
                                     @ForAll("errorTypes") String errorType) {
        OutcomeClassifier fresh = new OutcomeClassifier(AppConfig.defaults().classes());
        assertThat(fresh.classify(status, null)).isEqualTo(fresh.classify(status, " "));
        OutcomeClassifier saturated = new OutcomeClassifier(AppConfig.defaults().classes());
        for (int i = 0; i < 2_000; i++) {
            saturated.classify(status, "Other.Type" + i);
        }
        OutcomeClass first = fresh.classify(status, errorType);
        assertThat(fresh.classify(status, errorType)).isEqualTo(first);
        assertThat(saturated.classify(status, errorType)).isEqualTo(first);
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<String> errorTypes() {
        return net.jqwik.api.Arbitraries.oneOf(
                net.jqwik.api.Arbitraries.of("rate_limit_error", "openai.RateLimitError", "OVERLOADED_ERROR", "model_not_available",
                        "com.x.errors.model_not_found", "permission_error", "timeout", "weird"),
                net.jqwik.api.Arbitraries.strings().ofMaxLength(20));
    }
}
