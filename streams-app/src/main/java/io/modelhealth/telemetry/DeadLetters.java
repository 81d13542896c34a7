package io.modelhealth.telemetry;

import io.modelhealth.schemas.DeadLetter;
import java.util.Base64;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Builds a {@link DeadLetter} for an input record: reason, detail, source coordinates, original bytes (base64). */
public final class DeadLetters {

    private DeadLetters() {
    }

    public static DeadLetter of(String reason, String detail, Optional<RecordMetadata> source, long timestamp,
                                byte[] key, byte[] value) {
        RecordMetadata meta = source.orElse(null);
        Base64.Encoder b64 = Base64.getEncoder();
        return new DeadLetter(reason, detail, meta == null ? null : meta.topic(), meta == null ? -1 : meta.partition(),
                meta == null ? -1 : meta.offset(), timestamp,
                key == null ? null : b64.encodeToString(key), value == null ? null : b64.encodeToString(value));
    }
}
