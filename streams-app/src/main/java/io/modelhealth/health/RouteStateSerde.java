package io.modelhealth.health;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * {@link RouteState} in the state store and its changelog, as CBOR (binary JSON): compact, and new
 * fields can be added without a migration (unknown fields are ignored, missing ones take defaults).
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
                return CBOR.writeValueAsBytes(state);
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
}
