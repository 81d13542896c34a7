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
}
