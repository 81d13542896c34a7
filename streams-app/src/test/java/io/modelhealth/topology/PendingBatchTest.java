package io.modelhealth.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.testing.Calls;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
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
            w.add(t0 + i * 7, route + "|region=eu-west-1", c);
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

    @Test
    void aBatchWrittenBeforeTheBinaryFormIsStillRead() throws Exception {
        // The earlier form, as a changelog restored after an upgrade holds it: count >= 0, calls as llm.call.v1 JSON.
        LlmCall c = Calls.ok("p/m", 1_780_000_000_123L);
        byte[] json = ContractSerdes.LLM_CALL.serialize("", c);
        byte[] route = "p/m".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(buf);
        out.writeInt(1);
        out.writeLong(1_780_000_000_123L);
        out.writeInt(route.length);
        out.write(route);
        out.writeInt(json.length);
        out.write(json);
        List<LlmCall> read = new ArrayList<>();
        assertThat(PendingBatch.decode(buf.toByteArray(), (ts, r, call) -> read.add(call))).isEqualTo(1_780_000_000_123L);
        assertThat(read).containsExactly(c);
    }

    @Property(tries = 300)
    void everyCallReadsBackExactly(@ForAll("calls") LlmCall call) throws Exception {
        PendingBatch.Buf buf = new PendingBatch.Buf(16);
        PendingBatch.writeCall(call, buf);
        ByteBuffer b = ByteBuffer.wrap(buf.toByteArray());
        assertThat(PendingBatch.readCall(b)).isEqualTo(call);
        assertThat(b.remaining()).isZero();
        // Byte for byte the form batches already in changelogs were written in (DataOutputStream, big-endian).
        assertThat(buf.toByteArray()).isEqualTo(dataOutputForm(call));
    }

    /** The binary call as first written, with DataOutputStream: the reader reads batches of both writers. */
    private static byte[] dataOutputForm(LlmCall c) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        int present = (c.eventId() != null ? 1 : 0) | (c.timestamp() != null ? 2 : 0) | (c.provider() != null ? 4 : 0)
                | (c.model() != null ? 8 : 0) | (c.region() != null ? 16 : 0) | (c.tenant() != null ? 32 : 0)
                | (c.statusCode() != null ? 64 : 0) | (c.errorType() != null ? 128 : 0) | (c.ttftMs() != null ? 256 : 0)
                | (c.inputTokens() != null ? 512 : 0) | (c.outputTokens() != null ? 1024 : 0);
        out.writeShort(present);
        dataOutputString(c.eventId(), out);
        if (c.timestamp() != null) {
            out.writeLong(c.timestamp().getEpochSecond());
            out.writeInt(c.timestamp().getNano());
        }
        dataOutputString(c.provider(), out);
        dataOutputString(c.model(), out);
        dataOutputString(c.region(), out);
        dataOutputString(c.tenant(), out);
        if (c.statusCode() != null) {
            out.writeInt(c.statusCode());
        }
        dataOutputString(c.errorType(), out);
        out.writeDouble(c.latencyMs());
        if (c.ttftMs() != null) {
            out.writeDouble(c.ttftMs());
        }
        if (c.inputTokens() != null) {
            out.writeLong(c.inputTokens());
        }
        if (c.outputTokens() != null) {
            out.writeLong(c.outputTokens());
        }
        return bytes.toByteArray();
    }

    private static void dataOutputString(String s, DataOutputStream out) throws Exception {
        if (s == null) {
            return;
        }
        if (s.chars().allMatch(ch -> ch < 0x80)) {
            out.writeInt(s.length());
            out.writeBytes(s);
        } else {
            out.writeInt(-s.length() - 1);
            out.writeChars(s);
        }
    }

    @Property(tries = 100)
    void routesWithAnyTextReadBack(@ForAll("calls") LlmCall call, @ForAll("routes") String route) {
        PendingBatch.Writer w = new PendingBatch.Writer();
        w.add(7, route, call);
        w.add(8, route, call);
        List<Object[]> read = new ArrayList<>();
        PendingBatch.decode(w.bytes(), (ts, r, c) -> read.add(new Object[]{ts, r, c}));
        assertThat(read).hasSize(2);
        assertThat(read.get(1)).containsExactly(8L, route, call);
    }

    @Provide
    Arbitrary<String> routes() {
        // UTF-8 round-trips only well-formed text: no unpaired surrogates in a route id.
        return Arbitraries.strings().withCharRange('\u0020', '\uD7FF').ofMinLength(1).ofMaxLength(40);
    }

    @Provide
    Arbitrary<LlmCall> calls() {
        // Any text: ASCII, accents, emoji, unpaired surrogates, NUL; and every optional field absent or not.
        Arbitrary<String> text = Arbitraries.strings().all().ofMaxLength(40).injectNull(0.2);
        Arbitrary<Instant> time = Arbitraries.longs().between(0, 4_000_000_000L)
                .flatMap(s -> Arbitraries.integers().between(0, 999_999_999).map(n -> Instant.ofEpochSecond(s, n))).injectNull(0.05);
        Arbitrary<Integer> status = Arbitraries.integers().between(0, 599).injectNull(0.2);
        Arbitrary<Double> ms = Arbitraries.doubles().between(0, 1e6);
        Arbitrary<Long> tokens = Arbitraries.longs().between(0, 1L << 40).injectNull(0.3);
        return Combinators.combine(text, time, text, text, text, text, status, text)
                .as((id, ts, provider, model, region, tenant, code, error) -> new Object[]{id, ts, provider, model, region, tenant, code, error})
                .flatMap(a -> Combinators.combine(ms, ms.injectNull(0.3), tokens, tokens).as((lat, ttft, in, out) -> new LlmCall(
                        (String) a[0], (Instant) a[1], (String) a[2], (String) a[3], (String) a[4], (String) a[5], (Integer) a[6],
                        (String) a[7], lat, ttft, in, out)));
    }
}
