package io.modelhealth.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** What a v1 reader (a routing service using {@link ContractSerdes}) tolerates, as the README's compatibility rules say. */
class ReaderToleranceTest {

    private static final String COMMAND = """
            {"action":"REROUTE","command_id":"anthropic/claude-fable-5#1","epoch":1,"expires_at":"2025-11-28T03:12:45.120Z",
             "issued_at":"2025-11-27T03:12:45.120Z","probe_share":0.01,"reason":"policy_block.window",
             "route":"anthropic/claude-fable-5","state":"BLOCKED","target":"openai/gpt-5","weight":1.0%s}""";

    private static RerouteCommand read(String json) {
        return ContractSerdes.REROUTE_COMMAND.deserialize("model.reroute.commands", json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aFieldAddedLaterIsIgnored() {
        RerouteCommand c = read(COMMAND.formatted(",\"region_weights\":{\"us-east-1\":0.5}"));
        assertThat(c.targetShare()).isEqualTo(0.99);
        assertThat(c.target()).isEqualTo("openai/gpt-5");
    }

    @Test
    void anUnknownEnumValueIsAnError() {
        // This is why a new enum value is not an additive change within v1.
        String withNewState = COMMAND.formatted("").replace("\"BLOCKED\"", "\"QUARANTINED\"");
        assertThatThrownBy(() -> read(withNewState))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("RerouteCommand");
    }

    @Test
    void aTombstoneReadsAsNull() {
        assertThat(ContractSerdes.REROUTE_COMMAND.deserialize("model.reroute.commands", null)).isNull();
        assertThat(ContractSerdes.REROUTE_COMMAND.serialize("model.reroute.commands", null)).isNull();
    }
}
