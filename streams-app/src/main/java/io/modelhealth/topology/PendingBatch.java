package io.modelhealth.topology;

import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.LlmCall;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The values of {@code pending-batches}: the calls one route task took in between two commits and could
 * not judge yet (ahead of the low watermark), as one entry and one changelog record per commit instead of
 * a put and a delete per call in {@code pending-calls}. Keyed by the batch's sequence number in the task.
 * Value: a count, then per call its event time, its route and the call, each length-prefixed. The
 * call is in a compact binary form ({@link #writeCall}: writing it as JSON at every commit was a sixth of
 * the stream thread's time); batches written before it hold {@code llm.call.v1} JSON and say so by a
 * count of zero or more, binary batches by a negative one ({@code -count - 1}), so both are read back.
 */
final class PendingBatch {

    /**
     * A batch is closed once it holds this much: a changelog record stays far below the producer's
     * {@code max.request.size} and the broker's {@code message.max.bytes} (1 MiB by default), whatever a commit
     * interval brought in.
     */
    static final int MAX_BYTES = 256 * 1024;

    private PendingBatch() {
    }

    interface Sink {
        void call(long ts, String route, LlmCall call);
    }

    /** Hands every call of a batch to {@code sink}; returns the latest event time among them. */
    static long decode(byte[] value, Sink sink) {
        ByteBuffer b = ByteBuffer.wrap(value);
        int header = b.getInt();
        boolean binary = header < 0;
        int n = binary ? -header - 1 : header;
        long latest = Long.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            long ts = b.getLong();
            byte[] route = new byte[b.getInt()];
            b.get(route);
            int len = b.getInt();
            int end = b.position() + len;
            LlmCall call;
            if (binary) {
                call = readCall(b);
            } else {
                call = ContractSerdes.LLM_CALL.deserialize("", Arrays.copyOfRange(value, b.position(), end));
            }
            b.position(end);
            latest = Math.max(latest, ts);
            sink.call(ts, new String(route, StandardCharsets.UTF_8), call);
        }
        return latest;
    }

    /** Builds one batch value. */
    static final class Writer {
        private final Buf buf = new Buf(4096);
        private int count;
        private long latest = Long.MIN_VALUE;

        Writer() {
            reset();
        }

        /**
         * Empties the writer for the next batch, keeping its buffer: a task writes a batch at every commit, and
         * under TopologyTestDriver (a commit after every record) a new writer per commit was a sixth of a
         * backtest's allocation.
         */
        Writer reset() {
            buf.size = 0;
            count = 0;
            latest = Long.MIN_VALUE;
            buf.putInt(0);
            return this;
        }

        void add(long ts, String route, LlmCall call) {
            buf.putLong(ts);
            writeString(route, buf, true);
            int lengthAt = buf.size;
            buf.putInt(0);
            writeCall(call, buf);
            buf.putInt(lengthAt, buf.size - lengthAt - 4);
            count++;
            latest = Math.max(latest, ts);
        }

        int size() {
            return buf.size;
        }

        int count() {
            return count;
        }

        long latest() {
            return latest;
        }

        byte[] bytes() {
            byte[] b = buf.toByteArray();
            ByteBuffer.wrap(b).putInt(0, -count - 1);
            return b;
        }
    }

    /**
     * A growable big-endian byte buffer, what {@code DataOutputStream} over a {@code ByteArrayOutputStream} wrote
     * without its synchronized write per byte: at every commit, written the other way, the pending calls were a
     * tenth of the stream thread.
     */
    static final class Buf {
        private byte[] bytes;
        private int size;

        Buf(int capacity) {
            this.bytes = new byte[capacity];
        }

        private void ensure(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }

        void putByte(int v) {
            ensure(1);
            bytes[size++] = (byte) v;
        }

        void putShort(int v) {
            ensure(2);
            bytes[size++] = (byte) (v >>> 8);
            bytes[size++] = (byte) v;
        }

        void putInt(int v) {
            ensure(4);
            putInt(size, v);
            size += 4;
        }

        void putInt(int at, int v) {
            bytes[at] = (byte) (v >>> 24);
            bytes[at + 1] = (byte) (v >>> 16);
            bytes[at + 2] = (byte) (v >>> 8);
            bytes[at + 3] = (byte) v;
        }

        void putLong(long v) {
            putInt((int) (v >>> 32));
            putInt((int) v);
        }

        void putDouble(double v) {
            putLong(Double.doubleToLongBits(v));
        }

        int size() {
            return size;
        }

        byte[] toByteArray() {
            return Arrays.copyOf(bytes, size);
        }
    }

    // Presence bits of a call's optional fields.
    private static final int EVENT_ID = 1;
    private static final int TIMESTAMP = 1 << 1;
    private static final int PROVIDER = 1 << 2;
    private static final int MODEL = 1 << 3;
    private static final int REGION = 1 << 4;
    private static final int TENANT = 1 << 5;
    private static final int STATUS = 1 << 6;
    private static final int ERROR_TYPE = 1 << 7;
    private static final int TTFT = 1 << 8;
    private static final int INPUT_TOKENS = 1 << 9;
    private static final int OUTPUT_TOKENS = 1 << 10;

    /** A call, every field exactly (strings char for char, the timestamp to the nanosecond). */
    static void writeCall(LlmCall c, Buf out) {
        int present = (c.eventId() != null ? EVENT_ID : 0) | (c.timestamp() != null ? TIMESTAMP : 0)
                | (c.provider() != null ? PROVIDER : 0) | (c.model() != null ? MODEL : 0) | (c.region() != null ? REGION : 0)
                | (c.tenant() != null ? TENANT : 0) | (c.statusCode() != null ? STATUS : 0) | (c.errorType() != null ? ERROR_TYPE : 0)
                | (c.ttftMs() != null ? TTFT : 0) | (c.inputTokens() != null ? INPUT_TOKENS : 0) | (c.outputTokens() != null ? OUTPUT_TOKENS : 0);
        out.putShort(present);
        writeString(c.eventId(), out, false);
        writeInstant(c.timestamp(), out);
        writeString(c.provider(), out, false);
        writeString(c.model(), out, false);
        writeString(c.region(), out, false);
        writeString(c.tenant(), out, false);
        if (c.statusCode() != null) {
            out.putInt(c.statusCode());
        }
        writeString(c.errorType(), out, false);
        out.putDouble(c.latencyMs());
        if (c.ttftMs() != null) {
            out.putDouble(c.ttftMs());
        }
        if (c.inputTokens() != null) {
            out.putLong(c.inputTokens());
        }
        if (c.outputTokens() != null) {
            out.putLong(c.outputTokens());
        }
    }

    static LlmCall readCall(ByteBuffer b) {
        int present = b.getShort() & 0xFFFF;
        String eventId = (present & EVENT_ID) != 0 ? readString(b) : null;
        java.time.Instant timestamp = (present & TIMESTAMP) != 0 ? readInstant(b) : null;
        String provider = (present & PROVIDER) != 0 ? readString(b) : null;
        String model = (present & MODEL) != 0 ? readString(b) : null;
        String region = (present & REGION) != 0 ? readString(b) : null;
        String tenant = (present & TENANT) != 0 ? readString(b) : null;
        Integer status = (present & STATUS) != 0 ? b.getInt() : null;
        String errorType = (present & ERROR_TYPE) != 0 ? readString(b) : null;
        double latency = b.getDouble();
        Double ttft = (present & TTFT) != 0 ? b.getDouble() : null;
        Long input = (present & INPUT_TOKENS) != 0 ? b.getLong() : null;
        Long output = (present & OUTPUT_TOKENS) != 0 ? b.getLong() : null;
        return new LlmCall(eventId, timestamp, provider, model, region, tenant, status, errorType, latency, ttft, input, output);
    }

    /**
     * Null is left out (its presence bit says so). In a call: ASCII as bytes, a positive length; anything else as
     * UTF-16 chars, a negative one. A route ({@code utf8}): its UTF-8 bytes after their length, as the batch
     * format has it.
     */
    static void writeString(String s, Buf out, boolean utf8) {
        if (s == null) {
            return;
        }
        int n = s.length();
        boolean ascii = true;
        for (int i = 0; i < n && ascii; i++) {
            ascii = s.charAt(i) < 0x80;
        }
        if (ascii) {
            // An ASCII string is its own UTF-8 and Latin-1: one byte per char.
            out.putInt(n);
            out.ensure(n);
            for (int i = 0; i < n; i++) {
                out.bytes[out.size++] = (byte) s.charAt(i);
            }
        } else if (utf8) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.putInt(b.length);
            out.ensure(b.length);
            System.arraycopy(b, 0, out.bytes, out.size, b.length);
            out.size += b.length;
        } else {
            out.putInt(-n - 1);
            out.ensure(2 * n);
            for (int i = 0; i < n; i++) {
                char c = s.charAt(i);
                out.bytes[out.size++] = (byte) (c >>> 8);
                out.bytes[out.size++] = (byte) c;
            }
        }
    }

    /** An instant to the nanosecond; null is left out (its presence bit says so). */
    static void writeInstant(java.time.Instant t, Buf out) {
        if (t != null) {
            out.putLong(t.getEpochSecond());
            out.putInt(t.getNano());
        }
    }

    static java.time.Instant readInstant(ByteBuffer b) {
        long seconds = b.getLong();
        return java.time.Instant.ofEpochSecond(seconds, b.getInt());
    }

    static String readString(ByteBuffer b) {
        int n = b.getInt();
        if (n >= 0) {
            String s = new String(b.array(), b.arrayOffset() + b.position(), n, StandardCharsets.ISO_8859_1);
            b.position(b.position() + n);
            return s;
        }
        if (-(long) n - 1 > b.remaining() / 2) {
            // Not a length this codec wrote: fail as a short buffer would, not by allocating up to 4 GB.
            throw new java.nio.BufferUnderflowException();
        }
        char[] chars = new char[-n - 1];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = b.getChar();
        }
        return new String(chars);
    }
}
