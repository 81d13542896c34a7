package io.modelhealth.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link PeerWindows} against another instance's {@link HttpApi}, and against peers that fail. */
class PeerWindowsTest {

    private final InMemoryRouteQueries remote = Fleet.duringIncident();
    private final PeerWindows peers = new PeerWindows(Duration.ofMillis(500), null);
    private HttpApi remoteApi;
    private PeerWindows.Peer peer;

    @BeforeEach
    void start() throws IOException {
        remoteApi = new HttpApi(new InetSocketAddress("127.0.0.1", 0), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                remote, Clock.systemUTC());
        peer = new PeerWindows.Peer("127.0.0.1", remoteApi.port());
    }

    @AfterEach
    void stop() {
        remoteApi.close();
    }

    @Test
    void fetchesOneRoutesWindowsIntact() {
        assertThat(peers.route(peer, Fleet.BLOCKED)).hasValue(remote.localWindows().get(Fleet.BLOCKED));
        assertThat(peers.route(peer, Fleet.UNAVAILABLE)).hasValue(remote.localWindows().get(Fleet.UNAVAILABLE));
    }

    @Test
    void fetchesEveryHostedRoute() {
        assertThat(peers.all(List.of(peer))).isEqualTo(remote.localWindows());
    }

    @Test
    void aRouteThePeerDoesNotHostIsEmpty() {
        assertThat(peers.route(peer, Fleet.DEGRADED)).isEmpty();
    }

    @Test
    void aPeerThatIsNotReadyIsEmpty() {
        remote.notReady("rebalancing");
        assertThat(peers.route(peer, Fleet.BLOCKED)).isEmpty();
        assertThat(peers.all(List.of(peer))).isEmpty();
    }

    @Test
    void aGonePeerIsEmptyNotAnError() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        PeerWindows.Peer gone = new PeerWindows.Peer("127.0.0.1", closedPort);
        assertThat(peers.route(gone, Fleet.BLOCKED)).isEmpty();
        // One gone peer does not hide what the others answer.
        assertThat(peers.all(List.of(gone, peer))).isEqualTo(remote.localWindows());
    }

    @Test
    void aHangingPeerTimesOutQuickly() throws IOException {
        // Accepts connections (the backlog does) but never answers.
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            PeerWindows.Peer hanging = new PeerWindows.Peer("127.0.0.1", silent.getLocalPort());
            long start = System.nanoTime();
            assertThat(peers.route(hanging, Fleet.BLOCKED)).isEmpty();
            assertThat(peers.all(List.of(hanging))).isEmpty();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        }
    }
}
