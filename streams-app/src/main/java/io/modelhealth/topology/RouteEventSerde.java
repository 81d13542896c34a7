package io.modelhealth.topology;

import io.modelhealth.schemas.ContractSerdes;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * {@code calls-by-route} values: {@code 'C'} + the call as {@code llm.call.v1} JSON, or
 * {@code 'W'} + partition (int) + time (long) + idle (byte) for a {@link RouteEvent.Watermark}.
 * Overrides never take this topic.
 */
public final class RouteEventSerde implements Serde<RouteEvent> {

    private static final byte CALL = 'C';
    private static final byte MARK = 'W';

    @Override
    public Serializer<RouteEvent> serializer() {
        return (topic, e) -> {
            if (e == null) {
                return null;
            }
            if (e.isMark()) {
                return ByteBuffer.allocate(14).put(MARK).putInt(e.mark().partition()).putLong(e.mark().time())
                        .put((byte) (e.mark().idle() ? 1 : 0)).array();
            }
            if (e.call() == null) {
                throw new SerializationException("only calls and watermarks travel " + topic);
            }
            byte[] json = ContractSerdes.LLM_CALL.serialize(topic, e.call());
            byte[] out = new byte[json.length + 1];
            out[0] = CALL;
            System.arraycopy(json, 0, out, 1, json.length);
            return out;
        };
    }

    @Override
    public Deserializer<RouteEvent> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null || bytes.length == 0) {
                return null;
            }
            if (bytes[0] == MARK) {
                ByteBuffer b = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
                return RouteEvent.of(new RouteEvent.Watermark(b.getInt(), b.getLong(), b.get() != 0));
            }
            if (bytes[0] == CALL) {
                return RouteEvent.of(ContractSerdes.LLM_CALL.deserialize(topic, Arrays.copyOfRange(bytes, 1, bytes.length)));
            }
            throw new SerializationException("unknown record type " + bytes[0] + " on " + topic);
        };
    }
}
