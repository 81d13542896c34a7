package io.modelhealth.health;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * {@link RouteState} in the state store and its changelog, as CBOR (binary JSON): compact, and new
 * fields can be added without a migration (unknown fields are ignored, missing ones take defaults).
 *
 * <p>The ring of time buckets, most of a route's state, is one CBOR byte string in a format of its
 * own ({@link RingCodec}): varints, and only the non-empty cells of the open buckets' latency
 * histograms. Field by field, the ring was ~3.4 KB and two thirds of the (de)serialization time, and
 * the store reads and writes the state on every call. A ring written as an array of bucket objects
 * (before this format) is still read.
 */
public final class RouteStateSerde implements Serde<RouteState> {

    private static final ObjectMapper CBOR = CBORMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    @Override
    public Serializer<RouteState> serializer() {
        return (topic, state) -> {
            if (state == null) {
                return null;
            }
            try {
                return write(state);
            } catch (IOException e) {
                throw new SerializationException("cannot serialize the state of route " + state.route, e);
            }
        };
    }

    @Override
    public Deserializer<RouteState> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return CBOR.readValue(bytes, RouteState.class);
            } catch (IOException e) {
                throw new SerializationException("cannot read a route state from " + topic, e);
            }
        };
    }

    /**
     * The state as CBOR, field by field: the same map, names and values the data binding writes (and
     * reads back, by name), without its reflective field access, which was most of the cost of writing
     * a state once per call. The nested, rarely present objects (evidence, override, alerts, baselines)
     * still go through the data binding. {@code RouteStateSerdeTest} holds this equal to the data
     * binding's output, so a field added to {@link RouteState} and not here fails a test.
     */
    static byte[] write(RouteState s) throws IOException {
        // The builder and the generator's buffers come from Jackson's per-thread recycler, as in writeValueAsBytes.
        ByteArrayBuilder bytes = new ByteArrayBuilder(CBOR.getFactory()._getBufferRecycler(), 1024);
        try {
            try (JsonGenerator g = CBOR.createGenerator(bytes)) {
                writeState(g, s);
            }
            return bytes.toByteArray();
        } finally {
            bytes.release();
        }
    }

    private static void writeState(JsonGenerator g, RouteState s) throws IOException {
        g.writeStartObject();
        string(g, F_ROUTE, s.route);
        string(g, F_PROVIDER, s.provider);
        string(g, F_MODEL, s.model);
        if (s.ring != null) {
            g.writeFieldName(F_RING);
            RingCodec.write(g, s.ring);
        }
        number(g, F_ROUTE_TIME, s.routeTime);
        number(g, F_LAST_CALL_AT, s.lastCallAt);
        number(g, F_LAST_EVALUATED_AT, s.lastEvaluatedAt);
        string(g, F_STATE, s.state == null ? null : s.state.name());
        string(g, F_PREVIOUS_STATE, s.previousState == null ? null : s.previousState.name());
        number(g, F_SINCE, s.since);
        string(g, F_REASON, s.reason);
        object(g, F_EVIDENCE, s.evidence);
        number(g, F_WINDOW_FLOOR, s.windowFloor);
        number(g, F_LAST_HEALTHY_AT, s.lastHealthyAt);
        number(g, F_FLAPS, s.flaps);
        string(g, F_RESUME_STATE, s.resumeState == null ? null : s.resumeState.name());
        number(g, F_RESUME_SINCE, s.resumeSince);
        string(g, F_INCIDENT_CLASS, s.incidentClass);
        number(g, F_POLICY_RUN, s.policyRun);
        number(g, F_POLICY_RUN_START, s.policyRunStart);
        if (s.policyRunTenants != null) {
            g.writeFieldName(F_POLICY_RUN_TENANTS);
            g.writeStartArray();
            for (String t : s.policyRunTenants) {
                g.writeString(t);
            }
            g.writeEndArray();
        }
        number(g, F_CONSECUTIVE_GOOD, s.consecutiveGood);
        number(g, F_BAD_SINCE, s.badSince);
        number(g, F_LAST_POLICY_AT, s.lastPolicyAt);
        number(g, F_LAST_BURST_AT, s.lastBurstAt);
        number(g, F_PROBE_RUN_START, s.probeRunStart);
        if (s.probeTenants != null) {
            g.writeFieldName(F_PROBE_TENANTS);
            g.writeStartArray();
            for (String t : s.probeTenants) {
                g.writeString(t);
            }
            g.writeEndArray();
        }
        if (s.lastErrors != null) {
            g.writeFieldName(F_LAST_ERRORS);
            g.writeStartObject();
            for (Map.Entry<String, String> e : s.lastErrors.entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        }
        number(g, F_RESTORE_STEP, s.restoreStep);
        number(g, F_STEP_SINCE, s.stepSince);
        if (s.openAlerts != null) {
            g.writeFieldName(F_OPEN_ALERTS);
            g.writeStartObject();
            for (Map.Entry<String, OpenAlert> e : s.openAlerts.entrySet()) {
                g.writeFieldName(e.getKey());
                OpenAlert a = e.getValue();
                if (a == null) {
                    g.writeNull();
                    continue;
                }
                // OpenAlert has no NON_NULL inclusion: nulls are written, as the data binding does.
                g.writeStartObject();
                g.writeFieldName(F_FINGERPRINT);
                g.writeString(a.fingerprint);
                number(g, F_STARTS_AT, a.startsAt);
                g.writeFieldName(F_SEVERITY);
                g.writeString(a.severity);
                g.writeFieldName(F_SUMMARY);
                g.writeString(a.summary);
                g.writeFieldName(F_DESCRIPTION);
                g.writeString(a.description);
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        if (s.baselines != null) {
            g.writeFieldName(F_BASELINES);
            g.writeStartObject();
            for (Map.Entry<String, RouteState.Baseline> e : s.baselines.entrySet()) {
                g.writeFieldName(e.getKey());
                RouteState.Baseline b = e.getValue();
                if (b == null) {
                    g.writeNull();
                    continue;
                }
                g.writeStartObject();
                g.writeFieldName(F_MEAN);
                g.writeNumber(b.mean);
                g.writeFieldName(F_VARIANCE);
                g.writeNumber(b.variance);
                number(g, F_SAMPLES, b.samples);
                string(g, F_OPEN_ID, b.openId);
                number(g, F_OPENED_AT, b.openedAt);
                g.writeFieldName(F_OPEN_BASELINE);
                g.writeNumber(b.openBaseline);
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        object(g, F_OVERRIDE, s.override);
        string(g, F_SCOPE_DIM, s.scopeDim);
        string(g, F_SCOPE_VALUE, s.scopeValue);
        object(g, F_SCOPES, s.scopes);
        object(g, F_CALLERS, s.callers);
        string(g, F_VERDICT_SIGNATURE, s.verdictSignature);
        number(g, F_VERDICT_SEQ, s.verdictSeq);
        number(g, F_PUBLISHED_SUSPECT, s.publishedSuspect);
        g.writeEndObject();
    }

    // Field names encoded once (the generator copies their UTF-8 bytes instead of encoding each time).
    private static final SerializedString F_ROUTE = new SerializedString("route");
    private static final SerializedString F_PROVIDER = new SerializedString("provider");
    private static final SerializedString F_MODEL = new SerializedString("model");
    private static final SerializedString F_RING = new SerializedString("ring");
    private static final SerializedString F_ROUTE_TIME = new SerializedString("routeTime");
    private static final SerializedString F_LAST_CALL_AT = new SerializedString("lastCallAt");
    private static final SerializedString F_LAST_POLICY_AT = new SerializedString("lastPolicyAt");
    private static final SerializedString F_LAST_BURST_AT = new SerializedString("lastBurstAt");
    private static final SerializedString F_PROBE_RUN_START = new SerializedString("probeRunStart");
    private static final SerializedString F_PROBE_TENANTS = new SerializedString("probeTenants");
    private static final SerializedString F_VERDICT_SEQ = new SerializedString("verdictSeq");
    private static final SerializedString F_PUBLISHED_SUSPECT = new SerializedString("publishedSuspect");
    private static final SerializedString F_LAST_EVALUATED_AT = new SerializedString("lastEvaluatedAt");
    private static final SerializedString F_STATE = new SerializedString("state");
    private static final SerializedString F_PREVIOUS_STATE = new SerializedString("previousState");
    private static final SerializedString F_SINCE = new SerializedString("since");
    private static final SerializedString F_REASON = new SerializedString("reason");
    private static final SerializedString F_EVIDENCE = new SerializedString("evidence");
    private static final SerializedString F_WINDOW_FLOOR = new SerializedString("windowFloor");
    private static final SerializedString F_LAST_HEALTHY_AT = new SerializedString("lastHealthyAt");
    private static final SerializedString F_FLAPS = new SerializedString("flaps");
    private static final SerializedString F_RESUME_STATE = new SerializedString("resumeState");
    private static final SerializedString F_RESUME_SINCE = new SerializedString("resumeSince");
    private static final SerializedString F_INCIDENT_CLASS = new SerializedString("incidentClass");
    private static final SerializedString F_POLICY_RUN = new SerializedString("policyRun");
    private static final SerializedString F_POLICY_RUN_START = new SerializedString("policyRunStart");
    private static final SerializedString F_POLICY_RUN_TENANTS = new SerializedString("policyRunTenants");
    private static final SerializedString F_CONSECUTIVE_GOOD = new SerializedString("consecutiveGood");
    private static final SerializedString F_BAD_SINCE = new SerializedString("badSince");
    private static final SerializedString F_LAST_ERRORS = new SerializedString("lastErrors");
    private static final SerializedString F_RESTORE_STEP = new SerializedString("restoreStep");
    private static final SerializedString F_STEP_SINCE = new SerializedString("stepSince");
    private static final SerializedString F_OPEN_ALERTS = new SerializedString("openAlerts");
    private static final SerializedString F_BASELINES = new SerializedString("baselines");
    private static final SerializedString F_OVERRIDE = new SerializedString("override");
    private static final SerializedString F_SCOPE_DIM = new SerializedString("scopeDim");
    private static final SerializedString F_SCOPE_VALUE = new SerializedString("scopeValue");
    private static final SerializedString F_SCOPES = new SerializedString("scopes");
    private static final SerializedString F_CALLERS = new SerializedString("callers");
    private static final SerializedString F_VERDICT_SIGNATURE = new SerializedString("verdictSignature");
    private static final SerializedString F_FINGERPRINT = new SerializedString("fingerprint");
    private static final SerializedString F_STARTS_AT = new SerializedString("startsAt");
    private static final SerializedString F_SEVERITY = new SerializedString("severity");
    private static final SerializedString F_SUMMARY = new SerializedString("summary");
    private static final SerializedString F_DESCRIPTION = new SerializedString("description");
    private static final SerializedString F_MEAN = new SerializedString("mean");
    private static final SerializedString F_VARIANCE = new SerializedString("variance");
    private static final SerializedString F_SAMPLES = new SerializedString("samples");
    private static final SerializedString F_OPEN_ID = new SerializedString("openId");
    private static final SerializedString F_OPENED_AT = new SerializedString("openedAt");
    private static final SerializedString F_OPEN_BASELINE = new SerializedString("openBaseline");

    /** The data binding's own output for the state: the reference {@link #write} must match. */
    static byte[] writeByDataBinding(RouteState s) throws IOException {
        return CBOR.writeValueAsBytes(s);
    }

    private static void string(JsonGenerator g, SerializedString name, String value) throws IOException {
        if (value != null) {
            g.writeFieldName(name);
            g.writeString(value);
        }
    }

    private static void number(JsonGenerator g, SerializedString name, long value) throws IOException {
        g.writeFieldName(name);
        g.writeNumber(value);
    }

    /** Nested records that are rarely present (evidence, override): the data binding writes them. */
    private static void object(JsonGenerator g, SerializedString name, Object value) throws IOException {
        if (value != null) {
            g.writeFieldName(name);
            g.writeObject(value);
        }
    }

    /** Writes {@link RouteState#ring} as one byte string. */
    static final class RingSerializer extends JsonSerializer<RouteState.Bucket[]> {
        @Override
        public void serialize(RouteState.Bucket[] ring, JsonGenerator gen, SerializerProvider provider) throws IOException {
            RingCodec.write(gen, ring);
        }
    }

    /** Reads {@link RouteState#ring}: the byte string, or the older array of bucket objects. */
    static final class RingDeserializer extends JsonDeserializer<RouteState.Bucket[]> {
        @Override
        public RouteState.Bucket[] deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() == JsonToken.START_ARRAY) {
                return ctxt.readValue(p, RouteState.Bucket[].class);
            }
            return RingCodec.decode(p.getBinaryValue());
        }
    }

    /**
     * The ring as bytes: {@code version(1) n} then per slot {@code 0} (empty) or
     * {@code flags start counts [latency]}; integers are LEB128 varints (start zig-zag), the
     * latency histogram is {@code length k (indexGap count)×k} over its k non-zero cells.
     */
    static final class RingCodec {
        private static final int VERSION = 1;
        private static final int PRESENT = 1;
        private static final int CLOSED = 2;
        private static final int LATENCY = 4;
        private static final int LATE = 8;
        private static final int QUANTILES = 16;
        private static final int LEFT_OUT = 32;

        private RingCodec() {
        }

        /** Scratch space for {@link #write}, per thread: a stream thread writes one state at a time. */
        private static final ThreadLocal<Out> SCRATCH = ThreadLocal.withInitial(() -> new Out(1024));

        static void write(JsonGenerator g, RouteState.Bucket[] ring) throws IOException {
            Out out = SCRATCH.get();
            out.n = 0;
            encodeInto(out, ring);
            g.writeBinary(out.buf, 0, out.n);
        }

        static byte[] encode(RouteState.Bucket[] ring) {
            Out out = new Out(64 + ring.length * 16);
            encodeInto(out, ring);
            return out.bytes();
        }

        private static void encodeInto(Out out, RouteState.Bucket[] ring) {
            out.varint(VERSION);
            out.varint(ring.length);
            for (RouteState.Bucket b : ring) {
                if (b == null) {
                    out.varint(0);
                    continue;
                }
                boolean quantiles = !Double.isNaN(b.p50);
                out.varint(PRESENT | (b.closed ? CLOSED : 0) | (b.latency != null ? LATENCY : 0)
                        | (b.late != 0 ? LATE : 0) | (quantiles ? QUANTILES : 0) | (b.leftOut != null ? LEFT_OUT : 0));
                out.varlong((b.start << 1) ^ (b.start >> 63));
                out.varint(b.counts.length);
                for (int c : b.counts) {
                    out.varint(c);
                }
                if (b.late != 0) {
                    out.varint(b.late);
                }
                if (b.leftOut != null) {
                    out.varint(b.leftOut.length);
                    for (int c : b.leftOut) {
                        out.varint(c);
                    }
                }
                if (quantiles) {
                    // Microseconds: exact enough for a latency quantile, and a varint.
                    out.varlong(Math.round(b.p50 * 1000));
                    out.varlong(Math.round(b.p95 * 1000));
                    out.varlong(Math.round(b.p99 * 1000));
                }
                if (b.latency != null) {
                    int[] h = b.latency;
                    int nonZero = 0;
                    for (int c : h) {
                        nonZero += c != 0 ? 1 : 0;
                    }
                    out.varint(h.length);
                    out.varint(nonZero);
                    int prev = 0;
                    for (int i = 0; i < h.length; i++) {
                        if (h[i] != 0) {
                            out.varint(i - prev);
                            out.varint(h[i]);
                            prev = i;
                        }
                    }
                }
            }
        }

        static RouteState.Bucket[] decode(byte[] bytes) throws IOException {
            In in = new In(bytes);
            int version = in.varint();
            if (version != VERSION) {
                throw new IOException("unknown ring format version " + version);
            }
            RouteState.Bucket[] ring = new RouteState.Bucket[in.varint()];
            for (int slot = 0; slot < ring.length; slot++) {
                int flags = in.varint();
                if ((flags & PRESENT) == 0) {
                    continue;
                }
                RouteState.Bucket b = new RouteState.Bucket();
                long z = in.varlong();
                b.start = (z >>> 1) ^ -(z & 1);
                b.closed = (flags & CLOSED) != 0;
                int n = in.varint();
                if (n != b.counts.length) {
                    b.counts = new int[n];
                }
                for (int i = 0; i < n; i++) {
                    b.counts[i] = in.varint();
                }
                if ((flags & LATE) != 0) {
                    b.late = in.varint();
                }
                if ((flags & LEFT_OUT) != 0) {
                    b.leftOut = new int[in.varint()];
                    for (int i = 0; i < b.leftOut.length; i++) {
                        b.leftOut[i] = in.varint();
                    }
                }
                if ((flags & QUANTILES) != 0) {
                    b.p50 = in.varlong() / 1000.0;
                    b.p95 = in.varlong() / 1000.0;
                    b.p99 = in.varlong() / 1000.0;
                }
                if ((flags & LATENCY) != 0) {
                    int[] h = new int[in.varint()];
                    int k = in.varint();
                    int i = 0;
                    for (int j = 0; j < k; j++) {
                        i += in.varint();
                        h[i] = in.varint();
                    }
                    b.latency = h;
                }
                ring[slot] = b;
            }
            return ring;
        }

        private static final class Out {
            private byte[] buf;
            private int n;

            Out(int capacity) {
                buf = new byte[capacity];
            }

            void varint(int v) {
                varlong(v & 0xFFFFFFFFL);
            }

            void varlong(long v) {
                if (n + 10 > buf.length) {
                    buf = Arrays.copyOf(buf, buf.length * 2);
                }
                while ((v & ~0x7FL) != 0) {
                    buf[n++] = (byte) ((v & 0x7F) | 0x80);
                    v >>>= 7;
                }
                buf[n++] = (byte) v;
            }

            byte[] bytes() {
                return Arrays.copyOf(buf, n);
            }
        }

        private static final class In {
            private final byte[] buf;
            private int pos;

            In(byte[] buf) {
                this.buf = buf;
            }

            int varint() throws IOException {
                long v = varlong();
                if (v < 0 || v > 0xFFFFFFFFL) {
                    throw new IOException("varint out of range");
                }
                return (int) v;
            }

            long varlong() throws IOException {
                long v = 0;
                for (int shift = 0; shift < 64; shift += 7) {
                    if (pos >= buf.length) {
                        throw new IOException("truncated ring");
                    }
                    byte b = buf[pos++];
                    v |= (long) (b & 0x7F) << shift;
                    if (b >= 0) {
                        return v;
                    }
                }
                throw new IOException("malformed varint");
            }
        }
    }
}
