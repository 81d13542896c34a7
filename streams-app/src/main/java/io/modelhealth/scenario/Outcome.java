package io.modelhealth.scenario;

/**
 * What a provider answered one call: the HTTP status ({@code 0} = no response) and the
 * {@code error_type} (null on success). The constants are error codes real providers send; the
 * comment on each names the outcome class the default rule table ({@code AppConfig.defaults()})
 * gives it, which {@code ScenarioOutcomesTest} checks.
 */
public record Outcome(int statusCode, String errorType) {

    /** success. */
    public static final Outcome OK = new Outcome(200, null);
    /** availability: Anthropic's "overloaded" status. */
    public static final Outcome OVERLOADED = new Outcome(529, "overloaded_error");
    /** availability. */
    public static final Outcome API_ERROR = new Outcome(500, "api_error");
    /** availability: a gateway's 503 usually has no provider error body. */
    public static final Outcome SERVICE_UNAVAILABLE = new Outcome(503, null);
    /** availability: the client gave up; there was no response. */
    public static final Outcome TIMEOUT = new Outcome(0, "timeout");
    /** rate_limit. */
    public static final Outcome RATE_LIMITED = new Outcome(429, "rate_limit_error");
    /** policy_block: access to the model refused. */
    public static final Outcome PERMISSION_DENIED = new Outcome(403, "permission_error");
    /** policy_block: the model was withdrawn. */
    public static final Outcome MODEL_NOT_AVAILABLE = new Outcome(403, "model_not_available");
    /** policy_block: 451 Unavailable For Legal Reasons. */
    public static final Outcome EXPORT_CONTROLLED = new Outcome(451, "export_controlled");
    /** policy_block: the model id no longer exists. */
    public static final Outcome MODEL_NOT_FOUND = new Outcome(404, "model_not_found");
    /** client: the caller sent a bad request. */
    public static final Outcome INVALID_REQUEST = new Outcome(400, "invalid_request_error");
    /** client: the caller's key is wrong or revoked. */
    public static final Outcome AUTHENTICATION = new Outcome(401, "authentication_error");
    /** content_filter: the answer was generated and then filtered (a finish reason on a 200). */
    public static final Outcome CONTENT_FILTERED = new Outcome(200, "content_filter");

    public Outcome {
        if (statusCode < 0 || statusCode > 599) {
            throw new IllegalArgumentException("status code must be 0-599, got " + statusCode);
        }
    }

    /** How the call ended, which decides its latency and whether it has a first token and usage. */
    enum Shape {
        /** The model generated an answer (success, or filtered afterwards): full latency, ttft, tokens. */
        GENERATED,
        /** The provider refused or failed quickly: short latency, no tokens. */
        REJECTED,
        /** No response: latency is the client's timeout. */
        TIMED_OUT
    }

    Shape shape() {
        if (statusCode == 0) {
            return Shape.TIMED_OUT;
        }
        if (statusCode >= 200 && statusCode < 300) {
            return Shape.GENERATED;
        }
        return Shape.REJECTED;
    }

    @Override
    public String toString() {
        return errorType == null ? Integer.toString(statusCode) : statusCode + " " + errorType;
    }
}
