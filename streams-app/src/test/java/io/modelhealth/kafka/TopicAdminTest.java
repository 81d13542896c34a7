package io.modelhealth.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** {@link TopicAdmin} without a broker: config comparison, argument checks, and an unreachable cluster. */
class TopicAdminTest {

    @Test
    void comparesListValuesAsSets() {
        assertThat(TopicAdmin.sameValue("compact,delete", "delete,compact")).isTrue();
        assertThat(TopicAdmin.sameValue("compact, delete", "delete,compact")).isTrue();
        assertThat(TopicAdmin.sameValue("604800000", "604800000")).isTrue();
        assertThat(TopicAdmin.sameValue("delete", "compact")).isFalse();
        assertThat(TopicAdmin.sameValue("compact", "compact,delete")).isFalse();
        assertThat(TopicAdmin.sameValue(null, "compact")).isFalse();
    }

    @Test
    void failsWithinItsTimeoutNamingTheBootstrapServersWhenNothingListens() throws IOException {
        String nowhere = unusedAddress();
        try (TopicAdmin topics = TopicAdmin.connect(nowhere, Map.of(), Duration.ofSeconds(2))) {
            assertTimeoutPreemptively(Duration.ofSeconds(15), () ->
                    assertThatThrownBy(() -> topics.verify(List.of(TopicSpec.of("llm.calls", 6, 1))))
                            .isInstanceOf(TopicAdmin.TopicAdminException.class)
                            .hasMessageContaining("Kafka at " + nowhere + " did not answer within 2 s")
                            .hasMessageContaining("llm.calls"));
        }
    }

    @Test
    void rejectsTheSameTopicTwice() {
        try (TopicAdmin topics = TopicAdmin.connect("127.0.0.1:9", Map.of(), Duration.ofSeconds(1))) {
            assertThatThrownBy(() -> topics.check(List.of(TopicSpec.of("a", 1, 1), TopicSpec.of("a", 2, 1))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("topic a is specified twice");
        }
    }

    @Test
    void anEmptySpecListNeedsNoCluster() {
        try (TopicAdmin topics = TopicAdmin.connect("127.0.0.1:9", Map.of(), Duration.ofSeconds(1))) {
            assertThat(topics.ensure(List.of()).entries()).isEmpty();
        }
    }

    /** A loopback port that was free a moment ago: connections to it are refused. */
    private static String unusedAddress() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return "127.0.0.1:" + socket.getLocalPort();
        }
    }
}
