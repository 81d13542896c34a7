package io.modelhealth.testing;

import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.LlmCall;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** Builds {@code llm.call.v1} records for tests. */
public final class Calls {

    private static final AtomicLong IDS = new AtomicLong();

    private Calls() {
    }

    public static LlmCall call(String route, long ts, Integer status, String errorType, String tenant) {
        String provider = route.substring(0, route.indexOf('/'));
        String model = route.substring(route.indexOf('/') + 1);
        return new LlmCall("evt-" + IDS.incrementAndGet(), Instant.ofEpochMilli(ts), provider, model, null, tenant,
                status, errorType, 420.0, 120.0, 100L, 50L);
    }

    public static LlmCall ok(String route, long ts) {
        return call(route, ts, 200, null, "search");
    }

    public static byte[] bytes(LlmCall call) {
        return ContractSerdes.LLM_CALL.serialize("llm.calls", call);
    }

    public static byte[] key(String route) {
        return route.getBytes(StandardCharsets.UTF_8);
    }
}
