package io.modelhealth.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.testing.Calls;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A batch of pending calls reads back as written: every call, its event time and route, in order. */
class PendingBatchTest {

    @Test
    void callsRoundTripWithTheirTimesAndRoutes() {
        long t0 = 1_780_000_000_000L;
        PendingBatch.Writer w = new PendingBatch.Writer();
        List<LlmCall> sent = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String route = "p/m-" + (i % 3);
            LlmCall c = Calls.ok(route, t0 + i * 7);
            sent.add(c);
            w.add(t0 + i * 7, route + "|region=eu-west-1", ContractSerdes.LLM_CALL.serialize("", c));
        }
        assertThat(w.count()).isEqualTo(50);
        assertThat(w.latest()).isEqualTo(t0 + 49 * 7);
        List<Object[]> read = new ArrayList<>();
        long latest = PendingBatch.decode(w.bytes(), (ts, route, call) -> read.add(new Object[]{ts, route, call}));
        assertThat(latest).isEqualTo(t0 + 49 * 7);
        assertThat(read).hasSize(50);
        for (int i = 0; i < 50; i++) {
            assertThat(read.get(i)[0]).isEqualTo(t0 + i * 7);
            assertThat(read.get(i)[1]).isEqualTo("p/m-" + (i % 3) + "|region=eu-west-1");
            assertThat(read.get(i)[2]).isEqualTo(sent.get(i));
        }
    }

    @Test
    void anEmptyBatchHoldsNothing() {
        PendingBatch.Writer w = new PendingBatch.Writer();
        assertThat(w.count()).isZero();
        assertThat(PendingBatch.decode(w.bytes(), (ts, route, call) -> {
            throw new AssertionError("no call expected");
        })).isEqualTo(Long.MIN_VALUE);
    }
}
