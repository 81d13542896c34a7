package io.modelhealth.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.config.AppConfig;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.schemas.OutcomeClass;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The default rule table against the outcome-class table of docs/design.md, row by row. */
class OutcomeClassifierTest {

    private final OutcomeClassifier classifier = new OutcomeClassifier(AppConfig.defaults().classes());

    @ParameterizedTest(name = "status {0}, error_type {1} -> {2}")
    @CsvSource(nullValues = "null", textBlock = """
            # success: 2xx, no error_type
            200, null,                     success
            204, null,                     success
            null, null,                    success
            200, '',                       success
            # availability
            500, null,                     availability
            502, null,                     availability
            503, null,                     availability
            504, null,                     availability
            529, null,                     availability
            0,   null,                     availability
            0,   timeout,                  availability
            null, timeout,                 availability
            null, connection_error,        availability
            529, overloaded_error,         availability
            200, overloaded_error,         availability
            500, api_error,                availability
            200, OVERLOADED_ERROR,         availability
            # rate_limit
            429, null,                     rate_limit
            429, rate_limit_error,         rate_limit
            200, rate_limit_error,         rate_limit
            # policy_block: not transient
            451, null,                     policy_block
            403, null,                     policy_block
            403, permission_error,         policy_block
            403, forbidden,                policy_block
            404, model_not_found,          policy_block
            403, model_not_available,      policy_block
            403, access_revoked,           policy_block
            451, export_controlled,        policy_block
            404, deprecated_model,         policy_block
            # content_filter: never a reroute by itself
            200, content_filter,           content_filter
            400, content_filter,           content_filter
            400, content_policy_violation, content_filter
            200, refusal,                  content_filter
            # client: the caller's fault (a bad key shows as 401, not as a policy block)
            400, null,                     client
            401, null,                     client
            404, null,                     client
            413, null,                     client
            422, null,                     client
            400, invalid_request_error,    client
            401, authentication_error,     client
            404, not_found_error,          client
            # unknown error types: never success; classes.unknown-error (availability by default)
            200, something_new,            availability
            null, something_new,           availability
            503, something_new,            availability
            """)
    void defaultRules(String status, String errorType, String expected) {
        Integer code = status == null ? null : Integer.valueOf(status);
        assertThat(classifier.classify(code, errorType)).isEqualTo(OutcomeClass.fromWireName(expected));
    }

    @Test
    void classifiesACallByItsStatusAndErrorType() {
        LlmCall call = new LlmCall("e1", Instant.parse("2026-11-27T03:00:00Z"), "anthropic", "claude-fable-5", null,
                "search", 403, "model_not_available", 12.0, null, null, null);
        assertThat(classifier.classify(call)).isEqualTo(OutcomeClass.POLICY_BLOCK);
    }

    @Test
    void unknownErrorClassIsConfiguration() {
        AppConfig.Classes d = AppConfig.defaults().classes();
        OutcomeClassifier lenient = new OutcomeClassifier(new AppConfig.Classes(d.rules(), OutcomeClass.CLIENT));
        assertThat(lenient.classify(200, "something_new")).isEqualTo(OutcomeClass.CLIENT);
        assertThat(lenient.classify(200, null)).isEqualTo(OutcomeClass.SUCCESS);
        assertThat(lenient.classify(529, null)).isEqualTo(OutcomeClass.AVAILABILITY);
    }

    @Test
    void firstMatchingRuleWinsAndRulesAreConfiguration() {
        // A table that treats 404 as a policy block before the generic client range.
        OutcomeClassifier custom = new OutcomeClassifier(new AppConfig.Classes(List.of(
                new AppConfig.ClassRule(OutcomeClass.POLICY_BLOCK, null, List.of("404")),
                new AppConfig.ClassRule(OutcomeClass.CLIENT, null, List.of("400-499")),
                new AppConfig.ClassRule(OutcomeClass.RATE_LIMIT, List.of("Slow_Down"), List.of("503")),
                new AppConfig.ClassRule(OutcomeClass.SUCCESS, null, List.of("200-299"))), OutcomeClass.AVAILABILITY));
        assertThat(custom.classify(404, null)).isEqualTo(OutcomeClass.POLICY_BLOCK);
        assertThat(custom.classify(400, null)).isEqualTo(OutcomeClass.CLIENT);
        // both conditions of a rule must hold; error types match case-insensitively
        assertThat(custom.classify(503, "slow_down")).isEqualTo(OutcomeClass.RATE_LIMIT);
        assertThat(custom.classify(500, "slow_down")).isEqualTo(OutcomeClass.AVAILABILITY);
        // nothing matches: success without an error type, unknown-error with one
        assertThat(custom.classify(302, null)).isEqualTo(OutcomeClass.SUCCESS);
        assertThat(custom.classify(302, "weird")).isEqualTo(OutcomeClass.AVAILABILITY);
    }
}
