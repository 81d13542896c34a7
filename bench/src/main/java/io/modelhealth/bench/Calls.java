package io.modelhealth.bench;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.SplittableRandom;

/**
 * Synthetic {@code llm.call.v1} records of about 230 bytes, as a service would send them: keyed by
 * route id, mostly successes with a realistic trickle of errors of every class.
 */
public final class Calls {

    public static final String PROVIDER = "benchai";
    private static final String[] REGIONS = {"us-east-1", "eu-west-1", "ap-south-1"};
    private static final String[] TENANTS = {"checkout", "search", "support-bot", "ledger"};

    private final String[] routes;
    private final String[] models;
    private final SplittableRandom random;
    private long seq;

    public Calls(String modelPrefix, int routes, long seed) {
        this.routes = new String[routes];
        this.models = new String[routes];
        for (int i = 0; i < routes; i++) {
            models[i] = String.format("%s-%04d", modelPrefix, i);
            this.routes[i] = PROVIDER + "/" + models[i];
        }
        this.random = new SplittableRandom(seed);
    }

    public int routes() {
        return routes.length;
    }

    public String route(int i) {
        return routes[i];
    }

    public byte[] key(int route) {
        return routes[route].getBytes(StandardCharsets.UTF_8);
    }

    /** A normal call: 98 % success, then availability, rate-limit and client errors. */
    public byte[] normal(int route, long eventTimeMs) {
        int roll = random.nextInt(1000);
        int status;
        String errorType;
        if (roll < 980) {
            status = 200;
            errorType = null;
        } else if (roll < 990) {
            status = 503;
            errorType = "overloaded_error";
        } else if (roll < 995) {
            status = 429;
            errorType = "rate_limit_error";
        } else {
            status = 400;
            errorType = "invalid_request_error";
        }
        return json(route, eventTimeMs, status, errorType, random.nextInt(TENANTS.length));
    }

    /** A policy refusal: the model was withdrawn. */
    public byte[] withdrawn(int route, long eventTimeMs, int tenant) {
        return json(route, eventTimeMs, 403, "model_not_available", tenant % TENANTS.length);
    }

    private byte[] json(int route, long eventTimeMs, int status, String errorType, int tenant) {
        double latency = 200 + random.nextInt(2400) + random.nextInt(10) / 10.0;
        StringBuilder b = new StringBuilder(256);
        b.append("{\"event_id\":\"").append(Long.toHexString(random.nextLong())).append('-').append(Long.toHexString(++seq))
                .append("\",\"timestamp\":\"").append(Instant.ofEpochMilli(eventTimeMs))
                .append("\",\"provider\":\"").append(PROVIDER)
                .append("\",\"model\":\"").append(models[route])
                .append("\",\"region\":\"").append(REGIONS[route % REGIONS.length])
                .append("\",\"tenant\":\"").append(TENANTS[tenant])
                .append("\",\"status_code\":").append(status);
        if (errorType != null) {
            b.append(",\"error_type\":\"").append(errorType).append('"');
        }
        b.append(",\"latency_ms\":").append(latency)
                .append(",\"ttft_ms\":").append(Math.round(latency / 4))
                .append(",\"input_tokens\":").append(200 + random.nextInt(3000))
                .append(",\"output_tokens\":").append(20 + random.nextInt(800))
                .append('}');
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }
}
