package io.modelhealth.topology;

import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.LlmCall;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The values of {@code pending-batches}: the calls one route task took in between two commits and could
 * not judge yet (ahead of the low watermark), as one entry and one changelog record per commit instead of
 * a put and a delete per call in {@code pending-calls}. Keyed by the batch's sequence number in the task.
 * Value: a count, then per call its event time, its route and its {@code llm.call.v1} JSON, each
 * length-prefixed.
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
        int n = b.getInt();
        long latest = Long.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            long ts = b.getLong();
            byte[] route = new byte[b.getInt()];
            b.get(route);
            int len = b.getInt();
            byte[] json = Arrays.copyOfRange(value, b.position(), b.position() + len);
            b.position(b.position() + len);
            latest = Math.max(latest, ts);
            sink.call(ts, new String(route, StandardCharsets.UTF_8), ContractSerdes.LLM_CALL.deserialize("", json));
        }
        return latest;
    }

    /** Builds one batch value. */
    static final class Writer {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream(4096);
        private final DataOutputStream out = new DataOutputStream(buf);
        private int count;
        private long latest = Long.MIN_VALUE;

        Writer() {
            try {
                out.writeInt(0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void add(long ts, String route, byte[] json) {
            try {
                byte[] r = route.getBytes(StandardCharsets.UTF_8);
                out.writeLong(ts);
                out.writeInt(r.length);
                out.write(r);
                out.writeInt(json.length);
                out.write(json);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            count++;
            latest = Math.max(latest, ts);
        }

        int size() {
            return buf.size();
        }

        int count() {
            return count;
        }

        long latest() {
            return latest;
        }

        byte[] bytes() {
            byte[] b = buf.toByteArray();
            ByteBuffer.wrap(b).putInt(0, count);
            return b;
        }
    }
}
