package io.modelhealth.routing;

import static io.modelhealth.routing.Commands.BLOCKED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the client does without any broker: its settings, and fail-open while it cannot read. */
class RerouteClientTest {

    /** Nothing listens here: the consumer is created but never gets an answer. */
    private static final String NOWHERE = "127.0.0.1:1";

    @Test
    void bootstrapServersAreRequired() {
        assertThatThrownBy(() -> RerouteClient.builder().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bootstrap servers");
    }

    @Test
    void readUncommittedIsRefused() {
        RerouteClient.Builder builder = RerouteClient.builder()
                .bootstrapServers(NOWHERE)
                .consumerProperties(Map.of("isolation.level", "read_uncommitted"));

        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("aborted transactions");
    }

    @Test
    void pollTimeoutMustBePositive() {
        assertThatThrownBy(() -> RerouteClient.builder().pollTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unreachableClusterFailsOpenAndCloseEndsTheThread() throws Exception {
        String topic = "reroute-unreachable-" + System.nanoTime();
        RerouteClient client = RerouteClient.builder()
                .bootstrapServers(NOWHERE)
                .topic(topic)
                .build();
        try {
            assertThat(client.isCaughtUp()).isFalse();
            assertThat(client.resolve(BLOCKED, "user-1")).isEqualTo(Route.original(BLOCKED));
            assertThat(client.awaitCaughtUp(Duration.ofMillis(200))).isFalse();
            assertThat(threadRunning(topic)).isTrue();
        } finally {
            client.close();
        }

        // close() wakes the consumer out of its metadata wait; the thread ends and waiting stops.
        await().atMost(Duration.ofSeconds(10)).until(() -> !threadRunning(topic));
        assertThat(client.awaitCaughtUp(Duration.ofSeconds(30))).isFalse();
        assertThat(client.resolve(BLOCKED, "user-1")).isEqualTo(Route.original(BLOCKED));
        client.close(); // idempotent
    }

    @Test
    void failClosedWaitsForTheCatchUpAtMostCatchUpWait() {
        try (RerouteClient client = RerouteClient.builder()
                .bootstrapServers(NOWHERE)
                .topic("reroute-unreachable-" + System.nanoTime())
                .failOpenBeforeCaughtUp(false)
                .catchUpWait(Duration.ofMillis(300))
                .build()) {
            long start = System.nanoTime();

            Route route = client.resolve(BLOCKED, "user-1");

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
            assertThat(route).isEqualTo(Route.original(BLOCKED));
        }
    }

    private static boolean threadRunning(String topic) {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("reroute-client-" + topic) && t.isAlive());
    }
}
