package io.modelhealth.scenario;

import java.util.SplittableRandom;

/**
 * The background error level every route has on a normal day, as shares of all calls. What is
 * left over is success. Applies to the calls that no {@link Incident} claims.
 *
 * @param availability  5xx, 529 and timeouts
 * @param rateLimit     429
 * @param client        400 / 401: callers' mistakes
 * @param contentFilter filtered answers; a non-zero baseline is what a content-filter spike is measured against
 */
public record Noise(double availability, double rateLimit, double client, double contentFilter) {

    /** 0.5 % availability, 0.1 % rate limit, 0.3 % client, 0.2 % content filter. */
    public static final Noise DEFAULT = new Noise(0.005, 0.001, 0.003, 0.002);
    public static final Noise NONE = new Noise(0, 0, 0, 0);

    static final OutcomeMix AVAILABILITY_ERRORS = OutcomeMix.of(Outcome.OVERLOADED, 0.4)
            .and(Outcome.API_ERROR, 0.2)
            .and(Outcome.SERVICE_UNAVAILABLE, 0.2)
            .and(Outcome.TIMEOUT, 0.2);
    static final OutcomeMix CLIENT_ERRORS = OutcomeMix.of(Outcome.INVALID_REQUEST, 0.8)
            .and(Outcome.AUTHENTICATION, 0.2);

    public Noise {
        for (double share : new double[] {availability, rateLimit, client, contentFilter}) {
            if (!(share >= 0 && share <= 1)) {
                throw new IllegalArgumentException("noise shares must be between 0 and 1, got " + share);
            }
        }
        if (availability + rateLimit + client + contentFilter > 1) {
            throw new IllegalArgumentException("noise shares add up to more than 1");
        }
    }

    /** The share of calls that fail in any way. */
    public double total() {
        return availability + rateLimit + client + contentFilter;
    }

    Outcome pick(SplittableRandom random) {
        double u = random.nextDouble();
        if (u < availability) {
            return AVAILABILITY_ERRORS.pick(random);
        }
        u -= availability;
        if (u < rateLimit) {
            return Outcome.RATE_LIMITED;
        }
        u -= rateLimit;
        if (u < client) {
            return CLIENT_ERRORS.pick(random);
        }
        u -= client;
        if (u < contentFilter) {
            return Outcome.CONTENT_FILTERED;
        }
        return Outcome.OK;
    }
}
