package io.modelhealth.topology;

import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.telemetry.RouteIds;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The values of the global {@value RouteProcessor#FLEET_STORE} store: every route's {@code model.health.state.v1}
 * record, held in memory on every instance for the status page and the API. Most of them are a healthy route's
 * "no errors", which as JSON is ~210 bytes of field names and timestamps; held in this compact form instead it is
 * ~70, and a route's whole heap is what limits how many routes an instance holds (docs/performance.md).
 *
 * <p>The compact form carries the record's scalar fields: a version byte ({@value #COMPACT}), a bit set of the
 * fields present, then those fields; provider and model only where they are not the route id's own parts. A
 * record with evidence, scopes or a blast radius — an unhealthy route's, a few at a time — is kept as its
 * {@code model.health.state.v1} JSON, which starts with {@code '{'}; the reader tells the two apart by the first
 * byte, so JSON copied in from the topic as it is reads back too.
 */
final class StatusStoreSerde implements Serde<RouteStatus> {

    static final byte COMPACT = 1;

    private static final int PREVIOUS = 1;
    private static final int SINCE = 1 << 1;
    private static final int REASON = 1 << 2;
    private static final int TARGET = 1 << 3;
    private static final int WEIGHT = 1 << 4;
    private static final int OVERRIDE = 1 << 5;
    private static final int CONFIG_VERSION = 1 << 6;
    private static final int UPDATED_AT = 1 << 7;
    private static final int FAMILY = 1 << 8;
    private static final int AUTHOR = 1 << 9;
    private static final int OWN_PROVIDER_MODEL = 1 << 10;

    private static final HealthState[] STATES = HealthState.values();

    @Override
    public Serializer<RouteStatus> serializer() {
        return (topic, status) -> status == null ? null : write(status);
    }

    @Override
    public Deserializer<RouteStatus> deserializer() {
        return (topic, data) -> data == null ? null : read(data);
    }

    static byte[] write(RouteStatus s) {
        if (!compactable(s)) {
            return ContractSerdes.ROUTE_STATUS.serializer().serialize("", s);
        }
        boolean ownParts = !s.provider().equals(RouteIds.provider(s.route())) || !s.model().equals(RouteIds.model(s.route()));
        int fields = (s.previousState() != null ? PREVIOUS : 0) | (s.since() != null ? SINCE : 0)
                | (s.reason() != null ? REASON : 0) | (s.rerouteTarget() != null ? TARGET : 0)
                | (s.rerouteWeight() != null ? WEIGHT : 0) | (s.override() != null ? OVERRIDE : 0)
                | (s.configVersion() != null ? CONFIG_VERSION : 0) | (s.updatedAt() != null ? UPDATED_AT : 0)
                | (s.family() != null ? FAMILY : 0) | (s.overrideAuthor() != null ? AUTHOR : 0)
                | (ownParts ? OWN_PROVIDER_MODEL : 0);
        // The pending batches' codec: strings char for char, instants to the nanosecond.
        PendingBatch.Buf out = new PendingBatch.Buf(96);
        out.putByte(COMPACT);
        out.putShort(fields);
        PendingBatch.writeString(s.route(), out, false);
        if (ownParts) {
            PendingBatch.writeString(s.provider(), out, false);
            PendingBatch.writeString(s.model(), out, false);
        }
        out.putByte(s.state().ordinal());
        if (s.previousState() != null) {
            out.putByte(s.previousState().ordinal());
        }
        PendingBatch.writeInstant(s.since(), out);
        PendingBatch.writeString(s.reason(), out, false);
        PendingBatch.writeString(s.rerouteTarget(), out, false);
        if (s.rerouteWeight() != null) {
            out.putDouble(s.rerouteWeight());
        }
        PendingBatch.writeString(s.override(), out, false);
        PendingBatch.writeString(s.configVersion(), out, false);
        PendingBatch.writeInstant(s.updatedAt(), out);
        PendingBatch.writeString(s.family(), out, false);
        PendingBatch.writeString(s.overrideAuthor(), out, false);
        return out.toByteArray();
    }

    static RouteStatus read(byte[] data) {
        if (data.length == 0) {
            throw new SerializationException("empty " + RouteProcessor.FLEET_STORE + " value");
        }
        if (data[0] == '{') {
            return ContractSerdes.ROUTE_STATUS.deserializer().deserialize("", data);
        }
        if (data[0] != COMPACT) {
            throw new SerializationException("unknown " + RouteProcessor.FLEET_STORE + " value format " + data[0]);
        }
        try {
            ByteBuffer in = ByteBuffer.wrap(data, 1, data.length - 1);
            int fields = in.getShort() & 0xFFFF;
            String route = PendingBatch.readString(in);
            String provider = has(fields, OWN_PROVIDER_MODEL) ? PendingBatch.readString(in) : RouteIds.provider(route);
            String model = has(fields, OWN_PROVIDER_MODEL) ? PendingBatch.readString(in) : RouteIds.model(route);
            HealthState state = STATES[in.get() & 0xFF];
            HealthState previous = has(fields, PREVIOUS) ? STATES[in.get() & 0xFF] : null;
            Instant since = has(fields, SINCE) ? PendingBatch.readInstant(in) : null;
            String reason = has(fields, REASON) ? PendingBatch.readString(in) : null;
            String target = has(fields, TARGET) ? PendingBatch.readString(in) : null;
            Double weight = has(fields, WEIGHT) ? in.getDouble() : null;
            String override = has(fields, OVERRIDE) ? PendingBatch.readString(in) : null;
            String configVersion = has(fields, CONFIG_VERSION) ? PendingBatch.readString(in) : null;
            Instant updatedAt = has(fields, UPDATED_AT) ? PendingBatch.readInstant(in) : null;
            String family = has(fields, FAMILY) ? PendingBatch.readString(in) : null;
            String author = has(fields, AUTHOR) ? PendingBatch.readString(in) : null;
            return new RouteStatus(route, provider, model, state, previous, since, reason, null, target, weight, override,
                    configVersion, updatedAt, family, List.of(), List.of(), author);
        } catch (RuntimeException e) {
            // A short buffer, a bad length or state ordinal: the bytes are not what this class wrote.
            throw new SerializationException("corrupt " + RouteProcessor.FLEET_STORE + " value: " + e, e);
        }
    }

    /** No evidence, scopes or blast radius (the nested parts), and the fields every record has. */
    private static boolean compactable(RouteStatus s) {
        return s.route() != null && s.provider() != null && s.model() != null && s.state() != null && s.evidence() == null
                && s.scopes().isEmpty() && s.blastRadius().isEmpty();
    }

    private static boolean has(int fields, int field) {
        return (fields & field) != 0;
    }
}
